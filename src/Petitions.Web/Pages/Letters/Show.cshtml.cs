using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

public sealed class ShowModel(PetitionStore letters, PublicListCache lists, LetterPageCache pages, TimeProvider clock, Partners.PartnerStore partners)
    : PageModel
{
    public LetterView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        var letter = await letters.FindAsync(slug, cancellationToken);
        // Through a partner's link the form carries its code; a code the letter does not know is ignored, so a
        // mistyped link still shows the letter and its form.
        var partner = Request.Query["ref"] is { Count: 1 } given ? given.ToString().Trim().ToLowerInvariant() : null;
        if (letter is null || !await partners.ExistsAsync(letter.Id, partner, cancellationToken))
        {
            partner = null;
        }

        var form = partner is null ? SignFormView.Empty(slug) : SignFormView.Empty(slug) with { Values = new SignRequest { Ref = partner } };
        if (await LoadAsync(letters, letter, lists, clock, form, cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        Web.Languages.Offer(HttpContext, view.Languages);
        // With the lists cached, the page is too (LetterPageCache); without, each list is new and so would be each page.
        // The kept page has no partner in its form: a partner's link is rendered for its request.
        return lists.Enabled && partner is null ? new CachedLetterPageResult(pages, view) : Page();
    }

    /// <returns>The letter page's content, or null when there is no public letter of that name.</returns>
    internal static async Task<LetterView?> LoadAsync(
        PetitionStore petitions, PublicListCache lists, TimeProvider clock, string slug, SignFormView form, CancellationToken cancellationToken) =>
        await LoadAsync(petitions, await petitions.FindAsync(slug, cancellationToken), lists, clock, form, cancellationToken);

    /// <summary>The letter in the request's language where it has a published translation into it; else as written.</summary>
    internal static async Task<LetterView?> LoadAsync(
        PetitionStore petitions, Petition? found, PublicListCache lists, TimeProvider clock, SignFormView? form, CancellationToken cancellationToken)
    {
        if (found is not { Status: not PetitionStatus.Draft } letter)
        {
            return null;
        }

        var (read, languages, _) = await petitions.InLanguageAsync(letter, Web.Languages.Current.Code, cancellationToken);
        var listed = await lists.GetAsync(letter.Id, cancellationToken);
        return new LetterView(read, listed, form is not null && letter.AcceptsSignOns(clock.GetUtcNow()) ? form : null, languages);
    }
}
