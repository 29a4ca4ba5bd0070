using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

/// <summary>The letter with its signatories, ready to print and hand to the addressee: no form, no navigation.</summary>
public sealed class PrintModel(PetitionStore petitions, PublicListCache lists, TimeProvider clock) : PageModel
{
    public LetterView View { get; private set; } = null!;

    /// <summary>The day the list was printed ("4 December 2026"): the count is as of then.</summary>
    public string PrintedOn => Web.Languages.LongDate(clock.GetUtcNow().UtcDateTime);

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (await ShowModel.LoadAsync(petitions, await petitions.ReadAsync(slug, cancellationToken), lists, clock, null, cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        Web.Languages.Offer(HttpContext, view.Languages);
        return Page();
    }
}
