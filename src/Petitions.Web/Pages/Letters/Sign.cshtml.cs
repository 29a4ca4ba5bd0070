using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

/// <summary>
/// The form's POST: valid → 303 to "check your email"; invalid → the letter page again, with
/// what was typed and a message by each wrong field (status 400).
/// The embedded form (/petitions/{slug}/embed) posts here too, at /petitions/{slug}/embed/sign (Program.cs): its
/// answers stay inside the partner's frame (<see cref="Embedded"/>).
/// </summary>
[EnableRateLimiting(RateLimits.SignOnPolicy)]
public sealed class SignModel(
    PetitionStore petitions, PublicListCache lists, IValidator<SignRequest> validator, SignOn signOn, TimeProvider clock,
    Partners.PartnerStore partners, ILogger<SignModel> logger, PreviewLinks previews) : PageModel
{
    public LetterView View { get; private set; } = null!;

    /// <summary>Posted from the embedded form: every answer is an embedded page, framable by the letter's origins.</summary>
    public bool Embedded => Embed.Framing.IsEmbedPath(Request.Path);

    public IActionResult OnGet(string slug) => Redirect($"/petitions/{Uri.EscapeDataString(slug)}{(Embedded ? "/embed" : "")}");

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken cancellationToken)
    {
        if (!Request.HasFormContentType)
        {
            return StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }

        var form = await Request.ReadFormAsync(cancellationToken);
        var request = new SignRequest
        {
            Organisation = form["organisation"],
            City = form["city"],
            Country = form["country"],
            ContactName = form["contactName"],
            ContactRole = form["contactRole"],
            ContactEmail = form["contactEmail"],
            Website = form["website"],
            Comment = form["comment"],
            Consent = form["consent"].Contains("true"),
            ShareContact = form["shareContact"].Contains("true"),
            // The language the page was read in: a field of the form, so the sign-on records it whatever the cookie says by then.
            Language = form["language"].Count == 1 ? form["language"].ToString() : null,
            WantsUpdates = form["wantsUpdates"].Contains("true"),
        };
        // The preview link's token rides the form (a hidden field) from a page shown before the opening.
        var previewToken = form[PreviewLinks.Parameter].Count == 1 ? form[PreviewLinks.Parameter].ToString() : null;
        request = request with { Preview = previewToken };

        // Refused before the honeypot and the fields, so a closed letter is 409 whatever was sent; the writer checks again, and its check counts.
        var now = clock.GetUtcNow();
        var found = await petitions.ReadToSignAsync(slug, now, cancellationToken);
        var letter = found?.Letter;
        if (Embedded && letter is not null)
        {
            Embed.Framing.AllowOrigins(HttpContext, letter.Origins);
        }

        var preview = letter is not null && !letter.HasOpenedAt(now) && await previews.AdmitsAsync(letter.Id, previewToken, cancellationToken);
        if (SignOn.Admits(letter, now, preview) is not SignOnOutcome.Accepted and var refused)
        {
            // Before the opening, without a live preview link, the letter is not there for this reader.
            return letter is not null && !letter.IsPublicAt(now) ? NotFound() : await RefusalAsync(slug, refused, cancellationToken);
        }

        // A partner's link that names no partner of this letter (mistyped, or removed since) must not stop anyone signing: ignored.
        var link = form["ref"].Count == 1 ? await partners.OfLinkAsync(letter!.Id, form["ref"], cancellationToken) : null;
        if (link is { } known)
        {
            request = request with { Ref = known.Code };
        }

        // The honeypot: people cannot see the field, scripts fill it in. Same answer, nothing stored.
        if (!string.IsNullOrEmpty(form["fax"]))
        {
            logger.LogInformation("A sign-on with the honeypot filled in was dropped.");
            return SeeOther(slug, request.Ref);
        }

        // The page shows again what was typed; the rules and the sign-on take it cleaned. "No country"
        // is a choice of its own on the form, so a country left unchosen is not taken for it.
        var international = request.Country == SignFormView.International;
        var sign = (international ? request with { Country = null } : request).Cleaned();
        var validation = await validator.ValidateAsync(sign, cancellationToken);
        var errors = SignaturesApi.Errors(validation);
        if (string.IsNullOrWhiteSpace(request.Country))
        {
            errors["country"] = [Resources.Texts.Validation("Choose your organisation's country, or \"No country (international)\".")];
        }
        else if (international && sign.City is not null)
        {
            errors["country"] = [Resources.Texts.Validation("An international organisation has no city: choose its country, or leave the city empty.")];
        }

        // A field sent twice is not one answer: say so rather than join or pick one.
        foreach (var (field, _) in SignFormView.Fields)
        {
            if (form[field].Count > 1)
            {
                errors[field] = [Resources.Texts.Validation("This field was sent more than once.")];
            }
        }

        if (errors.Count > 0)
        {
            View = (await ShowModel.LoadAsync(petitions, found, lists, clock,
                new SignFormView(slug, request, errors) { PartnerName = link?.Name }, cancellationToken, preview))!;
            Web.Languages.Offer(HttpContext, View.Languages);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var language = sign.Language ?? Web.Languages.Current.Code;
        var (read, _, translation) = petitions.InLanguage(letter!, found!.Value.Translations, language);
        var outcome = await signOn.SignAsync(read, sign, "form", translation, previewToken, cancellationToken);
        return outcome == SignOnOutcome.Accepted ? SeeOther(slug, sign.Ref) : await RefusalAsync(slug, outcome, cancellationToken);
    }

    private async Task<IActionResult> RefusalAsync(string slug, SignOnOutcome outcome, CancellationToken cancellationToken)
    {
        // In the frame, a closed letter's embed says it is closed (status 409) rather than an error page the frame may not show.
        if (Embedded && outcome != SignOnOutcome.UnknownPetition
            && await ShowModel.LoadAsync(petitions, lists, clock, slug, SignFormView.Empty(slug), cancellationToken) is { } view)
        {
            View = view with { Form = null };
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }

        return outcome == SignOnOutcome.UnknownPetition ? NotFound() : StatusCode(StatusCodes.Status409Conflict);
    }

    // The partner's code goes along, so that "sign again" from the page after it is still through the partner's link.
    private StatusCodeResult SeeOther(string slug, string? partner)
    {
        // The embedded page keeps the language it was read in: a frame on another site gets no language cookie.
        Response.Headers.Location = Embedded
            ? $"/petitions/{Uri.EscapeDataString(slug)}/embed/check-email{Embed.EmbedLinks.LanguageQuery(Request)}"
            : $"/petitions/{Uri.EscapeDataString(slug)}/check-email" + (partner is null ? "" : $"?ref={Uri.EscapeDataString(partner)}");
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
