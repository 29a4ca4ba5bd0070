using Petitions.Coordinators;
using Petitions.Petitions;

namespace Petitions.Pages.Coordinators;

/// <summary>Your letters: any coordinator's, listing only the letters they may act on.</summary>
[ScopedToOwnLetters]
public sealed class IndexModel(PetitionStore petitions, CoordinatorStore coordinators) : CoordinatorPage(petitions, coordinators)
{
    public IReadOnlyList<PetitionSummary> Letters { get; private set; } = [];

    /// <summary>Only a coordinator of every letter writes new ones.</summary>
    public bool MayWriteLetters { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Response.Headers.CacheControl = "no-cache, no-store";
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
        MayWriteLetters = await Coordinators.ActsOnEveryLetterAsync(User.CoordinatorId(), cancellationToken);
    }
}
