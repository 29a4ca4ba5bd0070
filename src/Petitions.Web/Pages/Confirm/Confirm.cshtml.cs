using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Petitions.Signatures;

namespace Petitions.Pages.Confirm;

/// <summary>
/// The link in the confirmation email. GET only shows a button (mail scanners open links and
/// must not confirm anything); the POST of that button confirms.
/// </summary>
[EnableRateLimiting(RateLimits.TokenPolicy)]
public sealed class ConfirmModel(Confirmation confirmation) : PageModel
{
    public string Heading { get; private set; } = Resources.Texts.Page("Confirm your signature");

    public string? Message { get; private set; }

    public string? LetterTitle { get; private set; }

    public string? Slug { get; private set; }

    public bool ShowButton { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken cancellationToken)
    {
        NoTraces();
        var (state, title, slug) = await confirmation.PeekAsync(token, cancellationToken);
        Slug = slug;
        switch (state)
        {
            case TokenState.Valid:
                LetterTitle = title;
                ShowButton = true;
                return Page();
            case TokenState.Expired:
                return Gone();
            default:
                return Unknown();
        }
    }

    public async Task<IActionResult> OnPostAsync(string token, CancellationToken cancellationToken)
    {
        NoTraces();
        var result = await confirmation.ConfirmAsync(token, cancellationToken);
        Slug = result.Slug;
        switch (result.Outcome)
        {
            case ConfirmOutcome.Confirmed:
                Heading = Resources.Texts.Page("Thank you: the signature is confirmed");
                Message = result.Status == SignatureStatus.Listed
                    ? Resources.Texts.Page("Your organisation is now listed among the supporters of \"{0}\".", result.Title)
                    : Resources.Texts.Page("The coordinators of \"{0}\" review each organisation before it is listed; you will hear from us.", result.Title);
                return Page();
            case ConfirmOutcome.Expired:
                return Gone();
            default:
                return Unknown();
        }
    }

    private PageResult Unknown()
    {
        Heading = Resources.Texts.Page("This link is not valid");
        Message = Resources.Texts.Page("The link is not known, or it was used already. If you have confirmed before, there is nothing more to do.");
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    private PageResult Gone()
    {
        Heading = Resources.Texts.Page("This link has expired");
        Message = Resources.Texts.Page("Confirmation links work for 24 hours. Sign the letter again to get a new link.");
        Response.StatusCode = StatusCodes.Status410Gone;
        return Page();
    }

    // The token is in the address: it must not leak through the Referer header or a cache.
    private void NoTraces()
    {
        Response.Headers.CacheControl = "no-cache, no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
