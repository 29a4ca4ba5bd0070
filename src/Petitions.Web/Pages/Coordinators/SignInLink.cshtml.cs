using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Petitions.Coordinators;
using Petitions.Data;
using Petitions.Signatures;

namespace Petitions.Pages.Coordinators;

/// <summary>The emailed sign-in link: GET shows a button (mail scanners open links), its POST signs in.</summary>
[EnableRateLimiting(RateLimits.TokenPolicy)]
public sealed class SignInLinkModel(Db db, TimeProvider clock) : PageModel
{
    public bool Valid { get; private set; }

    /// <summary>The coordinator page asked for before signing in, carried by the emailed link.</summary>
    public string? ReturnUrl { get; private set; }

    public async Task<PageResult> OnGetAsync(string token, string? returnUrl, CancellationToken cancellationToken)
    {
        NoTraces();
        ReturnUrl = SignInLinks.LocalReturnPath(returnUrl);
        await using var connection = await db.OpenAsync(cancellationToken);
        var record = await Tokens.FindAsync(connection, null, Tokens.SignIn, token);
        Valid = record?.StateAt(clock.GetUtcNow()) == TokenState.Valid;
        Response.StatusCode = Valid ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token, string? returnUrl, CancellationToken cancellationToken)
    {
        NoTraces();
        var now = clock.GetUtcNow();
        Coordinator? coordinator = null;
        string? sessionId = null;
        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            await using var transaction = Db.BeginWrite(connection);
            var record = await Tokens.FindAsync(connection, transaction, Tokens.SignIn, token);
            if (record?.StateAt(now) == TokenState.Valid && record.SubjectId is { } coordinatorId
                && (coordinator = await CoordinatorStore.FindAsync(connection, transaction, coordinatorId)) is not null
                && await Tokens.UseAsync(connection, transaction, record.Id, now))
            {
                sessionId = await CoordinatorSessions.StartAsync(connection, transaction, coordinatorId, now);
                await transaction.CommitAsync(cancellationToken);
            }
        }

        if (coordinator is null || sessionId is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        await HttpContext.SignInAsync(CoordinatorAuth.CookieScheme, CoordinatorAuth.Principal(coordinator, CoordinatorAuth.CookieScheme, sessionId));
        Response.Headers.Location = SignInLinks.LocalReturnPath(returnUrl) ?? "/coordinators";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    private void NoTraces()
    {
        Response.Headers.CacheControl = "no-cache, no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
