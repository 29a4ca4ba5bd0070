using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

public sealed class ShowModel(PetitionStore petitions, SignatureStore signatures) : PageModel
{
    public Petition Letter { get; private set; } = null!;

    public IReadOnlyList<PublicSignatory> Signatories { get; private set; } = [];

    /// <summary>"The Hague, 5 September 2017", as a letter is dated.</summary>
    public string DateLine => string.Join(", ", new[]
    {
        Letter.Place,
        Letter.Date?.ToString("d MMMM yyyy", CultureInfo.GetCultureInfo("en-GB")) ?? "",
    }.Where(p => p.Length > 0));

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (await petitions.FindAsync(slug, cancellationToken) is not { Status: not PetitionStatus.Draft } letter)
        {
            return NotFound();
        }

        Letter = letter;
        Signatories = await signatures.ListPublicAsync(letter.Id, cancellationToken: cancellationToken);
        return Page();
    }
}
