using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Coordinators;

namespace Petitions.Pages.Coordinators;

public sealed class SignOutModel(CoordinatorSessions sessions) : PageModel
{
    public void OnGet() => Response.Headers.CacheControl = "no-cache, no-store";

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        // The session ends on the server, so a copy of the cookie kept anywhere stops working too.
        var cookie = await HttpContext.AuthenticateAsync(CoordinatorAuth.CookieScheme);
        await sessions.RevokeAsync(cookie.Principal?.FindFirst(CoordinatorAuth.SessionClaim)?.Value, cancellationToken);
        await HttpContext.SignOutAsync(CoordinatorAuth.CookieScheme);
        Response.Headers.Location = "/";
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
