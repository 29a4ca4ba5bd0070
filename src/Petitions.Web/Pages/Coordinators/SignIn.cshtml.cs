using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Petitions.Coordinators;
using Petitions.Signatures;

namespace Petitions.Pages.Coordinators;

/// <summary>
/// Asks for a sign-in link. The address is only queued (SignInLinks sends the link, if any), so
/// the answer and its time are the same whether or not the address is a coordinator's.
/// </summary>
[EnableRateLimiting(RateLimits.TokenPolicy)]
public sealed class SignInModel(SignInLinks links) : PageModel
{
    public bool Sent { get; private set; }

    public string? Error { get; private set; }

    /// <summary>The coordinator page to return to once signed in, when the reader was sent here from it.</summary>
    public string? ReturnUrl { get; private set; }

    public void OnGet(string? returnUrl)
    {
        Response.Headers.CacheControl = "no-cache, no-store";
        ReturnUrl = SignInLinks.LocalReturnPath(returnUrl);
    }

    public PageResult OnPost(string? email, string? returnUrl)
    {
        Response.Headers.CacheControl = "no-cache, no-store";
        ReturnUrl = SignInLinks.LocalReturnPath(returnUrl);
        if (!EmailAddress.TryNormalise(email, out var address, out var problem))
        {
            Error = Resources.Texts.Validation(problem ?? "Enter your email address.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        links.Request(address, ReturnUrl);
        Sent = true;
        return Page();
    }
}
