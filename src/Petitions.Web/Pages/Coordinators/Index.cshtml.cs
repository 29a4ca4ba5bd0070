using Petitions.Coordinators;
using Petitions.Petitions;

namespace Petitions.Pages.Coordinators;

public sealed class IndexModel(PetitionStore petitions, CoordinatorStore coordinators) : CoordinatorPage(petitions, coordinators)
{
    public IReadOnlyList<PetitionSummary> Letters { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Response.Headers.CacheControl = "no-store";
        var mine = new List<PetitionSummary>();
        foreach (var letter in await Petitions.ListAllAsync(cancellationToken))
        {
            if (await Petitions.FindAsync(letter.Slug, cancellationToken) is { } full
                && await Coordinators.CanActOnAsync(User.CoordinatorId(), full.Id, cancellationToken))
            {
                mine.Add(letter);
            }
        }

        Letters = mine;
    }
}
