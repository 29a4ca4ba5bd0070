using System.Data.Common;
using System.Net.Sockets;
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
/// <remarks>
/// <c>Mail:Connections</c> lanes run side by side, each with an SMTP session of its own that stays
/// open while there is work (closed after <see cref="IdleClose"/> without any). A lane claims up to
/// <see cref="BatchSize"/> due rows under a lease and sends them one after another. Each message is
/// recorded sent as soon as the server accepts it, so a node killed mid-batch sends again after the
/// lease only what it had not yet recorded, not the whole batch: on PostgreSQL before the next message
/// goes (on the lane's own connection), on SQLite handed to the group commit (one record in flight per
/// lane, which goes on sending meanwhile). A lane that claims a full batch
/// wakes another, so a backlog is drained by every lane without waiting for the next poll.
/// </remarks>
public sealed class OutboxDispatcher(
    Db db, GroupCommit writer, Outbox outbox, IMailSender sender, IOptions<MailOptions> mail, TimeProvider clock, ILogger<OutboxDispatcher> logger,
    IHostEnvironment environment) : BackgroundService
{
    public const int BatchSize = 100;
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LongestRetry = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(5);

    /// <summary>How long a claim is held before another node may take it over (Mail:LeaseSeconds).</summary>
    public TimeSpan Lease => mail.Value.LeaseSeconds > 0 ? TimeSpan.FromSeconds(mail.Value.LeaseSeconds) : DefaultLease;

    /// <summary>How long an idle lane keeps its session open: long enough to span gaps in a stream of sign-ons.</summary>
    public static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    /// <summary>
    /// How long a lane that keeps up with a steady stream (two partial claims in a row) waits before
    /// sending its batch: rows gather meanwhile, so the stream costs a few write transactions (fsyncs)
    /// a second, not one per handful of messages, and leaves the write lock to the sign-ons.
    /// </summary>
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);
    /// <summary>How long a message already being handed to the server may take to finish once the app stops.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);

    // Parsed once; each message gets a copy (an address belongs to the one list it is added to).
    private readonly Lazy<MailboxAddress> from = new(() => MailboxAddress.Parse(mail.Value.From));

    public int Connections => Math.Clamp(mail.Value.Connections, 1, 64);

    /// <summary>Each lane is a thread of its own, sending synchronously.</summary>
    /// <remarks>
    /// On the thread pool every round trip of every message waited in the pool's queue behind the
    /// requests' work: under a load of page views the confirmation emails fell seconds behind, and the
    /// backlog grew for as long as the load lasted (B3b: 10 s at the median). A lane's thread waits on its
    /// socket and is woken by it.
    /// </remarks>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        MailOptions.WarnIfDefaultSender(environment, mail.Value, logger);
        return Task.WhenAll(Enumerable.Range(1, Connections).Select(number => StartLane(number, stoppingToken)));
    }

    private Task StartLane(int number, CancellationToken stoppingToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                RunLane(stoppingToken);
                done.TrySetResult();
            }
            catch (Exception exception)
            {
                done.TrySetException(exception);
            }
        })
        { IsBackground = true, Name = $"Petitions mail lane {number}" }.Start();
        return done.Task;
    }

    private void RunLane(CancellationToken stoppingToken)
    {
        var lane = new Lane();
        // Sends already under way finish (each within the SMTP timeout, at most StopGrace) when the app
        // stops, so a stop does not leave a message sent but unrecorded.
        using var sending = new CancellationTokenSource();
        using var stopping = stoppingToken.Register(() => sending.CancelAfter(StopGrace));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var claimed = 0;
                try
                {
                    claimed = Round(lane, stoppingToken, sending.Token);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception exception)
                {
                    // The database may be busy or briefly unavailable: try again on the next round.
                    logger.LogWarning(exception, "The outbox could not be read; trying again shortly.");
                }

                if (claimed == 0)
                {
                    if (lane.Session is not null && clock.GetUtcNow() - lane.IdleSince > IdleClose)
                    {
                        lane.Close();
                    }

                    try
                    {
                        outbox.Wait(Poll, stoppingToken);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            // Stopping: what was sent is recorded, and what was claimed but not sent is released at once.
            try
            {
                FinishRecording(lane);
                RecordAndClaim(lane.Sent, 0, CancellationToken.None);
                Release(lane.Claimed.Select(r => r.Id), CancellationToken.None);
            }
            catch (Exception exception) when (exception is DbException or InvalidOperationException)
            {
                logger.LogWarning(exception, "The outbox could not be updated at shutdown; its rows will be sent again after their lease.");
            }

            lane.Close();
        }
    }

    /// <summary>
    /// One round of one lane: records what it sent last round, claims due rows and sends them.
    /// </summary>
    /// <returns>How many messages this round claimed.</returns>
    private int Round(Lane lane, CancellationToken stoppingToken, CancellationToken sendingToken)
    {
        FinishRecording(lane);
        var due = RecordAndClaim(lane.Sent, BatchSize, stoppingToken);
        lane.Sent.Clear();
        if (due.Count == 0)
        {
            lane.LastClaim = 0;
            if (lane.Claimed.Count == 0 && lane.IdleSince == default)
            {
                lane.IdleSince = clock.GetUtcNow();
            }

            return 0;
        }

        var wasIdle = lane.IdleSince != default;
        lane.IdleSince = default;
        if (due.Count == BatchSize)
        {
            // There may be more: another lane takes the next batch now rather than at its next poll.
            outbox.Notify();
        }

        lane.Claimed.AddRange(due);
        if (due.Count < BatchSize && lane.LastClaim is > 0 and < BatchSize)
        {
            // A steady stream the lane keeps up with: these rows wait a moment before they are sent, so
            // the next claim finds more. What was sent is already recorded, so nothing waits for that.
            stoppingToken.WaitHandle.WaitOne(Gather);
            stoppingToken.ThrowIfCancellationRequested();
        }

        lane.LastClaim = due.Count;
        Send(lane, wasIdle, stoppingToken, sendingToken);
        return due.Count;
    }

    /// <summary>Sends the lane's claimed rows, moving each to <see cref="Lane.Sent"/> or recording its failure.</summary>
    private void Send(Lane lane, bool wasIdle, CancellationToken stoppingToken, CancellationToken sendingToken)
    {
        if (wasIdle && lane.Session is { } kept && !kept.IsAlive(sendingToken))
        {
            // The server closed the idle session: open another, no message is lost over it.
            lane.Close();
        }

        if (lane.Session is null)
        {
            try
            {
                lane.Session = sender.Open(sendingToken);
            }
            catch (Exception exception) when (!sendingToken.IsCancellationRequested)
            {
                RecordFailures(lane.Claimed, exception, CancellationToken.None);
                lane.Claimed.Clear();
                return;
            }
        }

        while (lane.Claimed.Count > 0 && !stoppingToken.IsCancellationRequested)
        {
            var row = lane.Claimed[0];
            try
            {
                lane.Session.Send(Compose(row), sendingToken);
                lane.Claimed.RemoveAt(0);
                if (!db.IsPostgres || !TryRecordNow(lane, row.Id))
                {
                    lane.Sent.Add(row.Id);
                    RecordInBackground(lane);
                }
            }
            catch (Exception exception) when (!sendingToken.IsCancellationRequested)
            {
                lane.Claimed.RemoveAt(0);
                RecordFailures([row], exception, CancellationToken.None);
                if (exception is not (SmtpCommandException or ParseException))
                {
                    // The connection is gone: the rest of the batch waits for the next round untouched.
                    lane.Close();
                    Release(lane.Claimed.Select(r => r.Id), CancellationToken.None);
                    lane.Claimed.Clear();
                    return;
                }
            }
        }
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

    private MimeMessage Compose(OutboxMessage row)
    {
        var message = new MimeMessage { MessageId = row.MessageId, Subject = row.Subject };
        message.From.Add(new MailboxAddress(from.Value.Name, from.Value.Address));
        message.To.Add(MailboxAddress.Parse(row.ToAddress));
        // RFC 3834: out-of-office and other automatic replies stay away.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        if (row.ListUnsubscribe is { } unsubscribe)
        {
            // RFC 8058: mail programs offer one-click unsubscribe, a POST to the address.
            message.Headers.Add("List-Unsubscribe", $"<{unsubscribe}>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }

        message.Body = new BodyBuilder { TextBody = row.TextBody ?? "", HtmlBody = row.HtmlBody }.ToMessageBody();
        return message;
    }

    /// <summary>
    /// One short write transaction (one fsync): marks <paramref name="sent"/> sent, then claims up to
    /// <paramref name="claim"/> due rows under a lease. A crash between sending and this write sends
    /// those messages again after the lease, with the same Message-ID, so the receiver can tell.
    /// </summary>
    /// <remarks>Called on a lane's thread, which waits for the commit.</remarks>
    private List<OutboxMessage> RecordAndClaim(List<long> sent, int claim, CancellationToken cancellationToken)
    {
        if (sent.Count == 0 && claim == 0)
        {
            return [];
        }

        // In the app's group commit: the dispatcher's writes share the sign-ons' transactions (and
        // fsyncs) instead of contending with them for SQLite's write lock.
        var now = clock.GetUtcNow();
        var recorded = sent.ToList();
        return writer.RunAsync(
                (connection, transaction) => outbox.RecordSentAndClaimAsync(connection, transaction, recorded, claim, now, now + Lease), cancellationToken)
            .GetAwaiter().GetResult();
    }

    /// <summary>
    /// PostgreSQL: records one message sent before the next is sent, on the lane's own connection (the
    /// group commit's queue there is as deep as the sign-ons' load, and a node killed meanwhile would
    /// send every message still in it again). False when the database cannot be reached.
    /// </summary>
    private bool TryRecordNow(Lane lane, long id)
    {
        try
        {
            if (lane.Recorder is null)
            {
                lane.Recorder = Outbox.OpenRecorderAsync(db).GetAwaiter().GetResult();
            }

            outbox.RecordSentNow(lane.Recorder, id, clock.GetUtcNow());
            return true;
        }
        catch (Exception exception) when (exception is DbException or InvalidOperationException or TimeoutException)
        {
            logger.LogWarning(exception, "A sent email could not be recorded yet; trying again with the next claim.");
            lane.CloseRecorder();
            return false;
        }
    }

    /// <summary>
    /// Starts recording what the lane has sent, unless a record is still in flight (then these wait
    /// for the next message or the next claim): the lane goes on sending meanwhile.
    /// </summary>
    private void RecordInBackground(Lane lane)
    {
        if (lane.Recording is { IsCompleted: false })
        {
            return;
        }

        Harvest(lane);
        if (lane.Sent.Count == 0)
        {
            return;
        }

        var ids = lane.Sent.ToList();
        lane.Sent.Clear();
        var now = clock.GetUtcNow();
        lane.RecordingIds = ids;
        lane.Recording = writer.RunAsync(
            (connection, transaction) => outbox.RecordSentAndClaimAsync(connection, transaction, ids, 0, now, now), CancellationToken.None);
    }

    /// <summary>Waits for the lane's record in flight; rows it failed to record are recorded with the next claim.</summary>
    private void FinishRecording(Lane lane)
    {
        if (lane.Recording is { } recording)
        {
            try
            {
                recording.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // Logged by Harvest, which puts the rows back to be recorded with the next claim.
            }
        }

        Harvest(lane);
    }

    private void Harvest(Lane lane)
    {
        if (lane.Recording is not { IsCompleted: true } recording)
        {
            return;
        }

        if (!recording.IsCompletedSuccessfully)
        {
            logger.LogWarning(recording.Exception?.GetBaseException(), "Sent emails could not be recorded yet; trying again with the next claim.");
            lane.Sent.AddRange(lane.RecordingIds);
        }

        lane.Recording = null;
        lane.RecordingIds = [];
    }

    /// <summary>Records one failure for each row, in one transaction (on a lane's thread, which waits for it).</summary>
    private void RecordFailures(IReadOnlyList<OutboxMessage> rows, Exception exception, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var error = Describe(exception);
        var permanent = IsPermanent(exception);
        writer.RunAsync(async (connection, transaction) =>
        {
            await RecordFailuresAsync(connection, transaction, rows, exception, error, permanent, now);
            return 0;
        }, cancellationToken).GetAwaiter().GetResult();
    }

    private async Task RecordFailuresAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<OutboxMessage> rows, Exception exception, string error, bool permanent, DateTimeOffset now)
    {
        foreach (var row in rows)
        {
            var attempts = (int)row.Attempts + 1;
            if (permanent)
            {
                // The log gets the kind of failure only: a server's message often quotes the recipient's address.
                logger.LogWarning("Email {Id} failed permanently ({Kind}).", row.Id, Kind(exception));
                await outbox.MarkFailedAsync(connection, transaction, row.Id, attempts, error, now);
                continue;
            }

            var delay = Backoff(attempts);
            logger.LogInformation("Email {Id} will be retried in {Delay} ({Kind}).", row.Id, delay, Kind(exception));
            await outbox.RetryLaterAsync(connection, transaction, row.Id, attempts, error, now + delay);
        }
    }

    private void Release(IEnumerable<long> rows, CancellationToken cancellationToken)
    {
        var ids = rows.ToList();
        if (ids.Count == 0)
        {
            return;
        }

        writer.RunAsync((connection, transaction) => outbox.ReleaseAsync(connection, transaction, ids), cancellationToken)
            .GetAwaiter().GetResult();
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

    /// <summary>One lane's session and the rows it holds between rounds.</summary>
    private sealed class Lane
    {
        public IMailSession? Session { get; set; }

        /// <summary>Claimed (leased) and not yet sent, in order.</summary>
        public List<OutboxMessage> Claimed { get; } = [];

        /// <summary>Sent and not yet handed to a record.</summary>
        public List<long> Sent { get; } = [];

        /// <summary>The record of sent rows in flight, if any, and the rows it holds.</summary>
        public Task? Recording { get; set; }

        public List<long> RecordingIds { get; set; } = [];

        /// <summary>PostgreSQL: the connection the lane records sent messages on, one at a time.</summary>
        public DbConnection? Recorder { get; set; }

        public void CloseRecorder()
        {
            if (Recorder is { } recorder)
            {
                Recorder = null;
                recorder.Dispose();
            }
        }

        public DateTimeOffset IdleSince { get; set; }

        /// <summary>How many rows the lane's last claim returned.</summary>
        public int LastClaim { get; set; }

        public void Close()
        {
            CloseRecorder();
            if (Session is { } session)
            {
                Session = null;
                session.Dispose();
            }
        }
    }
}
