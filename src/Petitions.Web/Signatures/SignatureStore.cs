using System.Data.Common;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Petitions.Data;
using Petitions.Organisations;

namespace Petitions.Signatures;

/// <summary>A supporting organisation as the public sees it: never any contact data.</summary>
public sealed record PublicSignatory(string Organisation, string? City, string? Country, string? CountryName, DateTimeOffset SignedAt)
{
    /// <summary>The line as the seed letter prints it: "Name, City", or "Name, Country" where there is no city.</summary>
    public string Line => (City ?? CountryName) is { } place ? $"{Organisation}, {place}" : Organisation;
}

/// <summary>A signature to create: who signs which letter for which organisation, as the sign-on or the import has it.</summary>
public sealed record SignatureDraft(
    long PetitionId, long OrganisationId, string Source, string Flags, string? ContactName, string? ContactRole, string? ContactEmail,
    string? Website, DateTimeOffset SignedAt)
{
    public string? Comment { get; init; }

    /// <summary>The version of the letter's text signed; a sign-on knows it, an import does not.</summary>
    public int? PetitionVersion { get; init; }

    public string? ConsentVersion { get; init; }
    public DateTimeOffset? ConsentedAt { get; init; }

    /// <summary>The language of the sign-on, and the version of the translation it read when it read one.</summary>
    public string? Language { get; init; }

    public int? TranslationVersion { get; init; }

    /// <summary>The code of the partner whose link brought the sign-on.</summary>
    public string? Ref { get; init; }

    /// <summary>For a withdrawal that travels with an imported list: when (else now) and why.</summary>
    public DateTimeOffset? WithdrawnAt { get; init; }

    public string? WithdrawalReason { get; init; }

    /// <summary>The signer agreed that its contact goes to the coalition's subscribed systems (webhooks).</summary>
    public bool ShareContact { get; init; }

    /// <summary>The signer asked for updates about the letter (Updates).</summary>
    public bool WantsUpdates { get; init; }
}

public sealed class SignatureStore(Db db)
{
    /// <summary>How a person expects a list of names sorted: by letters, ignoring case and accents.</summary>
    public static readonly StringComparer NameOrder = StringComparer.Create(CultureInfo.GetCultureInfo("en"), NameSortKeys.Options);

    /// <summary>The organisations on a letter in one status (the public list: listed), sorted by name.</summary>
    public async Task<IReadOnlyList<PublicSignatory>> ListPublicAsync(
        long petitionId, string status = SignatureStatus.Listed, string? country = null, CancellationToken cancellationToken = default) =>
        (await ReadListAsync(petitionId, status, country, cancellationToken)).Signatories;

    /// <summary>A letter's public list (its listed organisations) as the page and the API show it: see <see cref="PublicListCache"/>.</summary>
    public Task<PublicList> ReadPublicListAsync(long petitionId, CancellationToken cancellationToken = default) =>
        ReadListAsync(petitionId, SignatureStatus.Listed, null, cancellationToken);

    /// <summary>A letter's listed organisations keyed for near names (<see cref="NearNames.Index"/>): one pass over the list, row by row.</summary>
    public async Task<NearNames.Index> ReadNearIndexAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT o.name, o.loose_key, s.website FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.petition_id = @petitionId AND s.status = 'listed'
            """;
        command.With("@petitionId", petitionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var index = new NearNames.Index.Builder();
        while (await reader.ReadAsync(cancellationToken))
        {
            index.Add(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        }

        return index.Build();
    }

    /// <summary>
    /// A letter's counts by country and by day, aggregated by the database: a letter of a million
    /// signatories is two GROUP BYs, not a million rows read into memory.
    /// </summary>
    public async Task<LetterStats> ReadStatsAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var byCountry = (await connection.QueryAsync<(string? Country, long Count)>(new CommandDefinition("""
            SELECT o.country, count(*) FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.petition_id = @petitionId AND s.status = 'listed' GROUP BY o.country
            """, new { petitionId }, cancellationToken: cancellationToken))).ToList();
        // Stored times are ISO 8601 UTC: the date is their first ten characters.
        var byDay = (await connection.QueryAsync<(string Date, long Count)>(new CommandDefinition("""
            SELECT substr(s.signed_at, 1, 10), count(*) FROM signatures s
            WHERE s.petition_id = @petitionId AND s.status = 'listed' GROUP BY substr(s.signed_at, 1, 10)
            """, new { petitionId }, cancellationToken: cancellationToken))).ToList();
        return LetterStats.Of(byCountry.Select(c => (c.Country, (int)c.Count)), byDay.Select(d => (d.Date, (int)d.Count)));
    }

    /// <summary>A letter's listed organisations counted by city and country, as stored (either may be missing).</summary>
    public async Task<IReadOnlyList<CityCount>> ReadCityCountsAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string? City, string? Country, long Count)>(new CommandDefinition("""
            SELECT o.city, o.country, count(*) FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.petition_id = @petitionId AND s.status = 'listed'
            GROUP BY o.city, o.country
            """, new { petitionId }, cancellationToken: cancellationToken)))
            .Select(c => new CityCount(c.City, c.Country, (int)c.Count)).ToList();
    }

    private async Task<PublicList> ReadListAsync(long petitionId, string status, string? country, CancellationToken cancellationToken)
    {
        var rows = new List<ListedRow>();
        await using (var connection = await db.OpenAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT o.name, o.city, o.country, s.signed_at
                FROM signatures s JOIN organisations o ON o.id = s.organisation_id
                WHERE s.petition_id = @petitionId AND s.status = @status AND (CAST(@country AS text) IS NULL OR o.country = @country)
                """;
            command.With("@petitionId", petitionId).With("@status", status).With("@country", country);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new ListedRow(
                    reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetString(3)));
            }
        }

        return new PublicList(Sort(rows));
    }

    /// <summary>
    /// By name, then by city, in <see cref="NameOrder"/>; rows equal in both keep the database's order.
    /// One culture sort key per name (and per city), compared as bytes: not n log n culture comparisons.
    /// </summary>
    internal static ListedRow[] Sort(List<ListedRow> rows)
    {
        var names = new NameSortKeys(rows.Count);
        var cities = new NameSortKeys(rows.Count);
        foreach (var row in rows)
        {
            names.Add(row.Organisation);
            cities.Add(row.City);
        }

        var order = new int[rows.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (x, y) => names.Compare(x, y) is var byName and not 0 ? byName
            : cities.Compare(x, y) is var byCity and not 0 ? byCity : x.CompareTo(y));
        var sorted = new ListedRow[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            sorted[i] = rows[order[i]];
        }

        return sorted;
    }

    public async Task<long> CountListedAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM signatures WHERE petition_id = @petitionId AND status = 'listed'", new { petitionId });
    }

    /// <summary>
    /// Applies an action to a signature, stamping that transition's time and recording the event.
    /// The only writer of a signature's status after it is created.
    /// </summary>
    /// <returns>The new status.</returns>
    public static async Task<string> ApplyAsync(
        DbConnection connection, DbTransaction transaction, ListChanges changes, long signatureId, SignatureAction action,
        string actor, string? reason, DateTimeOffset at)
    {
        var current = await connection.QuerySingleOrDefaultAsync<StatusRow>(
            "SELECT petition_id AS petitionId, status FROM signatures WHERE id = @signatureId", new { signatureId }, transaction)
            ?? throw new InvalidOperationException($"No signature {signatureId}.");
        if (!SignatureStatus.CanApply(action, current.Status))
        {
            throw new IllegalTransitionException(current.Status, action);
        }

        var to = SignatureStatus.TargetOf(action);
        var stamp = to switch
        {
            SignatureStatus.Confirmed => "confirmed_at = @at",
            SignatureStatus.Listed => "listed_at = @at, confirmed_at = coalesce(confirmed_at, @at)",
            SignatureStatus.Rejected => "rejected_at = @at, rejection_reason = @reason",
            _ => "withdrawn_at = @at, withdrawal_reason = @reason",
        };
        var time = Time.Format(at);
        await connection.ExecuteAsync(
            $"UPDATE signatures SET status = @to, {stamp} WHERE id = @signatureId",
            new { to, at = time, reason, signatureId }, transaction);
        Record(connection, transaction, current.PetitionId, signatureId, actor, "status", current.Status, to, reason, at);
        if (Webhooks.WebhookEvents.OfStatus(to) is { } webhookEvent)
        {
            Webhooks.WebhookEvents.Queue(connection, transaction, current.PetitionId, signatureId, webhookEvent, at);
        }
        if (current.Status == SignatureStatus.Listed || to == SignatureStatus.Listed)
        {
            // Before the commit: the cache reads this letter again once its commit window has passed too.
            await changes.ChangedAsync(connection, transaction, current.PetitionId);
        }

        return to;
    }

    /// <summary>
    /// Creates a signature in the status a creating action of <see cref="SignatureStatus"/> gives it
    /// (<see cref="SignatureAction.Sign"/> or an import's), stamps that status's times and records the event.
    /// The only writer of a new signature.
    /// </summary>
    /// <returns>The new signature's id.</returns>
    public static long Create(
        DbConnection connection, DbTransaction transaction, SignatureDraft draft, SignatureAction action, string actor, string? reason,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (!SignatureStatus.Creates(action))
        {
            throw new ArgumentException($"{action} does not create a signature.", nameof(action));
        }

        var status = SignatureStatus.TargetOf(action);
        var at = Time.Format(now);
        var withdrawn = status == SignatureStatus.Withdrawn;
        // Prepared: a sign-on creates one on the hot path. An imported signature was confirmed by its source.
        var signatureId = Prepared.Command(connection, transaction, """
            INSERT INTO signatures (petition_id, organisation_id, status, source, flags, contact_name, contact_role, contact_email,
                                    website, comment, petition_version, consent_version, consented_at, signed_at,
                                    confirmed_at, listed_at, withdrawn_at, withdrawal_reason, language, translation_version, sort_name, ref, share_contact, wants_updates)
            VALUES (@petitionId, @organisationId, @status, @source, @flags, @contactName, @contactRole, @email,
                    @website, @comment, @version, @consentVersion, @consentedAt, @signedAt,
                    @confirmedAt, @listedAt, @withdrawnAt, @withdrawalReason, @language, @translationVersion,
                    (SELECT loose_key FROM organisations WHERE id = @organisationId), @ref, @shareContact, @wantsUpdates)
            RETURNING id
            """)
            .With("@petitionId", draft.PetitionId).With("@organisationId", draft.OrganisationId).With("@status", status)
            .With("@source", draft.Source).With("@flags", draft.Flags).With("@contactName", draft.ContactName)
            .With("@contactRole", draft.ContactRole).With("@email", draft.ContactEmail).With("@website", draft.Website)
            .With("@comment", draft.Comment).With("@version", draft.PetitionVersion).With("@consentVersion", draft.ConsentVersion)
            .With("@consentedAt", draft.ConsentedAt is { } consented ? Time.Format(consented) : null)
            .With("@signedAt", Time.Format(draft.SignedAt))
            .With("@confirmedAt", status == SignatureStatus.Pending ? null : at)
            .With("@listedAt", status == SignatureStatus.Listed ? at : null)
            .With("@withdrawnAt", withdrawn ? Time.Format(draft.WithdrawnAt ?? now) : null)
            .With("@withdrawalReason", withdrawn ? draft.WithdrawalReason : null)
            .With("@language", draft.Language).With("@translationVersion", draft.TranslationVersion)
            .With("@ref", draft.Ref)
            .With("@shareContact", draft.ShareContact ? 1 : 0).With("@wantsUpdates", draft.WantsUpdates)
            .ScalarInt64()!.Value;
        Record(connection, transaction, draft.PetitionId, signatureId, actor, action == SignatureAction.Sign ? "signed" : "imported",
            null, status, reason, now);
        return signatureId;
    }

    /// <summary>
    /// <see cref="Create"/> for many sign-ons at once (<see cref="SignatureAction.Sign"/>), on PostgreSQL:
    /// one statement for the signatures and one for their events, whatever their number. Each draft
    /// is of a different organisation.
    /// </summary>
    /// <returns>The new signatures' ids, in the drafts' order.</returns>
    public static long[] CreateSigned(DbConnection connection, DbTransaction transaction, IReadOnlyList<SignatureDraft> drafts)
    {
        var status = SignatureStatus.TargetOf(SignatureAction.Sign);
        string?[] Each(Func<SignatureDraft, string?> field) => drafts.Select(field).ToArray();
        var ids = new Dictionary<long, long>(drafts.Count);
        using (var reader = Prepared.Command(connection, transaction, """
            INSERT INTO signatures (petition_id, organisation_id, status, source, flags, contact_name, contact_role, contact_email,
                                    website, comment, petition_version, consent_version, consented_at, signed_at,
                                    language, translation_version, sort_name, ref, share_contact, wants_updates)
            SELECT d.petition_id, d.organisation_id, @status, d.source, d.flags, d.contact_name, d.contact_role, d.email,
                   d.website, d.comment, d.version, d.consent_version, d.consented_at, d.signed_at,
                   d.language, d.translation_version, (SELECT loose_key FROM organisations WHERE id = d.organisation_id), d.ref,
                   d.share_contact, d.wants_updates
            FROM unnest(@petitionIds::bigint[], @organisationIds::bigint[], @sources::text[], @flags::text[], @contactNames::text[],
                        @contactRoles::text[], @emails::text[], @websites::text[], @comments::text[], @versions::bigint[],
                        @consentVersions::text[], @consentedAts::text[], @signedAts::text[], @languages::text[],
                        @translationVersions::integer[], @refs::text[], @shareContacts::integer[], @wantsUpdates::boolean[])
                 AS d(petition_id, organisation_id, source, flags, contact_name, contact_role, email, website, comment, version,
                      consent_version, consented_at, signed_at, language, translation_version, ref, share_contact, wants_updates)
            RETURNING id, organisation_id
            """)
            .With("@status", status)
            .With("@petitionIds", drafts.Select(d => d.PetitionId).ToArray())
            .With("@organisationIds", drafts.Select(d => d.OrganisationId).ToArray())
            .With("@sources", Each(d => d.Source)).With("@flags", Each(d => d.Flags)).With("@contactNames", Each(d => d.ContactName))
            .With("@contactRoles", Each(d => d.ContactRole)).With("@emails", Each(d => d.ContactEmail)).With("@websites", Each(d => d.Website))
            .With("@comments", Each(d => d.Comment)).With("@versions", drafts.Select(d => (long?)d.PetitionVersion).ToArray())
            .With("@consentVersions", Each(d => d.ConsentVersion))
            .With("@consentedAts", Each(d => d.ConsentedAt is { } consented ? Time.Format(consented) : null))
            .With("@signedAts", Each(d => Time.Format(d.SignedAt))).With("@languages", Each(d => d.Language))
            .With("@translationVersions", drafts.Select(d => d.TranslationVersion).ToArray()).With("@refs", Each(d => d.Ref))
            .With("@shareContacts", drafts.Select(d => d.ShareContact ? 1 : 0).ToArray())
            .With("@wantsUpdates", drafts.Select(d => d.WantsUpdates).ToArray())
            .ExecuteReader())
        {
            while (reader.Read())
            {
                ids[reader.GetInt64(1)] = reader.GetInt64(0);
            }
        }

        var signatureIds = drafts.Select(d => ids[d.OrganisationId]).ToArray();
        RecordAll(connection, transaction, drafts.Select((d, i) =>
            new HistoryEvent(d.PetitionId, signatureIds[i], "signatory", "signed", null, status, null, d.SignedAt)).ToList());
        return signatureIds;
    }

    /// <summary>An event of a letter's history, as <see cref="Record"/> adds it.</summary>
    public sealed record HistoryEvent(
        long PetitionId, long? SignatureId, string Actor, string Kind, string? From, string? To, string? Reason, DateTimeOffset At);

    /// <summary><see cref="Record"/> for many events in one statement, on PostgreSQL; they are added in their order.</summary>
    public static void RecordAll(DbConnection connection, DbTransaction transaction, IReadOnlyList<HistoryEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        string?[] Each(Func<HistoryEvent, string?> field) => events.Select(field).ToArray();
        Prepared.Command(connection, transaction, """
            INSERT INTO events (petition_id, signature_id, at, actor, kind, from_status, to_status, reason)
            SELECT e.petition_id, e.signature_id, e.at, e.actor, e.kind, e.from_status, e.to_status, e.reason
            FROM unnest(@petitionIds::bigint[], @signatureIds::bigint[], @ats::text[], @actors::text[], @kinds::text[],
                        @froms::text[], @tos::text[], @reasons::text[]) WITH ORDINALITY
                 AS e(petition_id, signature_id, at, actor, kind, from_status, to_status, reason, n)
            ORDER BY e.n
            """)
            .With("@petitionIds", events.Select(e => e.PetitionId).ToArray()).With("@signatureIds", events.Select(e => e.SignatureId).ToArray())
            .With("@ats", Each(e => Time.Format(e.At))).With("@actors", Each(e => e.Actor)).With("@kinds", Each(e => e.Kind))
            .With("@froms", Each(e => e.From)).With("@tos", Each(e => e.To)).With("@reasons", Each(e => e.Reason))
            .ExecuteNonQuery();
    }

    public static void Record(DbConnection connection, DbTransaction transaction, HistoryEvent e) =>
        Record(connection, transaction, e.PetitionId, e.SignatureId, e.Actor, e.Kind, e.From, e.To, e.Reason, e.At);

    /// <summary>Adds an event to a letter's history (and its signature's, when there is one).</summary>
    public static void Record(
        DbConnection connection, DbTransaction transaction, long petitionId, long? signatureId, string actor,
        string kind, string? from, string? to, string? reason, DateTimeOffset at) =>
        Prepared.Command(connection, transaction, """
            INSERT INTO events (petition_id, signature_id, at, actor, kind, from_status, to_status, reason)
            VALUES (@petitionId, @signatureId, @at, @actor, @kind, @from, @to, @reason)
            """)
            .With("@petitionId", petitionId).With("@signatureId", signatureId).With("@at", Time.Format(at)).With("@actor", actor)
            .With("@kind", kind).With("@from", from).With("@to", to).With("@reason", reason)
            .ExecuteNonQuery();

    private sealed class StatusRow
    {
        public long PetitionId { get; init; }
        public string Status { get; init; } = "";
    }
}
