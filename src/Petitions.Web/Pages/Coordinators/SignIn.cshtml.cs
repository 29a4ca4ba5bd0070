using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Petitions.Coordinators;
using Petitions.Data;
using Petitions.Email;
using Petitions.Signatures;

namespace Petitions.Pages.Coordinators;

/// <summary>
/// Asks for a sign-in link. The answer is the same whether or not the address is a coordinator's,
/// so the page tells no one who coordinates.
/// </summary>
[EnableRateLimiting(RateLimits.TokenPolicy)]
public sealed class SignInModel(CoordinatorStore coordinators, Db db, Outbox outbox, Notifications notifications, TimeProvider clock) : PageModel
{
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromMinutes(15);

    public bool Sent { get; private set; }

    public string? Error { get; private set; }

    public void OnGet() => Response.Headers.CacheControl = "no-store";

    public async Task<PageResult> OnPostAsync(string? email, CancellationToken cancellationToken)
    {
        Response.Headers.CacheControl = "no-store";
        if (!EmailAddress.TryNormalise(email, out var address, out var problem))
        {
            Error = problem ?? "Enter your email address.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (await coordinators.FindByEmailAsync(address, cancellationToken) is { } coordinator)
        {
            var now = clock.GetUtcNow();
            await using var connection = await db.OpenAsync(cancellationToken);
            await using var transaction = Db.BeginWrite(connection);
            var token = await Tokens.IssueAsync(connection, transaction, Tokens.SignIn, null, null, coordinator.Id, now, LinkLifetime);
            await outbox.EnqueueAsync(connection, transaction, Emails.SignIn(coordinator.Email, notifications.Link($"/coordinators/sign-in/{token}")), now);
            await transaction.CommitAsync(cancellationToken);
            outbox.Notify();
        }

        Sent = true;
        return Page();
    }
}
