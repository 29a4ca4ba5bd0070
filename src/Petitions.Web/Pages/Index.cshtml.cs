using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Petitions;

namespace Petitions.Pages;

public sealed class IndexModel(PetitionStore petitions, TimeProvider clock) : PageModel
{
    public IReadOnlyList<PetitionSummary> Letters { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Letters = await petitions.ListPublicAsync(openOnly: true, clock.GetUtcNow(), cancellationToken);
}
