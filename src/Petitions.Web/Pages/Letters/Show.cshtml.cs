using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

public sealed class ShowModel(PetitionStore letters, PublicListCache lists, LetterPageCache pages, TimeProvider clock) : PageModel
{
    public LetterView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (await LoadAsync(letters, await letters.FindAsync(slug, cancellationToken), lists, clock, SignFormView.Empty(slug), cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        Web.Languages.Offer(HttpContext, view.Languages);
        // With the lists cached, the page is too (LetterPageCache); without, each list is new and so would be each page.
        return lists.Enabled ? new CachedLetterPageResult(pages, view) : Page();
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
