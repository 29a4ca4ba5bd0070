using Microsoft.AspNetCore.Mvc;
using Petitions.Coordinators;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Coordinators;

public sealed class LetterModel(PetitionStore petitions, CoordinatorStore coordinators, SignatureRecords records, Review review)
    : CoordinatorPage(petitions, coordinators)
{
    public Petition? Letter { get; private set; }

    public IReadOnlyList<SignatureRecord> Queue { get; private set; } = [];

    public IReadOnlyList<SignatureRecord> All { get; private set; } = [];

    public IReadOnlyList<FailedEmailRecord> Failed { get; private set; } = [];

    public string? Status { get; private set; }

    public string? Country { get; private set; }

    public string? Message { get; private set; }

    /// <summary>For look-alike names in the queue: the listed organisation each imitates.</summary>
    public IReadOnlyDictionary<string, string> Resembles { get; private set; } = new Dictionary<string, string>();

    public bool MessageIsError { get; private set; }

    public async Task<IActionResult> OnGetAsync(
        [FromRoute] string slug, string? status, string? country, CancellationToken cancellationToken, string? done = null, long? id = null)
    {
        if ((Letter = await LetterAsync(slug, cancellationToken)) is null)
        {
            return Page();
        }

        // After a decision in the queue: say what was done, to whom, and stay in the queue.
        if (done is "approved" or "rejected" && id is { } decided && await records.FindAsync(Letter.Id, decided, cancellationToken) is { } signature)
        {
            Message = done == "approved" ? $"Approved: {signature.Organisation} is listed." : $"Rejected: {signature.Organisation} is not listed.";
        }

        Status = SignatureStatus.IsKnown(status) ? status : null;
        Country = string.IsNullOrWhiteSpace(country) ? null : country.Trim().ToUpperInvariant();
        Queue = await records.ListAsync(Letter.Id, SignatureStatus.Confirmed, null, cancellationToken);
        Resembles = await records.ResemblancesAsync(Letter.Id, Queue.Where(s => s.Flags.Contains(SignOn.LookAlike)).Select(s => s.Organisation), cancellationToken);
        All = await records.ListAsync(Letter.Id, Status, Country, cancellationToken);
        Failed = await records.FailedEmailsAsync(Letter.Id, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostResendAsync([FromRoute] string slug, long outboxId, string? address, CancellationToken cancellationToken)
    {
        if ((Letter = await LetterAsync(slug, cancellationToken)) is null)
        {
            return Page();
        }

        if (!EmailAddress.TryNormalise(address, out var corrected, out _))
        {
            return BadRequest();
        }

        try
        {
            await review.ResendAsync(Letter.Id, outboxId, corrected, Actor, cancellationToken);
        }
        catch (UnknownSignatureException)
        {
            // A stale form (sent again from another tab) or a made-up id: the page again, saying so.
            var page = await OnGetAsync(slug, null, null, cancellationToken);
            Message = "There is no such failed email on this letter: it may have been sent again already.";
            MessageIsError = true;
            Response.StatusCode = StatusCodes.Status404NotFound;
            return page;
        }

        Response.Headers.Location = $"/coordinators/petitions/{slug}#failed";
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
