using System.Data.Common;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Petitions.Data;

namespace Petitions.Petitions;

public sealed class PetitionStore(Db db, IOptions<PetitionsOptions>? options = null)
{
    /// <summary>Letters as last read, with the stamp they were read at; a letter is looked up on every request.</summary>
    private readonly ConcurrentDictionary<string, (string Stamp, Petition Petition)> letters = new(StringComparer.Ordinal);

    /// <summary>
    /// The letter as it is now. Its row is read on every call (one indexed row, so a change by any
    /// process, the command line included, is seen at once); its demands and footnotes only when
    /// that row changed since the last read.
    /// </summary>
    public async Task<Petition?> FindAsync(string slug, CancellationToken cancellationToken = default) =>
        (await ReadAsync(slug, cancellationToken))?.Letter;

    /// <summary>
    /// The letter as it is now with its published translations, both checked in one statement (on
    /// PostgreSQL each statement on a pooled connection is a round trip and a reset of the connection,
    /// and a sign-on needs both): what <see cref="FindAsync(string, CancellationToken)"/> and
    /// <see cref="PublishedTranslationsAsync"/> read, for the price of one.
    /// </summary>
    public async Task<(Petition Letter, IReadOnlyList<LetterTranslation> Translations)?> ReadAsync(string slug, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        string? stamp = null, translationsStamp = null;
        using (var reader = Prepared.Command(connection, null, $"""
            SELECT id || ' ' || status || ' ' || review || ' ' || review_alerts || ' ' || language || ' ' || coalesce(closes_at, '') || ' ' || version || ' ' || updated_at
                   || ' ' || length(title) || ' ' || length(body)
                   || ' ' || coalesce(opens_at, '') || ' ' || coalesce(list_published_at, ''),
                   ({TranslationsStamp("petitions.id")})
            FROM petitions WHERE slug = @slug
            """).With("@slug", slug).ExecuteReader())
        {
            if (reader.Read())
            {
                stamp = reader.GetString(0);
                translationsStamp = reader.IsDBNull(1) ? "" : reader.GetString(1);
            }
        }

        if (stamp is null)
        {
            letters.TryRemove(slug, out _);
            return null;
        }

        if (!letters.TryGetValue(slug, out var known) || known.Stamp != stamp)
        {
            if (await FindAsync(connection, null, slug) is not { } petition)
            {
                return null;
            }

            known = (stamp, petition);
            letters[slug] = known;
        }

        return (known.Petition, await TranslationsAsync(connection, known.Petition.Id, translationsStamp!));
    }

    /// <summary>
    /// The letter and its published translations for a sign-on. On SQLite, <see cref="ReadAsync"/>. On
    /// PostgreSQL a letter that takes sign-ons is kept between sign-ons until a change to it is announced
    /// (<see cref="Forget"/>: this node's writers after their commit, other nodes and processes through
    /// <c>NOTIFY</c>) or the list caches' freshness bound passed: reading its stamp there is a round trip
    /// and a reset of a pooled connection on every sign-on. The writer reads the letter's state again in
    /// its transaction, so a letter kept a moment too long cannot admit a sign-on its state refuses; one
    /// that does not take sign-ons is read every time, so a refusal is always the database's.
    /// </summary>
    public async Task<(Petition Letter, IReadOnlyList<LetterTranslation> Translations)?> ReadToSignAsync(
        string slug, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (!db.IsPostgres)
        {
            return await ReadAsync(slug, cancellationToken);
        }

        if (kept.TryGetValue(slug, out var known) && Stopwatch.GetTimestamp() < known.Until && !AnnouncedSince(known.Letter.Id, known.ReadFrom)
            && known.Letter.AcceptsSignOns(now))
        {
            return (known.Letter, known.Translations);
        }

        var readFrom = Volatile.Read(ref announcements);
        var started = Stopwatch.GetTimestamp();
        var read = await ReadAsync(slug, cancellationToken);
        if (read is var (letter, translations))
        {
            kept[slug] = new KeptLetter(letter, translations, readFrom, started + (long)(KeptFor.TotalSeconds * Stopwatch.Frequency));
        }
        else
        {
            kept.TryRemove(slug, out _);
        }

        return read;
    }

    /// <summary>A change to a letter (or, with null, to any) was announced: kept letters read before it are read again.</summary>
    public void Forget(long? petitionId)
    {
        var at = Interlocked.Increment(ref announcements);
        // The highest count stays when two announcements race.
        if (petitionId is { } id)
        {
            announced.AddOrUpdate(id, at, (_, before) => Math.Max(before, at));
            return;
        }

        for (var before = Volatile.Read(ref everyLetterAnnounced); before < at;)
        {
            var seen = Interlocked.CompareExchange(ref everyLetterAnnounced, at, before);
            if (seen == before)
            {
                break;
            }

            before = seen;
        }
    }

    private bool AnnouncedSince(long petitionId, long readFrom) =>
        Volatile.Read(ref everyLetterAnnounced) > readFrom || (announced.TryGetValue(petitionId, out var at) && at > readFrom);

    private TimeSpan KeptFor => options?.Value.ListCacheFreshFor is { } bound && bound > TimeSpan.Zero ? bound : Signatures.PublicListCache.FreshFor;

    private sealed record KeptLetter(Petition Letter, IReadOnlyList<LetterTranslation> Translations, long ReadFrom, long Until);

    private readonly ConcurrentDictionary<string, KeptLetter> kept = new(StringComparer.Ordinal);

    /// <summary>Announcements counted in order; a letter is kept with the count before it was read, each letter with the count at its last announcement.</summary>
    private long announcements;
    private long everyLetterAnnounced;
    private readonly ConcurrentDictionary<long, long> announced = new();

    /// <summary>Published translations as last read, per letter, with the stamp they were read at.</summary>
    private readonly ConcurrentDictionary<long, (string Stamp, IReadOnlyList<LetterTranslation> Translations)> published = new();

    /// <summary>
    /// Which translations of a letter are published, and their versions: a few index entries. The one
    /// aggregate both databases know (SQLite since 3.44); null when there are none.
    /// </summary>
    private static string TranslationsStamp(string letterId) => $"""
        SELECT string_agg(language || ':' || version || ':' || source_version || ':' || updated_at, ' ' ORDER BY language)
        FROM petition_translations WHERE petition_id = {letterId} AND status = 'published'
        """;

    /// <summary>
    /// The letter's published translations. Which ones and their versions are read on every call;
    /// their texts only when that changed.
    /// </summary>
    public async Task<IReadOnlyList<LetterTranslation>> PublishedTranslationsAsync(Petition letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        await using var connection = await db.OpenAsync(cancellationToken);
        var stamp = await connection.ExecuteScalarAsync<string?>(TranslationsStamp("@Id"), new { letter.Id }) ?? "";
        return await TranslationsAsync(connection, letter.Id, stamp);
    }

    private async Task<IReadOnlyList<LetterTranslation>> TranslationsAsync(DbConnection connection, long letterId, string stamp)
    {
        if (published.TryGetValue(letterId, out var known) && known.Stamp == stamp)
        {
            return known.Translations;
        }

        var translations = (await TranslationStore.ListAsync(connection, null, letterId)).Where(t => t.IsPublished).ToList();
        published[letterId] = (stamp, translations);
        return translations;
    }

    /// <summary>The letter in <paramref name="language"/> when it has a published translation in it; else as written.</summary>
    /// <returns>The letter as read, its languages, and the version of the translation read (null when read as written).</returns>
    public async Task<(Petition Letter, IReadOnlyList<string> Languages, int? TranslationVersion)> InLanguageAsync(Petition letter, string? language, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return InLanguage(letter, await PublishedTranslationsAsync(letter, cancellationToken), language);
    }

    /// <summary>As <see cref="InLanguageAsync"/>, with the translations read with the letter (<see cref="ReadAsync"/>).</summary>
    public (Petition Letter, IReadOnlyList<string> Languages, int? TranslationVersion) InLanguage(Petition letter, IReadOnlyList<LetterTranslation> translations, string? language)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var languages = translations.Select(t => t.Language).Prepend(letter.Language).ToList();
        if (translations.FirstOrDefault(t => t.Language == language) is not { } translation)
        {
            return (letter, languages, null);
        }

        // The same object while neither the letter nor the translation changed: kept pages compare letters by reference.
        var key = (letter.Id, translation.Language);
        if (!applied.TryGetValue(key, out var known) || !ReferenceEquals(known.Source, letter) || !ReferenceEquals(known.Translation, translation))
        {
            known = (letter, translation, translation.Apply(letter));
            applied[key] = known;
        }

        return (known.Applied, languages, translation.Version);
    }

    private readonly ConcurrentDictionary<(long, string), (Petition Source, LetterTranslation Translation, Petition Applied)> applied = new();

    public static async Task<Petition?> FindAsync(DbConnection connection, DbTransaction? transaction, string slug)
    {
        var row = await connection.QuerySingleOrDefaultAsync<PetitionRow>("""
            SELECT id, slug, title, addressee, place, date, status, review, review_alerts AS reviewAlerts, language,
                   closes_at AS closesAt, version, body, opens_at AS opensAt, list_published_at AS listPublishedAt, embed_origins AS embedOrigins
            FROM petitions WHERE slug = @slug
            """, new { slug }, transaction);
        if (row is null)
        {
            return null;
        }

        var demands = (await connection.QueryAsync<(long GroupId, string Lead, string? Text)>("""
            SELECT g.id, g.lead, d.text
            FROM demand_groups g LEFT JOIN demands d ON d.demand_group_id = g.id
            WHERE g.petition_id = @Id
            ORDER BY g.position, d.position
            """, new { row.Id }, transaction)).ToList();
        var groups = demands
            .GroupBy(d => (d.GroupId, d.Lead))
            .Select(g => new DemandGroup(g.Key.Lead, g.Where(d => d.Text is not null).Select(d => d.Text!).ToList()))
            .ToList();
        var footnotes = (await connection.QueryAsync<(long Number, string Text)>(
            "SELECT number, text FROM footnotes WHERE petition_id = @Id ORDER BY number", new { row.Id }, transaction))
            .Select(f => new Footnote((int)f.Number, f.Text))
            .ToList();

        return new Petition(
            row.Id, row.Slug, row.Title, row.Addressee, row.Place,
            row.Date is null ? null : DateOnly.ParseExact(row.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            row.Status, row.Review, row.ClosesAt is null ? null : DateTimeOffset.Parse(row.ClosesAt, CultureInfo.InvariantCulture),
            (int)row.Version, row.Body, groups, footnotes, row.ReviewAlerts, row.Language,
            Time.ParseOrNull(row.OpensAt), Time.ParseOrNull(row.ListPublishedAt),
            JsonSerializer.Deserialize<List<string>>(row.EmbedOrigins) ?? []);
    }

    /// <summary>
    /// Letters with the number of organisations listed on each; drafts are never public, nor letters before their
    /// opening time (<see cref="Petition.IsPublicAt"/>). With <paramref name="openOnly"/>, those that take sign-ons now.
    /// </summary>
    public async Task<IReadOnlyList<PetitionSummary>> ListPublicAsync(bool openOnly, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var at = Time.Format(now);
        // Into a class with setters: with no row to look at (every letter before its opening), SQLite cannot type the count for a constructor.
        var rows = await connection.QueryAsync<SummaryRow>("""
            SELECT p.slug, p.title, p.status,
                   (SELECT count(*) FROM signatures s WHERE s.petition_id = p.id AND s.status = 'listed') AS signatoryCount
            FROM petitions p
            WHERE (p.status = 'open' OR (NOT @openOnly AND p.status = 'closed'))
              AND (p.opens_at IS NULL OR p.opens_at <= @at)
              AND (NOT @openOnly OR p.closes_at IS NULL OR p.closes_at > @at)
            ORDER BY p.created_at DESC, p.id DESC
            """, new { openOnly, at });
        return rows.Select(r => new PetitionSummary(r.Slug, r.Title, r.Status, r.SignatoryCount)).ToList();
    }

    public static async Task<long> CreateAsync(DbConnection connection, DbTransaction transaction, LetterInput letter, DateTimeOffset now, string actor)
    {
        var at = Time.Format(now);
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO petitions (slug, title, addressee, place, date, body, status, review, requires_review, review_alerts, language, closes_at, version, created_at, updated_at,
                                   opens_at, list_published_at, embed_origins)
            VALUES (@Slug, @Title, @Addressee, @Place, @Date, @Body, @Status, @review, @review = 'all', @alerts, @language, @ClosesAt, 1, @at, @at,
                    @opensAt, @listPublishedAt, @embedOrigins)
            RETURNING id
            """,
            new
            {
                letter.Slug,
                letter.Title,
                Addressee = letter.Addressee ?? "",
                Place = letter.Place ?? "",
                Date = letter.Date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Body = letter.Body ?? "",
                Status = letter.Status ?? PetitionStatus.Draft,
                review = letter.ReviewOr(ReviewSetting.Flagged),
                alerts = letter.ReviewAlerts ?? ReviewAlertSetting.Each,
                language = letter.Language ?? LetterLanguages.Default,
                ClosesAt = letter.ClosesAt is { } closes ? Time.Format(closes) : null,
                at,
                opensAt = letter.OpensAt is { } opens ? Time.Format(opens) : null,
                listPublishedAt = letter.ListPublishedAt is { } published ? Time.Format(published) : null,
                embedOrigins = JsonSerializer.Serialize(FrameOrigins.NormaliseAll(letter.EmbedOrigins) ?? []),
            }, transaction);
        await WriteStructureAsync(connection, transaction, id, letter);
        await SnapshotAsync(connection, transaction, id, 1, letter, now, actor);
        await connection.ExecuteAsync("""
            INSERT INTO events (petition_id, at, actor, kind, to_status) VALUES (@id, @at, @actor, 'petition-created', @Status)
            """, new { id, at, actor, Status = letter.Status ?? PetitionStatus.Draft }, transaction);
        return id;
    }

    /// <summary>
    /// Replaces a letter's fields. A change to the text of a letter that is no longer a draft is a
    /// new version (organisations keep the version they signed); a draft is simply edited.
    /// </summary>
    /// <returns>The letter's version after the change.</returns>
    public static async Task<int> UpdateAsync(DbConnection connection, DbTransaction transaction, Petition current, LetterInput letter, DateTimeOffset now, string actor)
    {
        var textChanged = current.Title != letter.Title || current.Addressee != (letter.Addressee ?? "") || current.Place != (letter.Place ?? "")
            || current.Date != letter.Date || current.Body != (letter.Body ?? "")
            || JsonSerializer.Serialize(current.DemandGroups) != JsonSerializer.Serialize(letter.DemandGroups ?? [])
            || JsonSerializer.Serialize(current.Footnotes) != JsonSerializer.Serialize(letter.Footnotes ?? []);
        var version = textChanged && current.Status != PetitionStatus.Draft ? current.Version + 1 : current.Version;
        var status = letter.Status ?? current.Status;
        var at = Time.Format(now);
        await connection.ExecuteAsync("""
            UPDATE petitions SET title = @Title, addressee = @Addressee, place = @Place, date = @Date, body = @Body, status = @status,
                   review = @review, requires_review = @review = 'all', review_alerts = @alerts, language = @language, closes_at = @ClosesAt, version = @version, updated_at = @at,
                   opens_at = @opensAt, list_published_at = @listPublishedAt, embed_origins = @embedOrigins
            WHERE id = @Id
            """, new
            {
                letter.Title,
                Addressee = letter.Addressee ?? "",
                Place = letter.Place ?? "",
                Date = letter.Date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Body = letter.Body ?? "",
                status,
                review = letter.ReviewOr(current.Review),
                alerts = letter.ReviewAlerts ?? current.ReviewAlerts,
                language = letter.Language ?? current.Language,
                ClosesAt = letter.ClosesAt is { } closes ? Time.Format(closes) : null,
                version,
                at,
                current.Id,
                opensAt = letter.OpensAt is { } opens ? Time.Format(opens) : null,
                listPublishedAt = letter.ListPublishedAt is { } published ? Time.Format(published) : null,
                // Given no list, an edit keeps the letter's origins, as it keeps its review setting.
                embedOrigins = JsonSerializer.Serialize(FrameOrigins.NormaliseAll(letter.EmbedOrigins) ?? current.Origins),
            }, transaction);
        if (textChanged)
        {
            await connection.ExecuteAsync("DELETE FROM demand_groups WHERE petition_id = @Id; DELETE FROM footnotes WHERE petition_id = @Id;", new { current.Id }, transaction);
            await WriteStructureAsync(connection, transaction, current.Id, letter);
            await SnapshotAsync(connection, transaction, current.Id, version, letter, now, actor);
        }

        await connection.ExecuteAsync("""
            INSERT INTO events (petition_id, at, actor, kind, from_status, to_status, reason)
            VALUES (@Id, @at, @actor, 'petition-edited', @from, @status, @reason)
            """, new { current.Id, at, actor, from = current.Status, status, reason = textChanged ? $"text version {version}" : "settings" }, transaction);
        // A letter taking sign-ons until now is closed by hand: its webhooks hear of it (a closesAt that passed is the sweep's).
        if (status == PetitionStatus.Closed && current.AcceptsSignOns(now))
        {
            Webhooks.WebhookEvents.QueueLetterClosed(connection, transaction, current.Id, now, now);
        }

        return version;
    }

    /// <summary>The text of a letter at a version, as the organisations signing it then saw it.</summary>
    public static Task SnapshotAsync(DbConnection connection, DbTransaction transaction, long petitionId, int version, LetterInput letter, DateTimeOffset now, string actor) =>
        connection.ExecuteAsync("""
            INSERT INTO petition_versions (petition_id, version, title, addressee, place, date, body, demand_groups, footnotes, created_at, actor)
            VALUES (@petitionId, @version, @Title, @Addressee, @Place, @Date, @Body, @groups, @notes, @at, @actor)
            ON CONFLICT (petition_id, version) DO UPDATE SET title = excluded.title, addressee = excluded.addressee, place = excluded.place,
                date = excluded.date, body = excluded.body, demand_groups = excluded.demand_groups, footnotes = excluded.footnotes,
                created_at = excluded.created_at, actor = excluded.actor
            """, new
            {
                petitionId,
                version,
                letter.Title,
                Addressee = letter.Addressee ?? "",
                Place = letter.Place ?? "",
                Date = letter.Date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Body = letter.Body ?? "",
                groups = JsonSerializer.Serialize(letter.DemandGroups ?? [], JsonSerializerOptions.Web),
                notes = JsonSerializer.Serialize(letter.Footnotes ?? [], JsonSerializerOptions.Web),
                at = Time.Format(now),
                actor,
            }, transaction);

    /// <summary>Every letter, for coordinators (drafts included), with the number listed.</summary>
    public async Task<IReadOnlyList<PetitionSummary>> ListAllAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<PetitionSummary>("""
            SELECT p.slug, p.title, p.status,
                   (SELECT count(*) FROM signatures s WHERE s.petition_id = p.id AND s.status = 'listed') AS signatoryCount
            FROM petitions p ORDER BY p.created_at DESC, p.id DESC
            """)).ToList();
    }

    private static async Task WriteStructureAsync(DbConnection connection, DbTransaction transaction, long petitionId, LetterInput letter)
    {
        var position = 0;
        foreach (var group in letter.DemandGroups ?? [])
        {
            var groupId = await connection.ExecuteScalarAsync<long>(
                "INSERT INTO demand_groups (petition_id, position, lead) VALUES (@petitionId, @position, @Lead) RETURNING id",
                new { petitionId, position = position++, group.Lead }, transaction);
            var item = 0;
            foreach (var demand in group.Demands)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO demands (demand_group_id, position, text) VALUES (@groupId, @position, @demand)",
                    new { groupId, position = item++, demand }, transaction);
            }
        }

        foreach (var footnote in letter.Footnotes ?? [])
        {
            await connection.ExecuteAsync(
                "INSERT INTO footnotes (petition_id, number, text) VALUES (@petitionId, @Number, @Text)",
                new { petitionId, footnote.Number, footnote.Text }, transaction);
        }
    }

    // Settable properties rather than a constructor: Dapper then converts SQLite's integers to bool.
    private sealed class SummaryRow
    {
        public string Slug { get; init; } = "";
        public string Title { get; init; } = "";
        public string Status { get; init; } = "";
        public long SignatoryCount { get; init; }
    }

    private sealed class PetitionRow
    {
        public long Id { get; init; }
        public string Slug { get; init; } = "";
        public string Title { get; init; } = "";
        public string Addressee { get; init; } = "";
        public string Place { get; init; } = "";
        public string? Date { get; init; }
        public string Status { get; init; } = "";
        public string Review { get; init; } = ReviewSetting.Flagged;
        public string ReviewAlerts { get; init; } = ReviewAlertSetting.Each;
        public string Language { get; init; } = LetterLanguages.Default;
        public string? ClosesAt { get; init; }
        public long Version { get; init; }
        public string Body { get; init; } = "";
        public string? OpensAt { get; init; }
        public string? ListPublishedAt { get; init; }
        public string EmbedOrigins { get; init; } = "[]";
    }
}
