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
/// </summary>
[EnableRateLimiting(RateLimits.SignOnPolicy)]
public sealed class SignModel(
    PetitionStore petitions, PublicListCache lists, IValidator<SignRequest> validator, SignOn signOn, TimeProvider clock,
    ILogger<SignModel> logger) : PageModel
{
    public LetterView View { get; private set; } = null!;

    public IActionResult OnGet(string slug) => Redirect($"/petitions/{Uri.EscapeDataString(slug)}");

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
            // The language the page was read in: a field of the form, so the sign-on records it whatever the cookie says by then.
            Language = form["language"].Count == 1 ? form["language"].ToString() : null,
            WantsUpdates = form["wantsUpdates"].Contains("true"),
        };

        // Refused before the honeypot and the fields, so a closed letter is 409 whatever was sent; the writer checks again, and its check counts.
        var letter = await petitions.FindAsync(slug, cancellationToken);
        if (SignOn.Admits(letter, clock.GetUtcNow()) is not SignOnOutcome.Accepted and var refused)
        {
            return Refusal(refused);
        }

        // The honeypot: people cannot see the field, scripts fill it in. Same answer, nothing stored.
        if (!string.IsNullOrEmpty(form["fax"]))
        {
            logger.LogInformation("A sign-on with the honeypot filled in was dropped.");
            return SeeOther(slug);
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
            View = (await ShowModel.LoadAsync(petitions, lists, clock, slug,
                new SignFormView(slug, request, errors), cancellationToken))!;
            Web.Languages.Offer(HttpContext, View.Languages);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var language = sign.Language ?? Web.Languages.Current.Code;
        var translation = await petitions.TranslationVersionAsync(letter!, language, cancellationToken);
        var (read, _) = await petitions.InLanguageAsync(letter!, language, cancellationToken);
        var outcome = await signOn.SignAsync(read, sign, "form", translation, cancellationToken);
        return outcome == SignOnOutcome.Accepted ? SeeOther(slug) : Refusal(outcome);
    }

    private StatusCodeResult Refusal(SignOnOutcome outcome) =>
        outcome == SignOnOutcome.UnknownPetition ? NotFound() : StatusCode(StatusCodes.Status409Conflict);

    private StatusCodeResult SeeOther(string slug)
    {
        Response.Headers.Location = $"/petitions/{Uri.EscapeDataString(slug)}/check-email";
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
