using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Coordinators;
using Petitions.Petitions;

namespace Petitions.Pages.Coordinators;

/// <summary>A page for coordinators only: 401 without a session, 403 on a letter they do not coordinate.</summary>
[Authorize(Policy = CoordinatorAuth.Policy)]
public abstract class CoordinatorPage(PetitionStore petitions, CoordinatorStore coordinators) : PageModel
{
    protected PetitionStore Petitions => petitions;

    protected CoordinatorStore Coordinators => coordinators;

    protected string Actor => CoordinatorsApi.Actor(User);

    /// <summary>The partner the coordinator is limited to on this page's letter, or null for the whole letter.</summary>
    public string? Partner => LetterAccessHandler.PartnerOf(HttpContext);

    /// <returns>The letter, or null after setting 404. Access to it was decided before the page ran (LetterAccessHandler).</returns>
    protected async Task<Petition?> LetterAsync(string slug, CancellationToken cancellationToken)
    {
        Response.Headers.CacheControl = "no-cache, no-store";
        var letter = await petitions.FindAsync(slug, cancellationToken);
        if (letter is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }

        return letter;
    }
}
