using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Petitions.Coordinators;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Coordinators;

/// <summary>One signatory: contact, role, domain check, history, and the coordinator's actions.</summary>
[OpenToPartnerCoordinators]
public sealed class SignatoryModel(PetitionStore petitions, CoordinatorStore coordinators, SignatureRecords records, Review review, Data.Db db)
    : CoordinatorPage(petitions, coordinators)
{
    public string Slug { get; private set; } = "";

    public SignatureRecord? Signature { get; private set; }

    public IReadOnlyList<ContactRecord> Contacts { get; private set; } = [];

    public IReadOnlyList<EventRecord> History { get; private set; } = [];

    public string? Message { get; private set; }

    /// <summary>The listed organisation this one's name imitates, if any.</summary>
    public string? Resembles { get; private set; }

    /// <summary>The action waiting for the coordinator's confirmation (reject, withdraw), with what it will record.</summary>
    public PendingAction? Confirming { get; private set; }

    /// <summary>A reason field left empty or too long: the field and its message.</summary>
    public (string Field, string Message)? ReasonError { get; private set; }

    /// <summary>The listed organisation an approval was refused beside: merge into it, or list anyway with a reason.</summary>
    public Twin? RefusedBeside { get; private set; }

    /// <summary>Where to go once done: "queue" sends the coordinator back to the review queue.</summary>
    public string? ReturnTo { get; private set; }

    /// <summary>"coordinator:3" as the coordinator's name or address.</summary>
    public IReadOnlyDictionary<string, string> ActorNames { get; private set; } = new Dictionary<string, string>();

    /// <summary>
    /// Before any handler: to a coordinator limited to a partner, another partner's sign-on (or one that
    /// came by no partner) is absent, to see and to act on. Its ref never changes, so the check holds.
    /// </summary>
    [Microsoft.AspNetCore.Mvc.RazorPages.NonHandler]
    public override async Task OnPageHandlerExecutionAsync(
        Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutingContext context, Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (Partner is { } partner && RouteData.Values["slug"] is string slug
            && long.TryParse(RouteData.Values["id"] as string, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            && await Petitions.FindAsync(slug, HttpContext.RequestAborted) is { } letter
            && await records.FindAsync(letter.Id, id, partner, HttpContext.RequestAborted) is null)
        {
            Response.Headers.CacheControl = "no-cache, no-store";
            context.Result = NotFound();
            return;
        }

        await next();
    }

    public Task<IActionResult> OnGetAsync([FromRoute] string slug, [FromRoute] long id, string? done, CancellationToken cancellationToken)
    {
        Message = done switch
        {
            "approved" => Resources.Texts.Page("Approved: the organisation is listed."),
            "rejected" => Resources.Texts.Page("Rejected: the organisation is not listed, and the reason is in its history."),
            "withdrawn" => Resources.Texts.Page("The withdrawal is recorded: the organisation is no longer listed."),
            "merged" => Resources.Texts.Page("Merged: the look-alike sign-on's contact is now a further contact here, and it is not listed."),
            _ => null,
        };
        return ShowAsync(slug, id, cancellationToken);
    }

    public Task<IActionResult> OnPostApproveAsync([FromRoute] string slug, [FromRoute] long id, string? returnTo, CancellationToken cancellationToken) =>
        ActAsync(slug, id, SignatureAction.Approve, null, null, confirmed: true, returnTo, cancellationToken);

    /// <summary>Rejecting is final: a reason is required, and a page asks to confirm before anything is recorded.</summary>
    public Task<IActionResult> OnPostRejectAsync(
        [FromRoute] string slug, [FromRoute] long id, string? reason, string? confirm, string? returnTo, CancellationToken cancellationToken) =>
        ActAsync(slug, id, SignatureAction.Reject, reason, null, confirm == "yes", returnTo, cancellationToken);

    public Task<IActionResult> OnPostWithdrawAsync(
        [FromRoute] string slug, [FromRoute] long id, string? reason, string? date, string? confirm, CancellationToken cancellationToken) =>
        ActAsync(slug, id, SignatureAction.Withdraw, reason,
            DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            confirm == "yes", null, cancellationToken);

    /// <summary>Lists a look-alike beside the organisation it resembles: only with a reason.</summary>
    public async Task<IActionResult> OnPostBesideAsync([FromRoute] string slug, [FromRoute] long id, string? reason, CancellationToken cancellationToken)
    {
        // The twin may be another partner's row, or no partner's: deciding between them is the letter coordinators'.
        if (Partner is not null)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return Page();
        }

        var problem = string.IsNullOrWhiteSpace(reason) ? Resources.Texts.Page("Give the reason for listing both: it is kept in the signature's history.") : FreeText.ReasonProblem(reason);
        if (problem is not null)
        {
            ReasonError = ("beside-reason", problem);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            RefusedBeside = await TwinAsync(id, cancellationToken);
            return await ShowAsync(slug, id, cancellationToken, keepStatus: true);
        }

        try
        {
            await review.ApproveBesideTwinAsync(letter.Id, id, Actor, FreeText.CleanReason(reason)!, cancellationToken);
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

        Response.Headers.Location = $"/coordinators/petitions/{Uri.EscapeDataString(slug)}/signatures/{id}?done=approved";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>Merges a look-alike into the listed organisation it resembles: its contact joins that one's, and it is not listed.</summary>
    public async Task<IActionResult> OnPostMergeAsync([FromRoute] string slug, [FromRoute] long id, string? reason, CancellationToken cancellationToken)
    {
        // The twin may be another partner's row, or no partner's: deciding between them is the letter coordinators'.
        if (Partner is not null)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return Page();
        }

        if (!string.IsNullOrWhiteSpace(reason) && FreeText.ReasonProblem(reason) is { } problem)
        {
            ReasonError = ("merge-reason", problem);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            RefusedBeside = await TwinAsync(id, cancellationToken);
            return await ShowAsync(slug, id, cancellationToken, keepStatus: true);
        }

        Twin twin;
        try
        {
            twin = await review.MergeAsync(letter.Id, id, Actor, FreeText.CleanReason(reason), cancellationToken);
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

        Response.Headers.Location = $"/coordinators/petitions/{Uri.EscapeDataString(slug)}/signatures/{twin.Id}?done=merged";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    private async Task<Twin?> TwinAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        return await Twins.FindAsync(connection, transaction, id);
    }

    private async Task<IActionResult> ActAsync(
        string slug, long id, SignatureAction action, string? reason, DateTimeOffset? at, bool confirmed, string? returnTo, CancellationToken cancellationToken)
    {
        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return Page();
        }

        ReturnTo = returnTo == "queue" ? "queue" : null;
        var field = action == SignatureAction.Reject ? "reject-reason" : "withdraw-reason";
        var problem = action == SignatureAction.Approve ? null
            : string.IsNullOrWhiteSpace(reason) ? (action == SignatureAction.Reject ? Resources.Texts.Page("Give the reason for rejecting: it is kept in the signature's history.") : Resources.Texts.Page("Give the reason for the withdrawal, as the organisation stated it."))
            : FreeText.ReasonProblem(reason);
        if (problem is not null)
        {
            ReasonError = (field, problem);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return await ShowAsync(slug, id, cancellationToken, keepStatus: true);
        }

        if (!confirmed)
        {
            // The confirmation page: what will be recorded, a button to do it, a link back. Nothing is stored yet.
            Confirming = new PendingAction(action == SignatureAction.Reject ? "reject" : "withdraw", FreeText.CleanReason(reason)!,
                at?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            return await ShowAsync(slug, id, cancellationToken);
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
        catch (LookAlikeListedException refused)
        {
            RefusedBeside = refused.Twin;
            Response.StatusCode = StatusCodes.Status409Conflict;
            return await ShowAsync(slug, id, cancellationToken, keepStatus: true);
        }

        var done = action switch { SignatureAction.Approve => "approved", SignatureAction.Reject => "rejected", _ => "withdrawn" };
        Response.Headers.Location = ReturnTo == "queue"
            ? $"/coordinators/petitions/{Uri.EscapeDataString(slug)}?done={done}&id={id}#review"
            : $"/coordinators/petitions/{Uri.EscapeDataString(slug)}/signatures/{id}?done={done}";
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

        if ((await records.ResemblancesAsync(letter.Id, [Signature.Organisation], cancellationToken)).TryGetValue(Signature.Organisation, out var original))
        {
            Resembles = original;
        }

        Contacts = await records.ContactsAsync(id, cancellationToken);
        History = await records.HistoryAsync(id, cancellationToken);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var actor in History.Select(e => e.Actor).Distinct())
        {
            names[actor] = actor switch
            {
                _ when actor.StartsWith("coordinator:", StringComparison.Ordinal)
                    && long.TryParse(actor.AsSpan("coordinator:".Length), CultureInfo.InvariantCulture, out var coordinatorId)
                    && await Coordinators.FindAsync(coordinatorId, cancellationToken) is { } coordinator
                    => coordinator.Name is { Length: > 0 } name ? $"{name} ({coordinator.Email})" : coordinator.Email,
                "signatory" => Resources.Texts.Page("the signatory"),
                "seed" => Resources.Texts.Page("the seed import"),
                "system" => "Petitions",
                _ => actor,
            };
        }

        ActorNames = names;
        return Page();
    }
}

/// <summary>A reject or a withdrawal waiting for the coordinator's confirmation.</summary>
public sealed record PendingAction(string Handler, string Reason, string? Date);
