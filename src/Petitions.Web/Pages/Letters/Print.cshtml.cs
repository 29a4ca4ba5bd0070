using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

/// <summary>The letter with its signatories, ready to print and hand to the addressee: no form, no navigation.</summary>
public sealed class PrintModel(PetitionStore petitions, PublicListCache lists) : PageModel
{
    public LetterView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (await petitions.FindAsync(slug, cancellationToken) is not { Status: not PetitionStatus.Draft } letter)
        {
            return NotFound();
        }

        View = new LetterView(letter, await lists.GetAsync(letter.Id, cancellationToken), null);
        return Page();
    }
}
