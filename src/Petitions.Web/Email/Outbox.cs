using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using MimeKit;
using Petitions.Data;

namespace Petitions.Email;

/// <summary>An email to send: written to the outbox in the transaction of the change that caused it.</summary>
/// <param name="ListUnsubscribe">The one-click unsubscribe address (RFC 8058) of a message sent to a list, such as an update.</param>
public sealed record OutgoingEmail(
    string Kind, string To, string Subject, string Text, string Html, long? PetitionId = null, long? SignatureId = null, string? ListUnsubscribe = null);

/// <summary>
/// The outbox table and its SQL: emails are queued in the transaction of the change that caused them,
/// and the dispatcher (<see cref="OutboxDispatcher"/>) claims, records and releases them through here.
/// </summary>
/// <remarks>
/// On PostgreSQL several nodes' dispatchers share the table: a claim skips rows another transaction
/// holds (<c>FOR UPDATE SKIP LOCKED</c>) and records the node in <c>claimed_by</c>; a node that dies
/// leaves its leases to expire, and another node then sends the same rows with the same Message-IDs.
/// A node only releases or reschedules rows it still holds, so it never undoes another's claim.
/// </remarks>
public sealed class Outbox(IOptions<MailOptions> options, Db? db = null) : IDisposable
{
    private readonly SemaphoreSlim signal = new(0, 1);

    /// <summary>This process's name in <c>claimed_by</c>: unique per start, readable in the table.</summary>
    public string Node { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    private bool IsPostgres => db?.IsPostgres == true;

    /// <summary>On PostgreSQL a row is changed only while this node holds it (its lease may have passed to another).</summary>
    private string Held => IsPostgres ? " AND claimed_by = @node" : "";

    private string? domain;

    private string Domain => domain ??= MailboxAddress.TryParse(options.Value.From, out var from) && from.Domain is { Length: > 0 } d ? d : "localhost";

    /// <summary>Queues an email in the caller's transaction; call <see cref="Notify"/> after the commit.</summary>
    /// <param name="due">When it may go, if later than <paramref name="now"/> (updates are paced so).</param>
    /// <returns>Its Message-ID.</returns>
    public string Enqueue(DbConnection connection, DbTransaction transaction, OutgoingEmail email, DateTimeOffset now, DateTimeOffset? due = null)
    {
        // The Message-ID is fixed now, so a message resent after an ambiguous failure keeps it.
        // Version 7 GUIDs start with the time: new IDs go to the end of the unique index on message_id,
        // not to a random page of it (one page written per email instead of one per email and index page).
        var messageId = $"{Guid.CreateVersion7(now):N}@{Domain}";
        var at = Time.Format(now);
        if (email.ListUnsubscribe is null && due is null)
        {
            Prepared.Command(connection, transaction, """
                INSERT INTO outbox (kind, petition_id, signature_id, to_address, subject, text_body, html_body, message_id, created_at, due_at)
                VALUES (@kind, @petitionId, @signatureId, @to, @subject, @text, @html, @messageId, @at, @at)
                """)
                .With("@kind", email.Kind).With("@petitionId", email.PetitionId).With("@signatureId", email.SignatureId).With("@to", email.To)
                .With("@subject", email.Subject).With("@text", email.Text).With("@html", email.Html).With("@messageId", messageId).With("@at", at)
                .ExecuteNonQuery();
            return messageId;
        }

        Prepared.Command(connection, transaction, """
            INSERT INTO outbox (kind, petition_id, signature_id, to_address, subject, text_body, html_body, message_id, created_at, due_at, list_unsubscribe)
            VALUES (@kind, @petitionId, @signatureId, @to, @subject, @text, @html, @messageId, @at, @due, @listUnsubscribe)
            """)
            .With("@kind", email.Kind).With("@petitionId", email.PetitionId).With("@signatureId", email.SignatureId).With("@to", email.To)
            .With("@subject", email.Subject).With("@text", email.Text).With("@html", email.Html).With("@messageId", messageId).With("@at", at)
            .With("@due", Time.Format(due is { } later && later > now ? later : now)).With("@listUnsubscribe", email.ListUnsubscribe)
            .ExecuteNonQuery();
        return messageId;
    }

    /// <summary><see cref="Enqueue"/> for many emails at once, on PostgreSQL: one statement. None has a later due time or a List-Unsubscribe.</summary>
    public void EnqueueAll(DbConnection connection, DbTransaction transaction, IReadOnlyList<(OutgoingEmail Email, DateTimeOffset Now)> queued)
    {
        var emails = queued.Select(q => q.Email).ToList();
        if (emails.Count == 0)
        {
            return;
        }

        if (emails.Any(e => e.ListUnsubscribe is not null))
        {
            throw new ArgumentException("Emails with a List-Unsubscribe are queued one by one.", nameof(queued));
        }

        string?[] Each(Func<OutgoingEmail, string?> field) => emails.Select(field).ToArray();
        Prepared.Command(connection, transaction, """
            INSERT INTO outbox (kind, petition_id, signature_id, to_address, subject, text_body, html_body, message_id, created_at, due_at)
            SELECT e.kind, e.petition_id, e.signature_id, e.to_address, e.subject, e.text_body, e.html_body, e.message_id, e.at, e.at
            FROM unnest(@kinds::text[], @petitionIds::bigint[], @signatureIds::bigint[], @tos::text[], @subjects::text[], @texts::text[],
                        @htmls::text[], @messageIds::text[], @ats::text[]) WITH ORDINALITY
                 AS e(kind, petition_id, signature_id, to_address, subject, text_body, html_body, message_id, at, n)
            ORDER BY e.n
            """)
            .With("@kinds", Each(e => e.Kind)).With("@petitionIds", emails.Select(e => e.PetitionId).ToArray())
            .With("@signatureIds", emails.Select(e => e.SignatureId).ToArray()).With("@tos", Each(e => e.To))
            .With("@subjects", Each(e => e.Subject)).With("@texts", Each(e => e.Text)).With("@htmls", Each(e => e.Html))
            .With("@messageIds", queued.Select(q => $"{Guid.CreateVersion7(q.Now):N}@{Domain}").ToArray())
            .With("@ats", queued.Select(q => Time.Format(q.Now)).ToArray())
            .ExecuteNonQuery();
    }

    /// <summary>
    /// Marks <paramref name="sent"/> sent (their bodies, which hold one-time links, dropped), then
    /// claims up to <paramref name="claim"/> due rows, oldest first, leased until <paramref name="leaseUntil"/>.
    /// </summary>
    public async Task<List<OutboxMessage>> RecordSentAndClaimAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyCollection<long> sent, int claim, DateTimeOffset now, DateTimeOffset leaseUntil)
    {
        if (sent.Count > 0)
        {
            await connection.ExecuteAsync($"""
                UPDATE outbox SET status = 'sent', sent_at = @at, attempts = attempts + 1, lease_until = NULL,
                                  text_body = NULL, html_body = NULL, list_unsubscribe = NULL, last_error = NULL
                WHERE id {SqlLists.In(connection, "@sent")}
                """, new { at = Time.Format(now), sent = sent.ToArray() }, transaction);
        }

        // PostgreSQL: rows another node's open transaction is claiming are skipped, not waited for and
        // then claimed a second time (the outer IN would still match them once that node commits).
        return claim == 0 ? [] : (await connection.QueryAsync<OutboxMessage>($"""
            UPDATE outbox SET lease_until = @leaseUntil{(IsPostgres ? ", claimed_by = @node" : "")}
            WHERE id IN (
                SELECT id FROM outbox
                WHERE status = 'pending' AND due_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
                ORDER BY due_at, id LIMIT @claim{(IsPostgres ? " FOR UPDATE SKIP LOCKED" : "")})
            RETURNING id, to_address AS toAddress, subject, text_body AS textBody, html_body AS htmlBody,
                      message_id AS messageId, attempts, list_unsubscribe AS listUnsubscribe
            """, new { now = Time.Format(now), leaseUntil = Time.Format(leaseUntil), claim, node = Node }, transaction)).OrderBy(r => r.Id).ToList();
    }

    /// <summary>
    /// PostgreSQL: marks one message sent at once, in a statement of its own on the lane's own
    /// connection, without waiting for the WAL's flush (<see cref="OpenRecorderAsync"/>): the record is
    /// lost only if the database server itself fails, and then the message is sent again.
    /// </summary>
    public void RecordSentNow(DbConnection connection, long id, DateTimeOffset now) =>
        Prepared.Command(connection, null, $"""
            UPDATE outbox SET status = 'sent', sent_at = @at, attempts = attempts + 1, lease_until = NULL,
                              text_body = NULL, html_body = NULL, list_unsubscribe = NULL, last_error = NULL
            WHERE id = @id{Held}
            """)
            .With("@at", Time.Format(now)).With("@id", id).With("@node", Node)
            .ExecuteNonQuery();

    /// <summary>
    /// A lane's recording connection (PostgreSQL), on which commits do not wait for the WAL's flush.
    /// Outside the pool: were it pooled, a connection string with <c>No Reset On Close</c> would hand
    /// the setting on to the writers, and sign-ons would be acknowledged before they are on disk.
    /// </summary>
    public static async Task<DbConnection> OpenRecorderAsync(Db db)
    {
        var connection = await db.OpenDedicatedPostgresAsync();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SET synchronous_commit = off";
            await command.ExecuteNonQueryAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A message the server refused for good: it stays failed, for a coordinator to see.</summary>
    public Task MarkFailedAsync(DbConnection connection, DbTransaction transaction, long id, int attempts, string error, DateTimeOffset now) =>
        connection.ExecuteAsync($"""
            UPDATE outbox SET status = 'failed', failed_at = @at, attempts = @attempts, lease_until = NULL, last_error = @error
            WHERE id = @id{Held}
            """, new { at = Time.Format(now), attempts, error, id, node = Node }, transaction);

    /// <summary>A message that may go on a later try: due again at <paramref name="due"/>, its lease given up.</summary>
    public Task RetryLaterAsync(DbConnection connection, DbTransaction transaction, long id, int attempts, string error, DateTimeOffset due) =>
        connection.ExecuteAsync($"""
            UPDATE outbox SET due_at = @due, attempts = @attempts, lease_until = NULL, last_error = @error WHERE id = @id{Held}
            """, new { due = Time.Format(due), attempts, error, id, node = Node }, transaction);

    /// <summary>Gives up the lease on claimed rows that were not sent, so they go on the next claim.</summary>
    /// <returns>How many rows were released.</returns>
    public Task<int> ReleaseAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<long> ids) =>
        connection.ExecuteAsync($"UPDATE outbox SET lease_until = NULL WHERE id {SqlLists.In(connection, "@ids")}{Held}", new { ids = ids.ToArray(), node = Node }, transaction);

    /// <summary>Wakes the dispatcher: something committed is waiting.</summary>
    public void Notify()
    {
        if (signal.CurrentCount == 0)
        {
            try
            {
                signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled: one wake-up is enough.
            }
        }
    }

    public void Dispose() => signal.Dispose();

    /// <summary>Blocks the calling thread (a dispatcher's lane) until <see cref="Notify"/> or the timeout.</summary>
    internal bool Wait(TimeSpan timeout, CancellationToken cancellationToken) => signal.Wait(timeout, cancellationToken);
}

/// <summary>A claimed outbox row: what the dispatcher needs to send it.</summary>
public sealed class OutboxMessage
{
    public long Id { get; init; }
    public string ToAddress { get; init; } = "";
    public string Subject { get; init; } = "";
    public string? TextBody { get; init; }
    public string? HtmlBody { get; init; }
    public string MessageId { get; init; } = "";
    public long Attempts { get; init; }

    /// <summary>The one-click unsubscribe address, for the List-Unsubscribe headers; null but on updates.</summary>
    public string? ListUnsubscribe { get; init; }
}
