using Dapper;
using Petitions.Data;
using Petitions.Signatures;

namespace Petitions.Privacy;

/// <summary>
/// Sign-ons nobody confirmed are not kept: seven days after their last confirmation link expired,
/// the signature, its contact data, tokens and emails are deleted. The letter's history records
/// how many were purged, without who.
/// </summary>
public sealed class Purge(Db db, TimeProvider clock, ILogger<Purge> logger) : BackgroundService
{
    public static readonly TimeSpan Grace = TimeSpan.FromDays(7);

    /// <returns>How many sign-ons were purged.</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var cutoff = Time.Format(now - Grace);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var stale = (await connection.QueryAsync<(long Id, long PetitionId, long OrganisationId)>("""
            SELECT s.id, s.petition_id, s.organisation_id FROM signatures s
            WHERE s.status = 'pending'
              AND coalesce((SELECT max(t.expires_at) FROM tokens t WHERE t.signature_id = s.id AND t.purpose = 'confirm'),
                           s.signed_at) < @cutoff
            """, new { cutoff }, transaction)).ToList();
        foreach (var (id, petitionId, organisationId) in stale)
        {
            await connection.ExecuteAsync("""
                DELETE FROM tokens WHERE signature_id = @id;
                DELETE FROM contacts WHERE signature_id = @id;
                DELETE FROM outbox WHERE signature_id = @id;
                DELETE FROM events WHERE signature_id = @id;
                DELETE FROM signatures WHERE id = @id;
                DELETE FROM organisations WHERE id = @organisationId AND NOT EXISTS (SELECT 1 FROM signatures WHERE organisation_id = @organisationId);
                """, new { id, organisationId }, transaction);
        }

        foreach (var letter in stale.GroupBy(s => s.PetitionId))
        {
            await SignatureStore.RecordAsync(connection, transaction, letter.Key, null, "system", "purged-unconfirmed", null, null,
                $"{letter.Count()} unconfirmed sign-on(s) older than {Grace.TotalDays} days after their link expired", now);
        }

        await transaction.CommitAsync(cancellationToken);
        // Unconfirmed sign-ons were never listed, but organisations went with them: the lists are read again all the same.
        foreach (var letter in stale.Select(s => s.PetitionId).Distinct())
        {
            PublicListCache.Invalidate(db.ConnectionString, letter);
        }

        return stale.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
