using Microsoft.AspNetCore.Mvc;
using Petitions.Coordinators;
using Petitions.Data;
using Petitions.Organisations;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Coordinators;

[OpenToPartnerCoordinators]
public sealed class LetterModel(
    PetitionStore petitions, CoordinatorStore coordinators, SignatureRecords records, Review review, ConsoleList list, SignOnTimelines timelines, Db db)
    : CoordinatorPage(petitions, coordinators)
{
    /// <summary>The review queue shows this many at a time; decisions bring the next ones up.</summary>
    public const int QueuePage = 50;

    public Petition? Letter { get; private set; }

    public IReadOnlyList<SignatureRecord> Queue { get; private set; } = [];

    public long QueueTotal { get; private set; }

    public ConsolePage Rows { get; private set; } = new([], null);

    public ConsoleCounts? Counts { get; private set; }

    public ConsoleQuery Query { get; private set; } = new(null, null, null, null, ConsoleList.ByDate, null);

    public IReadOnlyList<FailedEmailRecord> Failed { get; private set; } = [];

    /// <summary>The letter's translations, drafts too, each marked when it is behind the source.</summary>
    public IReadOnlyList<LetterTranslation> Translations { get; private set; } = [];

    /// <summary>Sign-ons made per day, week or month, and how many of them are listed now.</summary>
    public SignOnTimeline Timeline { get; private set; } = new(SignOnTimeline.Day, []);

    public string? Message { get; private set; }

    public bool MessageIsError { get; private set; }

    /// <summary>A field of the list's filters that could not be used, and why.</summary>
    public (string Field, string Message)? FilterError { get; private set; }

    /// <summary>A bulk decision waiting for its confirmation (rejections), or that lacked a reason.</summary>
    public BulkDecision? Bulk { get; private set; }

    /// <summary>For look-alike names in the queue: the listed organisation each imitates.</summary>
    public IReadOnlyDictionary<string, string> Resembles { get; private set; } = new Dictionary<string, string>();

    public async Task<IActionResult> OnGetAsync(
        [FromRoute] string slug, string? status, string? country, string? flag, string? q, string? sort, string? after,
        CancellationToken cancellationToken, string? done = null, long? id = null, int? count = null, int? skipped = null, int? alike = null)
    {
        if ((Letter = await LetterAsync(slug, cancellationToken)) is null)
        {
            return Page();
        }

        // After a decision in the queue: say what was done, to whom, and stay in the queue.
        if (done is "approved" or "rejected" && id is { } decided && await records.FindAsync(Letter.Id, decided, Partner, cancellationToken) is { } signature)
        {
            Message = done == "approved" ? Resources.Texts.Page("Approved: {0} is listed.", signature.Organisation) : Resources.Texts.Page("Rejected: {0} is not listed.", signature.Organisation);
        }
        else if (done is "approved" or "rejected" && (count is > 0 || alike is > 0))
        {
            Message = (done == "approved" ? Resources.Texts.PagePlural("Approved {0} sign-ons: listed.", count ?? 0) : Resources.Texts.PagePlural("Rejected {0} sign-ons: not listed.", count ?? 0))
                + (skipped is > 0 ? " " + Resources.Texts.PagePlural("{0} sign-ons had been decided already and did not change.", skipped.Value) : "")
                + (alike is > 0 ? " " + Resources.Texts.PagePlural("{0} sign-ons look like organisations already listed and wait: open each to merge it or list both.", alike.Value) : "");
        }

        Query = ReadQuery(status, country, flag, q, sort, after);
        if (FilterError is not null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>Approves or rejects the rows ticked in the queue; a rejection asks for a reason and a confirmation first.</summary>
    public async Task<IActionResult> OnPostBulkAsync(
        [FromRoute] string slug, long[]? ids, string? decision, string? reason, string? confirm, CancellationToken cancellationToken)
    {
        if ((Letter = await LetterAsync(slug, cancellationToken)) is null)
        {
            return Page();
        }

        var chosen = (ids ?? []).Distinct().Take(QueuePage * 4).ToList();
        var rejecting = decision == "reject";
        string? problem = decision is not ("approve" or "reject") ? Resources.Texts.Page("Choose Approve or Reject.")
            : chosen.Count == 0 ? Resources.Texts.Page("Tick the sign-ons to decide first.")
            : !rejecting ? null
            : string.IsNullOrWhiteSpace(reason) ? Resources.Texts.Page("Give the reason for rejecting: it is kept in each signature's history.")
            : FreeText.ReasonProblem(reason);
        var names = new List<string>();
        foreach (var chosenId in chosen)
        {
            if (await records.FindAsync(Letter.Id, chosenId, Partner, cancellationToken) is { } found)
            {
                names.Add(found.Organisation);
            }
        }

        if (names.Count < chosen.Count)
        {
            // An id of another letter (or none at all): refused whole, as a single decision on it would be.
            await LoadAsync(cancellationToken);
            Message = Resources.Texts.Page("Nothing was decided: a ticked sign-on is not on this letter. It may have been erased; tick them again.");
            MessageIsError = true;
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        if (problem is not null || (rejecting && confirm != "yes"))
        {
            // Nothing is stored: the queue again with the problem, or the confirmation of a rejection.
            Bulk = new BulkDecision(chosen, names, rejecting ? FreeText.CleanReason(reason) : null, problem);
            Response.StatusCode = problem is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
            await LoadAsync(cancellationToken);
            return Page();
        }

        var action = rejecting ? SignatureAction.Reject : SignatureAction.Approve;
        int decided = 0, unchanged = 0, lookAlikes = 0;
        foreach (var chosenId in chosen)
        {
            try
            {
                await review.ApplyAsync(Letter.Id, chosenId, action, Actor, rejecting ? FreeText.CleanReason(reason) : null, null, cancellationToken);
                decided++;
            }
            catch (IllegalTransitionException)
            {
                // Decided in another tab or by another coordinator meanwhile: said in the message, not an error.
                unchanged++;
            }
            catch (LookAlikeListedException)
            {
                lookAlikes++;
            }
        }

        list.Forget(Letter.Id);
        Response.Headers.Location =
            $"/coordinators/petitions/{Uri.EscapeDataString(slug)}?done={(rejecting ? "rejected" : "approved")}&count={decided}&skipped={unchanged}"
            + (lookAlikes > 0 ? $"&alike={lookAlikes}" : "") + "#review";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    public async Task<IActionResult> OnPostResendAsync([FromRoute] string slug, long outboxId, string? address, CancellationToken cancellationToken)
    {
        if ((Letter = await LetterAsync(slug, cancellationToken)) is null)
        {
            return Page();
        }

        // Failed emails are of every partner's sign-ons: the whole letter's coordinators see and send them.
        if (Partner is not null)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
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
            await LoadAsync(cancellationToken);
            Message = Resources.Texts.Page("There is no such failed email on this letter: it may have been sent again already.");
            MessageIsError = true;
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        Response.Headers.Location = $"/coordinators/petitions/{slug}#failed";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>The address of this list with some of its query changed (null removes a key); the cursor is dropped unless given.</summary>
    public string ListUrl(string? status = "", string? country = "", string? flag = "", string? q = "", string? sort = "", string? after = null)
    {
        var pairs = new List<string>();
        void Add(string key, string? given, string? current)
        {
            var value = given == "" ? current : given;
            if (!string.IsNullOrEmpty(value))
            {
                pairs.Add($"{key}={Uri.EscapeDataString(value)}");
            }
        }

        Add("status", status, Query.Status);
        Add("country", country, Query.Country);
        Add("flag", flag, Query.Flag);
        Add("q", q, Query.Search);
        Add("sort", sort, Query.Sort == ConsoleList.ByDate ? null : Query.Sort);
        Add("after", after, null);
        return $"/coordinators/petitions/{Uri.EscapeDataString(Letter!.Slug)}{(pairs.Count == 0 ? "" : "?" + string.Join("&", pairs))}#all";
    }

    private ConsoleQuery ReadQuery(string? status, string? country, string? flag, string? q, string? sort, string? after)
    {
        status = string.IsNullOrWhiteSpace(status) ? null : status.Trim();
        country = string.IsNullOrWhiteSpace(country) ? null : country.Trim();
        flag = string.IsNullOrWhiteSpace(flag) ? null : flag.Trim();
        sort = string.IsNullOrWhiteSpace(sort) ? ConsoleList.ByDate : sort.Trim();
        after = string.IsNullOrWhiteSpace(after) ? null : after.Trim();
        q = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (status is not null && !SignatureStatus.IsKnown(status))
        {
            FilterError = ("status", Resources.Texts.Page("There is no status \"{0}\": choose one from the list.", status));
            status = null;
        }

        if (country is not null && country != ConsoleList.International)
        {
            country = country.ToUpperInvariant();
            if (!Countries.IsCode(country))
            {
                FilterError = ("country", Resources.Texts.Page("\"{0}\" is not a country code: choose a country from the list.", country));
                country = null;
            }
        }

        if (flag is not null && (flag.Length > 40 || !flag.All(c => c is (>= 'a' and <= 'z') or '-')))
        {
            FilterError = ("flag", Resources.Texts.Page("That is not a flag: choose one from the list."));
            flag = null;
        }

        if (q is { Length: > 200 })
        {
            FilterError = ("q", Resources.Texts.Page("Search for at most 200 characters of a name."));
            q = null;
        }

        if (!ConsoleList.IsSort(sort))
        {
            FilterError = ("sort", Resources.Texts.Page("Sort by date (newest or oldest first) or by name."));
            sort = ConsoleList.ByDate;
        }

        if (after is not null && !ConsoleList.IsCursor(after))
        {
            FilterError = ("after", Resources.Texts.Page("That page is not one this list gave: start again from the first page."));
            after = null;
        }

        return new ConsoleQuery(status, country, flag, q, sort, after, Partner);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var letter = Letter!;
        var queue = await list.PageAsync(letter.Id, new ConsoleQuery(SignatureStatus.Confirmed, null, null, null, ConsoleList.ByDateOldestFirst, null, Partner), cancellationToken);
        Counts = await list.CountsAsync(letter.Id, Partner, cancellationToken);
        QueueTotal = Counts.ByStatus.GetValueOrDefault(SignatureStatus.Confirmed);
        Queue = queue.Rows;
        Resembles = await records.ResemblancesAsync(letter.Id, Queue.Where(s => s.Flags.Contains(SignOn.LookAlike)).Select(s => s.Organisation), cancellationToken);
        // Whatever the query says (a POST reads none), a partner coordinator's list is their partner's sign-ons.
        Rows = await list.PageAsync(letter.Id, Query with { Partner = Partner }, cancellationToken);
        Failed = Partner is null ? await records.FailedEmailsAsync(letter.Id, cancellationToken) : [];
        Timeline = await timelines.ReadAsync(letter.Id, cancellationToken);
        await using var connection = await db.OpenAsync(cancellationToken);
        Translations = await TranslationStore.ListAsync(connection, null, letter.Id);
    }
}

/// <param name="Problem">Why it cannot be done as sent, or null when it only waits for its confirmation.</param>
public sealed record BulkDecision(IReadOnlyList<long> Ids, IReadOnlyList<string> Organisations, string? Reason, string? Problem);
