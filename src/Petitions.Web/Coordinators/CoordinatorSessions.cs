using System.Data.Common;
using System.Buffers.Text;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Data.Sqlite;
using Petitions.Data;

namespace Petitions.Coordinators;

/// <summary>
/// Browser sessions kept on the server: the cookie carries only a random id, and every request
/// checks its row, so signing out, `coordinators revoke` and `remove` end a saved cookie too.
/// </summary>
public sealed class CoordinatorSessions(Db db, TimeProvider clock)
{
    /// <summary>A session ends after this long without a request.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>A session ends this long after sign-in, however active.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    // Writing last_seen_at on every request would make each page view a write; a minute's
    // granularity costs the idle timeout at most a minute.
    private static readonly TimeSpan TouchGranularity = TimeSpan.FromMinutes(1);

    /// <returns>The session id to keep in the cookie; the database keeps only its hash.</returns>
    public static async Task<string> StartAsync(DbConnection connection, DbTransaction transaction, long coordinatorId, DateTimeOffset now)
    {
        var (sessionId, hash) = Web.SecretTokens.New();
        var at = Time.Format(now);
        await connection.ExecuteAsync("""
            INSERT INTO coordinator_sessions (hash, coordinator_id, created_at, last_seen_at) VALUES (@hash, @coordinatorId, @at, @at)
            """, new { hash, coordinatorId, at }, transaction);
        return sessionId;
    }

    /// <summary>Whether the session is live for that coordinator now; if so, records the request.</summary>
    public async Task<bool> TouchAsync(string? sessionId, long coordinatorId, CancellationToken cancellationToken = default)
    {
        if (Web.SecretTokens.HashOf(sessionId) is not { } hash)
        {
            return false;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<SessionRow>("""
            SELECT s.id, s.coordinator_id AS coordinatorId, s.last_seen_at AS lastSeenAt, s.age_ms AS ageMs
            FROM coordinator_sessions s JOIN coordinators c ON c.id = s.coordinator_id
            WHERE s.hash = @hash AND s.revoked_at IS NULL AND c.removed_at IS NULL
            """, new { hash });
        if (row is null || row.CoordinatorId != coordinatorId)
        {
            return false;
        }

        // The session's age grows only with the clock's forward steps, so a clock set back (by
        // NTP or by hand) neither restarts the idle timeout's count nor the 12 hours.
        var now = clock.GetUtcNow();
        var sinceLastSeen = now - Time.Parse(row.LastSeenAt);
        var age = TimeSpan.FromMilliseconds(row.AgeMs) + (sinceLastSeen > TimeSpan.Zero ? sinceLastSeen : TimeSpan.Zero);
        if (sinceLastSeen >= IdleTimeout || age >= Lifetime)
        {
            return false;
        }

        if (sinceLastSeen < TimeSpan.Zero || sinceLastSeen >= TouchGranularity)
        {
            await connection.ExecuteAsync("""
                UPDATE coordinator_sessions SET last_seen_at = @now, age_ms = @ageMs WHERE id = @id AND last_seen_at = @lastSeenAt
                """, new { now = Time.Format(now), ageMs = (long)age.TotalMilliseconds, id = row.Id, lastSeenAt = row.LastSeenAt });
        }

        return true;
    }

    /// <summary>Ends the session (sign-out): the cookie, saved anywhere, no longer works.</summary>
    public async Task RevokeAsync(string? sessionId, CancellationToken cancellationToken = default)
    {
        if (Web.SecretTokens.HashOf(sessionId) is not { } hash)
        {
            return;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE coordinator_sessions SET revoked_at = @at WHERE hash = @hash AND revoked_at IS NULL",
            new { at = Time.Format(clock.GetUtcNow()), hash });
    }

    private sealed class SessionRow
    {
        public long Id { get; init; }
        public long CoordinatorId { get; init; }
        public string LastSeenAt { get; init; } = "";
        public long AgeMs { get; init; }
    }
}
