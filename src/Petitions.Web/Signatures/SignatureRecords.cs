using Dapper;
using Petitions.Data;
using Petitions.Organisations;

namespace Petitions.Signatures;

/// <summary>A signature as coordinators see it: with the contact, the checks and every time.</summary>
public sealed record SignatureRecord(
    long Id, string Organisation, string? City, string? Country, string? CountryName, string? ContactName, string? ContactRole,
    string? ContactEmail, string? Website, string? Comment, string Status, DateTimeOffset SignedAt, DateTimeOffset? ConfirmedAt,
    DateTimeOffset? ListedAt, DateTimeOffset? WithdrawnAt, string? WithdrawalReason, string Source, IReadOnlyList<string> Flags,
    DateTimeOffset? RejectedAt, string? RejectionReason, string? ConsentVersion, DateTimeOffset? ConsentedAt, long? PetitionVersion,
    [property: System.Text.Json.Serialization.JsonPropertyOrder(2)] string? Language,
    [property: System.Text.Json.Serialization.JsonPropertyOrder(2)] long? TranslationVersion,
    // Before language in the JSON, as the contract lists the fields: …, source, flags, ref, language.
    [property: System.Text.Json.Serialization.JsonPropertyOrder(1)] string? Ref = null);

public sealed record EventRecord(DateTimeOffset At, string Actor, string Kind, string? From, string? To, string? Reason);

public sealed record ContactRecord(string Name, string? Role, string Email, DateTimeOffset CreatedAt, DateTimeOffset? ConfirmedAt);

public sealed record FailedEmailRecord(long Id, long? SignatureId, string Kind, string To, string Subject, long Attempts, DateTimeOffset? FailedAt, string? Error);

/// <summary>Reading signatures for coordinators: lists, one signatory with its history, and failed emails.</summary>
public sealed class SignatureRecords(Db db, PublicListCache lists)
{
    internal const string Select = """
        SELECT s.sort_name AS sortName, s.id, o.name AS organisation, o.city, o.country, s.contact_name AS contactName, s.contact_role AS contactRole,
               s.contact_email AS contactEmail, coalesce(s.website, o.website) AS website, s.comment, s.status, s.signed_at AS signedAt,
               s.confirmed_at AS confirmedAt, s.listed_at AS listedAt, s.withdrawn_at AS withdrawnAt, s.withdrawal_reason AS withdrawalReason,
               s.source, s.flags, s.rejected_at AS rejectedAt, s.rejection_reason AS rejectionReason, s.consent_version AS consentVersion,
               s.consented_at AS consentedAt, s.petition_version AS petitionVersion,
               s.language, s.translation_version AS translationVersion, s.ref
        FROM signatures s JOIN organisations o ON o.id = s.organisation_id
        """;

    /// <summary>
    /// For each look-alike name among <paramref name="names"/>: the listed organisation of the letter
    /// it imitates (an equal UTS #39 skeleton, a different spelling), or nothing.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ResemblancesAsync(long petitionId, IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var distinct = names.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            return found;
        }

        // The letter's kept index says which names imitate a listed one; only then is the list read to name it.
        var index = await lists.GetNearAsync(petitionId, cancellationToken);
        var wanted = distinct.Where(index.Imitated).ToList();
        if (wanted.Count == 0)
        {
            return found;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        var listed = await connection.QueryAsync<(string Name, string? City, string? Country)>(new CommandDefinition("""
            SELECT o.name, o.city, o.country FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.petition_id = @petitionId AND s.status = 'listed'
            """, new { petitionId }, cancellationToken: cancellationToken));
        var bySkeleton = listed.GroupBy(l => global::Petitions.Organisations.Confusables.Skeleton(l.Name))
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var name in wanted)
        {
            if (bySkeleton.TryGetValue(global::Petitions.Organisations.Confusables.Skeleton(name), out var original) && original.Name != name)
            {
                found[name] = original.City is null ? original.Name : $"{original.Name}, {original.City}";
            }
        }

        return found;
    }

    public Task<IReadOnlyList<SignatureRecord>> ListAsync(long petitionId, string? status, string? country, CancellationToken cancellationToken = default) =>
        ListAsync(petitionId, status, country, after: null, limit: null, cancellationToken);

    /// <summary>
    /// One page in id order (keyset: the ids after <paramref name="after"/>, at most <paramref name="limit"/>),
    /// or every matching record when no limit is given.
    /// </summary>
    public Task<IReadOnlyList<SignatureRecord>> ListAsync(
        long petitionId, string? status, string? country, long? after, int? limit, CancellationToken cancellationToken = default) =>
        ListAsync(petitionId, partner: null, status, country, after, limit, cancellationToken);

    /// <param name="partner">Only the sign-ons that partner's link brought (a partner coordinator's view); null: all of them.</param>
    public async Task<IReadOnlyList<SignatureRecord>> ListAsync(
        long petitionId, string? partner, string? status, string? country, long? after, int? limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(Select + $"""

            WHERE s.petition_id = @petitionId AND (@status IS NULL OR s.status = @status) AND (@country IS NULL OR o.country = @country)
              AND s.id > @after AND (@partner IS NULL OR s.ref = @partner)
            ORDER BY s.id{(limit is null ? "" : " LIMIT @limit")}
            """, new { petitionId, status, country, after = after ?? 0L, limit, partner });
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public Task<SignatureRecord?> FindAsync(long petitionId, long id, CancellationToken cancellationToken = default) =>
        FindAsync(petitionId, id, partner: null, cancellationToken);

    /// <param name="partner">A partner coordinator's partner: another partner's sign-on (or one of none) is not found.</param>
    public async Task<SignatureRecord?> FindAsync(long petitionId, long id, string? partner, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(Select + "\nWHERE s.petition_id = @petitionId AND s.id = @id AND (@partner IS NULL OR s.ref = @partner)",
            new { petitionId, id, partner });
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<EventRecord>> HistoryAsync(long signatureId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string At, string Actor, string Kind, string? From, string? To, string? Reason)>(
            "SELECT at, actor, kind, from_status, to_status, reason FROM events WHERE signature_id = @signatureId ORDER BY id", new { signatureId });
        return rows.Select(r => new EventRecord(Time.Parse(r.At), r.Actor, r.Kind, r.From, r.To, r.Reason)).ToList();
    }

    public async Task<IReadOnlyList<ContactRecord>> ContactsAsync(long signatureId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Name, string? Role, string Email, string CreatedAt, string? ConfirmedAt)>(
            "SELECT name, role, email, created_at, confirmed_at FROM contacts WHERE signature_id = @signatureId ORDER BY id", new { signatureId });
        return rows.Select(r => new ContactRecord(r.Name, r.Role, r.Email, Time.Parse(r.CreatedAt), Time.ParseOrNull(r.ConfirmedAt))).ToList();
    }

    /// <summary>Emails that failed for good, so an address can be corrected and the email sent again.</summary>
    public async Task<IReadOnlyList<FailedEmailRecord>> FailedEmailsAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, long? SignatureId, string Kind, string To, string Subject, long Attempts, string? FailedAt, string? Error)>("""
            SELECT id, signature_id, kind, to_address, subject, attempts, failed_at, last_error
            FROM outbox WHERE petition_id = @petitionId AND status = 'failed' ORDER BY id
            """, new { petitionId });
        return rows.Select(r => new FailedEmailRecord(r.Id, r.SignatureId, r.Kind, r.To, r.Subject, r.Attempts, Time.ParseOrNull(r.FailedAt), r.Error)).ToList();
    }

    internal sealed class Row
    {
        public long Id { get; init; }
        public string Organisation { get; init; } = "";
        public string? City { get; init; }
        public string? Country { get; init; }
        public string? ContactName { get; init; }
        public string? ContactRole { get; init; }
        public string? ContactEmail { get; init; }
        public string? Website { get; init; }
        public string? Comment { get; init; }
        public string Status { get; init; } = "";
        public string SignedAt { get; init; } = "";
        public string? ConfirmedAt { get; init; }
        public string? ListedAt { get; init; }
        public string? WithdrawnAt { get; init; }
        public string? WithdrawalReason { get; init; }
        public string Source { get; init; } = "";
        public string Flags { get; init; } = "";
        public string? RejectedAt { get; init; }
        public string? RejectionReason { get; init; }
        public string? ConsentVersion { get; init; }
        public string? ConsentedAt { get; init; }
        public long? PetitionVersion { get; init; }
        public string? Language { get; init; }
        public long? TranslationVersion { get; init; }
        public string? SortName { get; init; }
        public string? Ref { get; init; }

        public SignatureRecord ToRecord() => new(
            Id, Organisation, City, Country, Countries.NameOf(Country), ContactName, ContactRole, ContactEmail, Website, Comment, Status,
            Time.Parse(SignedAt), Time.ParseOrNull(ConfirmedAt), Time.ParseOrNull(ListedAt), Time.ParseOrNull(WithdrawnAt), WithdrawalReason,
            Source, Flags.Split(' ', StringSplitOptions.RemoveEmptyEntries), Time.ParseOrNull(RejectedAt), RejectionReason, ConsentVersion,
            Time.ParseOrNull(ConsentedAt), PetitionVersion, Language, TranslationVersion, Ref);
    }
}
