using System.Net.Sockets;
using Dapper;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using Petitions.Data;

namespace Petitions.Email;

/// <summary>
/// Sends what the outbox holds. Transient failures (4xx replies, timeouts, refused or dropped
/// connections) are retried with capped exponential backoff and jitter; permanent ones (5xx) are
/// marked failed for a coordinator to see. Rows are leased while being sent, so a crash only
/// delays them; a row keeps its Message-ID across every attempt.
/// </summary>
public sealed class OutboxDispatcher(
    Db db, Outbox outbox, IMailSender sender, IOptions<MailOptions> mail, TimeProvider clock, ILogger<OutboxDispatcher> logger) : BackgroundService
{
    public const int BatchSize = 100;
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LongestRetry = TimeSpan.FromHours(1);
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var handled = 0;
            try
            {
                handled = await DispatchDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The database may be busy or briefly unavailable: try again on the next round.
                logger.LogWarning(exception, "The outbox could not be read; trying again shortly.");
            }

            if (handled < BatchSize)
            {
                try
                {
                    await outbox.WaitAsync(Poll, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <returns>How many messages this round claimed.</returns>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        List<OutboxRow> due;
        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            await using var transaction = Db.BeginWrite(connection);
            due = (await connection.QueryAsync<OutboxRow>("""
                UPDATE outbox SET lease_until = @leaseUntil
                WHERE id IN (
                    SELECT id FROM outbox
                    WHERE status = 'pending' AND due_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
                    ORDER BY due_at, id LIMIT @BatchSize)
                RETURNING id, to_address AS toAddress, subject, text_body AS textBody, html_body AS htmlBody,
                          message_id AS messageId, attempts
                """, new { now = Time.Format(now), leaseUntil = Time.Format(now + Lease), BatchSize }, transaction)).ToList();
            await transaction.CommitAsync(cancellationToken);
        }

        if (due.Count == 0)
        {
            return 0;
        }

        IMailSession? session = null;
        try
        {
            session = await sender.OpenAsync(cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            foreach (var row in due)
            {
                await RecordFailureAsync(row, exception, cancellationToken);
            }

            return due.Count;
        }

        var sent = new List<long>(due.Count);
        await using (session)
        {
            for (var i = 0; i < due.Count; i++)
            {
                var row = due[i];
                try
                {
                    var message = Compose(row);
                    await session.SendAsync(message, cancellationToken);
                    sent.Add(row.Id);
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    await RecordFailureAsync(row, exception, cancellationToken);
                    if (exception is not (SmtpCommandException or ParseException))
                    {
                        // The connection is gone: the rest of the batch waits for the next round untouched.
                        await ReleaseAsync(due.Skip(i + 1), cancellationToken);
                        break;
                    }
                }
            }
        }

        await RecordSentAsync(sent, cancellationToken);
        return due.Count;
    }

    /// <summary>
    /// A 5xx reply is the server's final word, and an address that cannot be parsed will not parse
    /// later either; everything else may work on a later try.
    /// </summary>
    public static bool IsPermanent(Exception exception) =>
        (exception is SmtpCommandException command && (int)command.StatusCode >= 500) || exception is ParseException;

    public static TimeSpan Backoff(int attempts)
    {
        var exponential = FirstRetry * Math.Pow(2, Math.Min(attempts - 1, 20));
        var capped = exponential < LongestRetry ? exponential : LongestRetry;
        // ±20 % jitter, so a backlog does not return to the server all at once.
        return capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }

    private MimeMessage Compose(OutboxRow row)
    {
        var message = new MimeMessage { MessageId = row.MessageId, Subject = row.Subject };
        message.From.Add(MailboxAddress.Parse(mail.Value.From));
        message.To.Add(MailboxAddress.Parse(row.ToAddress));
        message.Body = new BodyBuilder { TextBody = row.TextBody ?? "", HtmlBody = row.HtmlBody }.ToMessageBody();
        return message;
    }

    // One transaction (one fsync) for the whole batch. A crash between sending and this write sends
    // those messages again after the lease, with the same Message-ID, so the receiver can tell.
    private async Task RecordSentAsync(List<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        await connection.ExecuteAsync("""
            UPDATE outbox SET status = 'sent', sent_at = @at, attempts = attempts + 1, lease_until = NULL,
                              text_body = NULL, html_body = NULL, last_error = NULL
            WHERE id IN @ids
            """, new { at = Time.Format(clock.GetUtcNow()), ids }, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task RecordFailureAsync(OutboxRow row, Exception exception, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var attempts = (int)row.Attempts + 1;
        var error = Describe(exception);
        await using var connection = await db.OpenAsync(cancellationToken);
        if (IsPermanent(exception))
        {
            // The log gets the kind of failure only: a server's message often quotes the recipient's address.
            logger.LogWarning("Email {Id} failed permanently ({Kind}).", row.Id, Kind(exception));
            await connection.ExecuteAsync("""
                UPDATE outbox SET status = 'failed', failed_at = @at, attempts = @attempts, lease_until = NULL, last_error = @error
                WHERE id = @Id
                """, new { at = Time.Format(now), attempts, error, row.Id });
            return;
        }

        var delay = Backoff(attempts);
        logger.LogInformation("Email {Id} will be retried in {Delay} ({Kind}).", row.Id, delay, Kind(exception));
        await connection.ExecuteAsync("""
            UPDATE outbox SET due_at = @due, attempts = @attempts, lease_until = NULL, last_error = @error WHERE id = @Id
            """, new { due = Time.Format(now + delay), attempts, error, row.Id });
    }

    private async Task ReleaseAsync(IEnumerable<OutboxRow> rows, CancellationToken cancellationToken)
    {
        var ids = rows.Select(r => r.Id).ToList();
        if (ids.Count == 0)
        {
            return;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE outbox SET lease_until = NULL WHERE id IN @ids", new { ids });
    }

    private static string Kind(Exception exception) =>
        exception is SmtpCommandException command ? $"SMTP {(int)command.StatusCode}" : exception.GetType().Name;

    // Never the message itself: its body holds one-time links.
    private static string Describe(Exception exception) => exception switch
    {
        SmtpCommandException command => $"{(int)command.StatusCode} {command.ErrorCode}: {command.Message}",
        SmtpProtocolException or ServiceNotConnectedException or IOException or SocketException or TimeoutException or OperationCanceledException
            => $"{exception.GetType().Name}: {exception.Message}",
        _ => exception.GetType().Name + ": " + exception.Message,
    };

    private sealed class OutboxRow
    {
        public long Id { get; init; }
        public string ToAddress { get; init; } = "";
        public string Subject { get; init; } = "";
        public string? TextBody { get; init; }
        public string? HtmlBody { get; init; }
        public string MessageId { get; init; } = "";
        public long Attempts { get; init; }
    }
}
