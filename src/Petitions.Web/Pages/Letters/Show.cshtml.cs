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
        if (await LoadAsync(await letters.FindAsync(slug, cancellationToken), lists, clock, SignFormView.Empty(slug), cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        // With the lists cached, the page is too (LetterPageCache); without, each list is new and so would be each page.
        return lists.Enabled ? new CachedLetterPageResult(pages, view) : Page();
    }

    /// <returns>The letter page's content, or null when there is no public letter of that name.</returns>
    internal static async Task<LetterView?> LoadAsync(
        PetitionStore petitions, PublicListCache lists, TimeProvider clock, string slug, SignFormView form, CancellationToken cancellationToken) =>
        await LoadAsync(await petitions.FindAsync(slug, cancellationToken), lists, clock, form, cancellationToken);

    private static async Task<LetterView?> LoadAsync(
        Petition? found, PublicListCache lists, TimeProvider clock, SignFormView form, CancellationToken cancellationToken)
    {
        if (found is not { Status: not PetitionStatus.Draft } letter)
        {
            return null;
        }

        var listed = await lists.GetAsync(letter.Id, cancellationToken);
        return new LetterView(letter, listed, letter.AcceptsSignOns(clock.GetUtcNow()) ? form : null);
    }
}
