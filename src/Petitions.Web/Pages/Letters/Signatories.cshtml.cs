using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Organisations;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

/// <summary>
/// A letter's supporting organisations, searched by name and grouped by country with a count for
/// each, all in the query string so it works without script and can be linked to.
/// </summary>
public sealed class SignatoriesModel(PetitionStore petitions, PublicListCache lists, TimeProvider clock) : PageModel
{
    /// <summary>The list is embargoed (<see cref="Petition.ListIsPublicAt"/>): the number, no names.</summary>
    public bool ListHidden { get; private set; }

    public Petition Letter { get; private set; } = null!;

    public int Total { get; private set; }

    public string? Search { get; private set; }

    public bool ByCountry { get; private set; }

    /// <summary>The matching organisations, in the list's order, each group under a country's name (null: no country).</summary>
    public IReadOnlyList<(string? Country, string CountryName, IReadOnlyList<ListedRow> Rows)> Groups { get; private set; } = [];

    public int Matching => Groups.Sum(g => g.Rows.Count);

    public async Task<IActionResult> OnGetAsync(string slug, string? q, string? group, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (await petitions.FindAsync(slug, cancellationToken) is not { } letter || !letter.IsPublicAt(now))
        {
            return NotFound();
        }

        ListHidden = !letter.ListIsPublicAt(now);

        if (q is { Length: > 200 })
        {
            ModelState.AddModelError("q", Resources.Texts.Page("Search for at most 200 characters of a name."));
            Response.StatusCode = StatusCodes.Status400BadRequest;
            q = null;
        }

        Letter = letter;
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        ByCountry = group == "country";
        var list = await lists.GetAsync(letter.Id, cancellationToken);
        Total = list.Count;
        if (ListHidden)
        {
            return Page();
        }

        // Names and search folded alike: case, accents and punctuation do not matter.
        var key = Search is null ? "" : Names.LooseKey(Search);
        var rows = key.Length == 0 ? list.Rows : list.Rows.Where(r => Names.LooseKey(r.Organisation).Contains(key, StringComparison.Ordinal)).ToList();
        Groups = ByCountry
            ? rows.GroupBy(r => r.Country)
                .Select(g => (g.Key, g.Key is null ? Resources.Texts.Page("No country (international)") : Countries.LocalName(g.Key) ?? g.Key, (IReadOnlyList<ListedRow>)g.ToList()))
                .OrderBy(g => g.Key is null ? 1 : 0).ThenBy(g => g.Item2, StringComparer.Create(System.Globalization.CultureInfo.CurrentUICulture, true))
                .ToList()
            : [(null, "", rows)];
        return Page();
    }
}
