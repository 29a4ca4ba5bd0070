using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Coordinators;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

public sealed class ShowModel(
    PetitionStore letters, PublicListCache lists, LetterPageCache pages, TimeProvider clock, PreviewLinks previews, Partners.PartnerStore partners) : PageModel
{
    public LetterView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, string? preview, CancellationToken cancellationToken)
    {
        var read = await letters.ReadAsync(slug, cancellationToken);
        var found = read?.Letter;
        var (viaPreview, coordinator) = await BeforeOpeningAsync(HttpContext, found, preview, clock, previews, cancellationToken);
        // Through a partner's link the form carries its code; a code the letter does not know is ignored, so a
        // mistyped link still shows the letter and its form.
        var link = found is not null && Request.Query["ref"] is { Count: 1 } given ? await partners.OfLinkAsync(found.Id, given, cancellationToken) : null;
        var partner = link?.Code;
        var form = new SignFormView(slug, new SignRequest { Preview = viaPreview ? preview : null, Ref = partner }, new Dictionary<string, string[]>())
        {
            PartnerName = link?.Name,
        };
        if (await LoadAsync(letters, read, lists, clock, form, cancellationToken, viaPreview, coordinator) is not { } view)
        {
            return NotFound();
        }

        View = view;
        Web.Languages.Offer(HttpContext, view.Languages);
        if (!view.IsPublic)
        {
            // Not for shared caches, and the token in the address goes to no other site.
            Response.Headers.CacheControl = "no-store";
            Response.Headers["Referrer-Policy"] = "no-referrer";
            return Page();
        }

        // With the lists cached, the page is too (LetterPageCache); without, each list is new and so would be each page.
        // The kept page has no partner in its form: a partner's link is rendered for its request.
        return lists.Enabled && partner is null ? new CachedLetterPageResult(pages, view) : Page();
    }

    /// <summary>
    /// Before a letter's opening, who may see it anyway: the holder of a live preview link of it, or a signed-in
    /// coordinator of it. Asked only then: an open letter's page is the same for everyone.
    /// </summary>
    internal static async Task<(bool Preview, bool Coordinator)> BeforeOpeningAsync(
        HttpContext http, Petition? letter, string? preview, TimeProvider clock, PreviewLinks previews, CancellationToken cancellationToken)
    {
        if (letter is null || letter.Status == PetitionStatus.Draft || letter.HasOpenedAt(clock.GetUtcNow()))
        {
            return (false, false);
        }

        if (preview is not null && await previews.AdmitsAsync(letter.Id, preview, cancellationToken))
        {
            return (true, false);
        }

        var signedIn = await http.AuthenticateAsync(CoordinatorAuth.CookieScheme);
        var coordinator = signedIn.Succeeded && signedIn.Principal is { } user
            && await http.RequestServices.GetRequiredService<CoordinatorStore>().CanActOnAsync(user.CoordinatorId(), letter.Id, cancellationToken);
        return (false, coordinator);
    }

    /// <returns>The letter page's content, or null when there is no public letter of that name.</returns>
    internal static async Task<LetterView?> LoadAsync(
        PetitionStore petitions, PublicListCache lists, TimeProvider clock, string slug, SignFormView form, CancellationToken cancellationToken) =>
        await LoadAsync(petitions, await petitions.ReadAsync(slug, cancellationToken), lists, clock, form, cancellationToken);

    /// <summary>The letter in the request's language where it has a published translation into it; else as written.</summary>
    /// <param name="found">The letter and its published translations, as read together (<see cref="PetitionStore.ReadAsync"/>).</param>
    /// <param name="preview">Through a live preview link: shown (and signed) before the opening.</param>
    /// <param name="coordinator">To a coordinator of the letter: shown before the opening, without the form.</param>
    internal static async Task<LetterView?> LoadAsync(
        PetitionStore petitions, (Petition Letter, IReadOnlyList<LetterTranslation> Translations)? found, PublicListCache lists, TimeProvider clock,
        SignFormView? form, CancellationToken cancellationToken, bool preview = false, bool coordinator = false)
    {
        var now = clock.GetUtcNow();
        if (found is not ({ Status: not PetitionStatus.Draft } letter, var translations) || !(letter.IsPublicAt(now) || preview || coordinator))
        {
            return null;
        }

        // Once open, the page is the public's, whatever the request carried.
        var before = !letter.HasOpenedAt(now);
        var (read, languages, _) = petitions.InLanguage(letter, translations, Web.Languages.Current.Code);
        var listed = await lists.GetAsync(letter.Id, cancellationToken);
        return new LetterView(read, listed, form is not null && letter.AcceptsSignOns(now, preview) ? form : null, languages,
            ListHidden: !letter.ListIsPublicAt(now) && !(coordinator && before), Preview: preview && before, Coordinator: coordinator && before && !preview, At: now);
    }
}
