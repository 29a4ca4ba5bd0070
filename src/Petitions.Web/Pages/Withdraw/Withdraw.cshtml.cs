using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Petitions.Signatures;

namespace Petitions.Pages.Withdraw;

/// <summary>The withdrawal link of the "you are listed" email: GET shows the form, its POST withdraws.</summary>
[EnableRateLimiting(RateLimits.TokenPolicy)]
public sealed class WithdrawModel(Review review) : PageModel
{
    public string Heading { get; private set; } = Resources.Texts.Page("Withdraw your signature");

    public string? Message { get; private set; }

    public string? Organisation { get; private set; }

    public string? LetterTitle { get; private set; }

    public string? Slug { get; private set; }

    public bool ShowForm { get; private set; }

    public string? ReasonError { get; private set; }

    public string? Reason { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken cancellationToken)
    {
        NoTraces();
        var (state, signature) = await review.PeekWithdrawalAsync(token, cancellationToken);
        Describe(signature);
        if (state == TokenState.Valid)
        {
            ShowForm = true;
            return Page();
        }

        return Refused(state);
    }

    public async Task<IActionResult> OnPostAsync(string token, string? reason, CancellationToken cancellationToken)
    {
        NoTraces();
        if (FreeText.ReasonProblem(reason) is { } problem)
        {
            // The form again, with what is wrong and what was typed: nothing is withdrawn yet.
            var (peeked, current) = await review.PeekWithdrawalAsync(token, cancellationToken);
            Describe(current);
            if (peeked != TokenState.Valid)
            {
                return Refused(peeked);
            }

            ShowForm = true;
            ReasonError = problem;
            Reason = reason;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var (state, signature) = await review.WithdrawByLinkAsync(token, FreeText.CleanReason(reason), cancellationToken);
        Describe(signature);
        if (state != TokenState.Valid)
        {
            return Refused(state);
        }

        Heading = Resources.Texts.Page("Your signature is withdrawn");
        Message = Resources.Texts.Page("Your organisation is no longer listed on this letter. We have sent you a receipt.");
        return Page();
    }

    private void Describe(SignatureContext? signature)
    {
        Organisation = signature?.Organisation;
        LetterTitle = signature?.Title;
        Slug = signature?.Slug;
    }

    private PageResult Refused(TokenState state)
    {
        Heading = state == TokenState.Expired ? Resources.Texts.Page("This link has expired") : Resources.Texts.Page("This link is not valid");
        Message = state == TokenState.Expired
            ? Resources.Texts.Page("Please write to the letter's coordinators to withdraw.")
            : Resources.Texts.Page("The link is unknown, or the signature is withdrawn already.");
        Response.StatusCode = state == TokenState.Expired ? StatusCodes.Status410Gone : StatusCodes.Status404NotFound;
        return Page();
    }

    private void NoTraces()
    {
        Response.Headers.CacheControl = "no-cache, no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
