using System.Data.Common;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Options;
using Petitions.Coordinators;
using Petitions.Data;
using Petitions.Email;
using Petitions.Petitions;

namespace Petitions.Signatures;

/// <summary>
/// For letters whose coordinators chose <see cref="ReviewAlertSetting.Daily"/>: once a day, at
/// <see cref="PetitionsOptions.ReviewDigestAt"/> (UTC), one email to each coordinator listing every
/// sign-on waiting for review. The day's row in review_digests is inserted in the transaction that
/// queues the emails, so of several nodes exactly one sends a letter's digest, and a node that was
/// down sends the day's digest when it comes back (missed days are not sent one by one).
/// </summary>
public sealed class ReviewDigests(
    Db db, Notifications notifications, Outbox outbox, TimeProvider clock, IOptions<PetitionsOptions> options, ILogger<ReviewDigests> logger)
    : BackgroundService
{
    /// <summary>How often a node looks for a digest that is due: a digest goes out at most this late.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(5);

    /// <summary>The latest digest time at or before <paramref name="now"/>.</summary>
    public static DateTimeOffset LastDue(DateTimeOffset now, TimeSpan at)
    {
        // A time of day: 25:00 is read as 01:00, and a negative one counted back from midnight.
        var ticks = ((at.Ticks % TimeSpan.TicksPerDay) + TimeSpan.TicksPerDay) % TimeSpan.TicksPerDay;
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero) + TimeSpan.FromTicks(ticks);
        return today <= now ? today : today.AddDays(-1);
    }

    /// <returns>How many letters' digests this run sent (a letter with nothing waiting sends none).</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var due = LastDue(now, options.Value.ReviewDigestAt);
        var day = due.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using var connection = await db.OpenAsync(cancellationToken);
        var letters = (await connection.QueryAsync<long>("""
            SELECT p.id FROM petitions p
            WHERE p.review_alerts = 'daily' AND NOT EXISTS (SELECT 1 FROM review_digests d WHERE d.petition_id = p.id AND d.day = @day)
            ORDER BY p.id
            """, new { day })).ToList();
        var sent = 0;
        foreach (var letter in letters)
        {
            if (await SendAsync(connection, letter, day, due, now, cancellationToken))
            {
                sent++;
            }
        }

        if (sent > 0)
        {
            outbox.Notify();
        }

        return sent;
    }

    private async Task<bool> SendAsync(DbConnection connection, long petitionId, string day, DateTimeOffset due, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = Db.BeginWrite(connection);
        // The claim: a second node inserting the same key waits for this transaction, then inserts nothing.
        var claimed = await connection.ExecuteAsync("""
            INSERT INTO review_digests (petition_id, day, due_at, sent_at, node, recipients)
            SELECT @petitionId, @day, @due, @now, @node, 0 WHERE EXISTS (SELECT 1 FROM petitions WHERE id = @petitionId AND review_alerts = 'daily')
            ON CONFLICT (petition_id, day) DO NOTHING
            """, new { petitionId, day, due = Time.Format(due), now = Time.Format(now), node = outbox.Node }, transaction);
        if (claimed == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        var letter = await connection.QuerySingleAsync<(string Slug, string Title, string Language)>(
            "SELECT slug, title, language FROM petitions WHERE id = @petitionId", new { petitionId }, transaction);
        var previous = await connection.ExecuteScalarAsync<string?>(
            "SELECT max(due_at) FROM review_digests WHERE petition_id = @petitionId AND day < @day", new { petitionId, day }, transaction);
        var waiting = (await connection.QueryAsync<(long Id, string Organisation, string Flags, string? ConfirmedAt)>("""
            SELECT s.id, o.name, s.flags, s.confirmed_at
            FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.petition_id = @petitionId AND s.status = 'confirmed'
            ORDER BY s.confirmed_at, s.id
            """, new { petitionId }, transaction)).ToList();
        var recipients = waiting.Count == 0 ? [] : await CoordinatorStore.EmailsForAsync(connection, transaction, petitionId);
        if (recipients.Count > 0)
        {
            // Times are stored in one fixed format (Time.Format), so they compare as text.
            var fresh = waiting.Count(w => previous is null || string.CompareOrdinal(w.ConfirmedAt ?? "", previous) > 0);
            var items = waiting
                .Select(w => new ReviewItem(w.Organisation, SignatureFlags.WhyItWaits(w.Flags), notifications.SignatoryLink(letter.Slug, w.Id)))
                .ToList();
            var queue = notifications.Link($"/coordinators/petitions/{Uri.EscapeDataString(letter.Slug)}#review");
            foreach (var coordinator in recipients)
            {
                outbox.Enqueue(connection, transaction,
                    // Coordinators have no language of their own: the one their letter is written in.
                    Emails.ReviewDigestFor(notifications.Brand, letter.Language, coordinator, letter.Title, items, fresh, queue) with { PetitionId = petitionId }, now);
            }

            await connection.ExecuteAsync(
                "UPDATE review_digests SET recipients = @count WHERE petition_id = @petitionId AND day = @day",
                new { count = recipients.Count, petitionId, day }, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        if (recipients.Count > 0)
        {
            logger.LogInformation("Review digest of letter {Letter} for {Day}: {Waiting} waiting, to {Recipients} coordinator(s).",
                letter.Slug, day, waiting.Count, recipients.Count);
        }

        return recipients.Count > 0;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery, clock);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
            {
                // The database is away (a restart, a failover): the next tick tries again.
                logger.LogWarning(e, "Review digests could not be sent this time.");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
