using System.Buffers.Text;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Petitions.Data;
using Petitions.Email;
using Petitions.Petitions;

namespace Petitions.Updates;

/// <summary>The pace of updates (<c>Updates:PerMinute</c>): how many update emails leave per minute, whatever the letter or node.</summary>
public sealed class UpdatesOptions
{
    public const int DefaultPerMinute = 120;

    public int PerMinute { get; set; } = DefaultPerMinute;

    /// <summary>The time between two update emails.</summary>
    public TimeSpan Interval => TimeSpan.FromMinutes(1) / Math.Max(1, PerMinute);
}

/// <summary>A sent update with its counts.</summary>
public sealed record UpdateDocument(
    long Id, string Subject, string Body, string Language, IReadOnlyDictionary<string, UpdateText> Translations, DateTimeOffset CreatedAt,
    long Recipients, long Sent, long Failed, long Unsubscribed);

/// <summary>What an unsubscribe link names: the letter, and whether the address was still subscribed.</summary>
public sealed record UnsubscribeTarget(string Slug, string Title, string Email);

/// <summary>
/// Updates to a letter's signatories: queued in one transaction with every recipient's email, each
/// due at its turn under <see cref="UpdatesOptions.PerMinute"/>, and the one-click unsubscribe.
/// </summary>
/// <remarks>
/// Recipients are the confirmed contacts (the signer of a confirmed or listed signature, and its
/// further contacts who confirmed their address) who asked for updates and have not unsubscribed from
/// this letter's; one email per address. Updates are not sign-on emails: they neither count toward
/// nor are held back by the 5-a-day cap on those, since only a coordinator sends them, once per update,
/// to addresses that asked for them.
/// </remarks>
public sealed class LetterUpdates(Db db, Outbox outbox, TimeProvider clock, Web.PublicBaseUrl publicBase, IOptions<PetitionsOptions> options,
    IOptions<UpdatesOptions> pace)
{
    public const string Kind = "letter-update";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Queues an update to every recipient; the emails leave at the configured pace.</summary>
    /// <param name="input">A cleaned input that passed <see cref="UpdateRules.Check"/>.</param>
    public async Task<UpdateDocument> QueueAsync(Petition letter, UpdateInput input, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        ArgumentNullException.ThrowIfNull(input);
        var now = clock.GetUtcNow();
        var translations = (input.Translations ?? []).Where(t => t.Value is not null).ToDictionary(t => t.Key, t => t.Value!, StringComparer.Ordinal);
        long id;
        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            await using var transaction = Db.BeginWrite(connection);
            id = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO letter_updates (petition_id, language, subject, body, translations, created_at, actor)
                VALUES (@Id, @Language, @subject, @body, @translations, @at, @actor)
                RETURNING id
                """, new { letter.Id, letter.Language, subject = input.Subject, body = input.Body, translations = JsonSerializer.Serialize(translations, Json),
                    at = Time.Format(now), actor }, transaction);

            var recipients = await RecipientsAsync(connection, transaction, letter.Id);
            var interval = pace.Value.Interval;
            var start = await ReserveAsync(connection, transaction, now, interval, recipients.Count);
            var brand = EmailBrand.From(options);
            var rendered = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < recipients.Count; i++)
            {
                var recipient = recipients[i];
                var (language, subject, body) = input.For(recipient.Language, letter.Language);
                if (!rendered.TryGetValue(language, out var html))
                {
                    rendered[language] = html = LetterMarkdown.ToHtml(body);
                }

                var (token, hash) = Web.SecretTokens.New();
                var link = publicBase.Link($"/unsubscribe/{token}");
                var email = UpdateEmail(brand, language, recipient.Email, letter.Title, subject, body, html, link) with
                {
                    PetitionId = letter.Id, SignatureId = recipient.SignatureId, ListUnsubscribe = link,
                };
                var messageId = outbox.Enqueue(connection, transaction, email, now, start + (interval * i));
                Prepared.Command(connection, transaction, """
                    INSERT INTO letter_update_recipients (update_id, signature_id, contact_id, token_hash, message_id)
                    VALUES (@updateId, @signatureId, @contactId, @hash, @messageId)
                    """)
                    .With("@updateId", id).With("@signatureId", recipient.SignatureId).With("@contactId", recipient.ContactId)
                    .With("@hash", hash).With("@messageId", messageId)
                    .ExecuteNonQuery();
            }

            await transaction.CommitAsync(cancellationToken);
        }

        outbox.Notify();
        return (await FindAsync(letter.Id, id, cancellationToken))!;
    }

    /// <summary>
    /// The first sending slot of <paramref name="count"/> emails, and the slots after them taken: the
    /// pacing row is locked (PostgreSQL: FOR UPDATE; SQLite: the write transaction) until the commit, so
    /// updates queued at once on any nodes take turns instead of sharing the pace.
    /// </summary>
    private static async Task<DateTimeOffset> ReserveAsync(DbConnection connection, DbTransaction transaction, DateTimeOffset now, TimeSpan interval, int count)
    {
        await connection.ExecuteAsync("INSERT INTO update_pacing (id, next_at) VALUES (1, @now) ON CONFLICT (id) DO NOTHING",
            new { now = Time.Format(now) }, transaction);
        var next = Time.Parse(await connection.ExecuteScalarAsync<string>(
            connection is NpgsqlConnection ? "SELECT next_at FROM update_pacing WHERE id = 1 FOR UPDATE" : "SELECT next_at FROM update_pacing WHERE id = 1",
            transaction: transaction) ?? Time.Format(now));
        var start = next > now ? next : now;
        await connection.ExecuteAsync("UPDATE update_pacing SET next_at = @next WHERE id = 1",
            new { next = Time.Format(start + (interval * count)) }, transaction);
        return start;
    }

    private static async Task<List<Recipient>> RecipientsAsync(DbConnection connection, DbTransaction transaction, long petitionId)
    {
        // Signers first, then further contacts, each in the order they signed: an address on several gets one email.
        var rows = await connection.QueryAsync<Recipient>("""
            SELECT s.id AS signatureId, NULL AS contactId, s.contact_email AS email, s.language AS language, 0 AS ord
            FROM signatures s
            WHERE s.petition_id = @petitionId AND s.status IN ('confirmed', 'listed') AND s.wants_updates = @yes
              AND s.updates_stopped_at IS NULL AND s.contact_email IS NOT NULL
            UNION ALL
            SELECT s.id, c.id, c.email, s.language, 1
            FROM contacts c JOIN signatures s ON s.id = c.signature_id
            WHERE s.petition_id = @petitionId AND s.status IN ('confirmed', 'listed') AND c.confirmed_at IS NOT NULL AND c.wants_updates = @yes
              AND c.updates_stopped_at IS NULL
            ORDER BY ord, signatureId, contactId
            """, new { petitionId, yes = true }, transaction);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return [.. rows.Where(r => seen.Add(r.Email))];
    }

    /// <summary>How many addresses an update of the letter would go to now.</summary>
    public async Task<int> CountRecipientsAsync(long petitionId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        return (await RecipientsAsync(connection, transaction, petitionId)).Count;
    }

    /// <summary>An update's email: its text, then why it came and the link that stops the next ones.</summary>
    public static OutgoingEmail UpdateEmail(EmailBrand brand, string language, string to, string letter, string subject, string body, string html, string unsubscribe)
    {
        var words = Web.Languages.Find(language);
        return new EmailBody(brand, words)
            .Markdown(body, html)
            .Link(Sentence.Format(Resources.Texts.Email("You receive this update because you asked for updates about the letter \"{0}\" when you signed it.", words.Culture), letter),
                Resources.Texts.Email("Unsubscribe", words.Culture), unsubscribe)
            .Finish(Kind, to, subject);
    }

    /// <summary>A letter's updates, newest first, with their counts.</summary>
    public async Task<IReadOnlyList<UpdateDocument>> ListAsync(long petitionId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return [.. (await connection.QueryAsync<UpdateRow>(Select + " WHERE u.petition_id = @petitionId ORDER BY u.id DESC", new { petitionId })).Select(Document)];
    }

    public async Task<UpdateDocument?> FindAsync(long petitionId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<UpdateRow>(Select + " WHERE u.petition_id = @petitionId AND u.id = @id", new { petitionId, id });
        return row is null ? null : Document(row);
    }

    // Sent and failed from the outbox rows of the update's recipients; unsubscribed: the recipient's
    // address stopped this letter's updates at or after the update was written.
    private const string Select = """
        SELECT u.id, u.subject, u.body, u.language, u.translations, u.created_at AS createdAt,
               (SELECT count(*) FROM letter_update_recipients r WHERE r.update_id = u.id) AS recipients,
               (SELECT count(*) FROM letter_update_recipients r JOIN outbox o ON o.message_id = r.message_id
                WHERE r.update_id = u.id AND o.status = 'sent') AS sent,
               (SELECT count(*) FROM letter_update_recipients r JOIN outbox o ON o.message_id = r.message_id
                WHERE r.update_id = u.id AND o.status = 'failed') AS failed,
               (SELECT count(*) FROM letter_update_recipients r JOIN signatures s ON s.id = r.signature_id LEFT JOIN contacts c ON c.id = r.contact_id
                WHERE r.update_id = u.id
                  AND (CASE WHEN r.contact_id IS NULL THEN s.updates_stopped_at ELSE c.updates_stopped_at END) >= u.created_at) AS unsubscribed
        FROM letter_updates u
        """;

    private static UpdateDocument Document(UpdateRow row) => new(
        row.Id, row.Subject, row.Body, row.Language,
        JsonSerializer.Deserialize<Dictionary<string, UpdateText>>(row.Translations, Json) ?? [],
        Time.Parse(row.CreatedAt), row.Recipients, row.Sent, row.Failed, row.Unsubscribed);

    /// <summary>What an unsubscribe link names, without changing anything (its GET: mail scanners fetch links).</summary>
    public async Task<UnsubscribeTarget?> PeekAsync(string? token, CancellationToken cancellationToken)
    {
        if (Web.SecretTokens.HashOf(token) is not { } hash)
        {
            return null;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        return await TargetAsync(connection, null, hash);
    }

    /// <summary>Stops the letter's updates to the link's address, on every signature and contact of the letter that carries it.</summary>
    /// <returns>What it names, or null for a link we never made.</returns>
    public async Task<UnsubscribeTarget?> UnsubscribeAsync(string? token, CancellationToken cancellationToken)
    {
        if (Web.SecretTokens.HashOf(token) is not { } hash)
        {
            return null;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        if (await TargetAsync(connection, transaction, hash) is not { } target)
        {
            return null;
        }

        var at = Time.Format(clock.GetUtcNow());
        var petitionId = await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = @Slug", new { target.Slug }, transaction);
        await connection.ExecuteAsync("""
            UPDATE signatures SET updates_stopped_at = @at
            WHERE petition_id = @petitionId AND contact_email = @Email COLLATE NOCASE AND updates_stopped_at IS NULL
            """, new { at, petitionId, target.Email }, transaction);
        await connection.ExecuteAsync("""
            UPDATE contacts SET updates_stopped_at = @at
            WHERE email = @Email COLLATE NOCASE AND updates_stopped_at IS NULL
              AND signature_id IN (SELECT id FROM signatures WHERE petition_id = @petitionId)
            """, new { at, petitionId, target.Email }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return target;
    }

    private static Task<UnsubscribeTarget?> TargetAsync(DbConnection connection, DbTransaction? transaction, byte[] hash) =>
        connection.QuerySingleOrDefaultAsync<UnsubscribeTarget?>("""
            SELECT p.slug, p.title, coalesce(c.email, s.contact_email) AS email
            FROM letter_update_recipients r
            JOIN letter_updates u ON u.id = r.update_id
            JOIN petitions p ON p.id = u.petition_id
            JOIN signatures s ON s.id = r.signature_id
            LEFT JOIN contacts c ON c.id = r.contact_id
            WHERE r.token_hash = @hash AND coalesce(c.email, s.contact_email) IS NOT NULL
            """, new { hash }, transaction);

    // Dapper rows as settable properties: SQLite's loose types then convert.
    private sealed class Recipient
    {
        public long SignatureId { get; init; }
        public long? ContactId { get; init; }
        public string Email { get; init; } = "";
        public string? Language { get; init; }
        public long Ord { get; init; }
    }

    private sealed class UpdateRow
    {
        public long Id { get; init; }
        public string Subject { get; init; } = "";
        public string Body { get; init; } = "";
        public string Language { get; init; } = "";
        public string Translations { get; init; } = "{}";
        public string CreatedAt { get; init; } = "";
        public long Recipients { get; init; }
        public long Sent { get; init; }
        public long Failed { get; init; }
        public long Unsubscribed { get; init; }
    }
}
