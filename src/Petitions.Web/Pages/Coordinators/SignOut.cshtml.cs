using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Coordinators;

namespace Petitions.Pages.Coordinators;

public sealed class SignOutModel : PageModel
{
    public void OnGet() => Response.Headers.CacheControl = "no-store";

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(CoordinatorAuth.CookieScheme);
        Response.Headers.Location = "/";
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
