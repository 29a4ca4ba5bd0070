using Dapper;
using Petitions.Data;
using Petitions.Signatures;

namespace Petitions.Privacy;

/// <summary>
/// Sign-ons nobody confirmed are not kept: seven days after their last confirmation link expired,
/// the signature, its contact data, tokens and emails are deleted. The letter's history records
/// how many were purged, without who. Each run also prunes the pickup folder's old emails.
/// On PostgreSQL one node at a time purges: a run holds an advisory lock (<see cref="LockKey"/>)
/// for its connection's session, and a node that cannot take it leaves the run to the one holding it.
/// </summary>
public sealed class Purge(Db db, ListChanges changes, TimeProvider clock, PickupFolder pickup, ILogger<Purge> logger) : BackgroundService
{
    public static readonly TimeSpan Grace = TimeSpan.FromDays(7);

    /// <summary>The first run waits this long after start-up, so starting is not slowed by it.</summary>
    public static readonly TimeSpan StartDelay = TimeSpan.FromMinutes(1);

    /// <summary>Sign-ons deleted per write transaction, so sign-ons arriving meanwhile wait little.</summary>
    public const int Chunk = 500;

    /// <summary>The advisory lock of the purge, the same number on every node ("purge" in ASCII).</summary>
    public const long LockKey = 0x7075726765;

    private const string StaleCondition = """
        s.status = 'pending'
        AND coalesce((SELECT max(t.expires_at) FROM tokens t WHERE t.signature_id = s.id AND t.purpose = 'confirm'), s.signed_at) < @cutoff
        """;

    /// <returns>How many sign-ons were purged (0 when another node is purging).</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        if (!db.IsPostgres)
        {
            return await RunAsync(connection, cancellationToken);
        }

        if (!await connection.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@key)", new { key = LockKey }))
        {
            logger.LogDebug("Another node is purging.");
            return 0;
        }

        try
        {
            return await RunAsync(connection, cancellationToken);
        }
        finally
        {
            // A session lock: released here, and with the session if this process dies.
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = LockKey });
        }
    }

    private async Task<int> RunAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var cutoff = Time.Format(now - Grace);
        // The candidates are found without the write lock (through the partial index of pending
        // signatures), then each chunk is checked again and deleted in a short write transaction: a
        // sign-on confirmed in between is not touched.
        var candidates = (await connection.QueryAsync<long>(
            $"SELECT s.id FROM signatures s WHERE {StaleCondition}", new { cutoff })).Order().ToList();
        var purged = 0;
        foreach (var chunk in candidates.Chunk(Chunk))
        {
            await using var transaction = Db.BeginWrite(connection);
            var stale = (await connection.QueryAsync<(long Id, long PetitionId, long OrganisationId)>(
                $"SELECT s.id, s.petition_id, s.organisation_id FROM signatures s WHERE s.id {SqlLists.In(connection, "@chunk")} AND {StaleCondition}",
                new { chunk, cutoff }, transaction)).ToList();
            foreach (var (id, _, organisationId) in stale)
            {
                await connection.ExecuteAsync("""
                    DELETE FROM tokens WHERE signature_id = @id;
                    DELETE FROM contacts WHERE signature_id = @id;
                    DELETE FROM outbox WHERE signature_id = @id;
                    DELETE FROM webhook_deliveries WHERE signature_id = @id;
                    DELETE FROM events WHERE signature_id = @id;
                    DELETE FROM signatures WHERE id = @id;
                    DELETE FROM organisations WHERE id = @organisationId AND NOT EXISTS (SELECT 1 FROM signatures WHERE organisation_id = @organisationId);
                    """, new { id, organisationId }, transaction);
            }

            foreach (var letter in stale.GroupBy(s => s.PetitionId))
            {
                SignatureStore.Record(connection, transaction, letter.Key, null, "system", "purged-unconfirmed", null, null,
                    $"{letter.Count()} unconfirmed sign-on(s) older than {Grace.TotalDays} days after their link expired", now);
            }

            // Not the request's token: a commit that happened must be announced, even if the client has gone.
            await transaction.CommitAsync(CancellationToken.None);
            purged += stale.Count;
            // Unconfirmed sign-ons were never listed, but organisations went with them: the lists are read again all the same.
            foreach (var letter in stale.Select(s => s.PetitionId).Distinct())
            {
                changes.Changed(letter);
            }
        }

        return purged;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(StartDelay, clock, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
            try
            {
                var purged = await RunOnceAsync(stoppingToken);
                if (purged > 0)
                {
                    logger.LogInformation("Purged {Count} unconfirmed sign-ons.", purged);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "The purge of unconfirmed sign-ons failed; it runs again in an hour.");
            }

            try
            {
                var pruned = pickup.Prune();
                if (pruned > 0)
                {
                    logger.LogInformation("Deleted {Count} emails older than Mail:PickupRetentionDays from the pickup folder.", pruned);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(exception, "Pruning the pickup folder failed; it runs again in an hour.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
