using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Petitions.Updates;

namespace Petitions.Pages.Unsubscribe;

/// <summary>
/// The unsubscribe link of an update: its GET shows a button and changes nothing (mail scanners fetch
/// links); its POST unsubscribes, from the page's button or from a mail program's one-click
/// (RFC 8058: <c>List-Unsubscribe=One-Click</c>, sent without cookies, so without an antiforgery token;
/// the unguessable token in the address is what it proves).
/// </summary>
[EnableRateLimiting(RateLimits.TokenPolicy)]
[IgnoreAntiforgeryToken]
public sealed class UnsubscribeModel(LetterUpdates updates) : PageModel
{
    public string Heading { get; private set; } = Resources.Texts.Page("Stop updates about this letter");

    public UnsubscribeTarget? Target { get; private set; }

    public bool Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken cancellationToken)
    {
        NoTraces();
        Target = await updates.PeekAsync(token, cancellationToken);
        return Target is null ? Unknown() : Page();
    }

    public async Task<IActionResult> OnPostAsync(string token, CancellationToken cancellationToken)
    {
        NoTraces();
        Target = await updates.UnsubscribeAsync(token, cancellationToken);
        if (Target is null)
        {
            return Unknown();
        }

        Done = true;
        Heading = Resources.Texts.Page("You are unsubscribed");
        return Page();
    }

    private PageResult Unknown()
    {
        Heading = Resources.Texts.Page("This link is not valid");
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    private void NoTraces()
    {
        Response.Headers.CacheControl = "no-cache, no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
