using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Petitions.Coordinators;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Coordinators;

/// <summary>One signatory: contact, role, domain check, history, and the coordinator's actions.</summary>
public sealed class SignatoryModel(PetitionStore petitions, CoordinatorStore coordinators, SignatureRecords records, Review review)
    : CoordinatorPage(petitions, coordinators)
{
    public string Slug { get; private set; } = "";

    public SignatureRecord? Signature { get; private set; }

    public IReadOnlyList<ContactRecord> Contacts { get; private set; } = [];

    public IReadOnlyList<EventRecord> History { get; private set; } = [];

    public string? Message { get; private set; }

    public Task<IActionResult> OnGetAsync([FromRoute] string slug, [FromRoute] long id, CancellationToken cancellationToken) => ShowAsync(slug, id, cancellationToken);

    public Task<IActionResult> OnPostApproveAsync([FromRoute] string slug, [FromRoute] long id, CancellationToken cancellationToken) =>
        ActAsync(slug, id, SignatureAction.Approve, null, null, cancellationToken);

    public Task<IActionResult> OnPostRejectAsync([FromRoute] string slug, [FromRoute] long id, string? reason, CancellationToken cancellationToken) =>
        ActAsync(slug, id, SignatureAction.Reject, reason, null, cancellationToken);

    public Task<IActionResult> OnPostWithdrawAsync([FromRoute] string slug, [FromRoute] long id, string? reason, string? date, CancellationToken cancellationToken) =>
        ActAsync(slug, id, SignatureAction.Withdraw, reason,
            DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            cancellationToken);

    private async Task<IActionResult> ActAsync(string slug, long id, SignatureAction action, string? reason, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return Page();
        }

        if (FreeText.ReasonProblem(reason) is { } problem)
        {
            Message = problem;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return await ShowAsync(slug, id, cancellationToken, keepStatus: true);
        }

        try
        {
            await review.ApplyAsync(letter.Id, id, action, Actor, FreeText.CleanReason(reason), at, cancellationToken);
        }
        catch (UnknownSignatureException)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }
        catch (IllegalTransitionException exception)
        {
            Message = exception.Message;
            Response.StatusCode = StatusCodes.Status409Conflict;
            return await ShowAsync(slug, id, cancellationToken, keepStatus: true);
        }

        Response.Headers.Location = $"/coordinators/petitions/{slug}/signatures/{id}";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    private async Task<IActionResult> ShowAsync(string slug, long id, CancellationToken cancellationToken, bool keepStatus = false)
    {
        var status = Response.StatusCode;
        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return Page();
        }

        Slug = slug;
        Signature = await records.FindAsync(letter.Id, id, cancellationToken);
        if (Signature is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        if (keepStatus)
        {
            Response.StatusCode = status;
        }

        Contacts = await records.ContactsAsync(id, cancellationToken);
        History = await records.HistoryAsync(id, cancellationToken);
        return Page();
    }
}
