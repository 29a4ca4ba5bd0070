using System.Threading.RateLimiting;

namespace Petitions.Web;

/// <summary>
/// A fixed-window limiter that reads the app's TimeProvider rather than the machine's stopwatch, so
/// the windows are the clock's (and tests can hold or move them). A clock stepped back does not
/// open a new window: a window ends only once the clock has passed its end.
/// </summary>
public sealed class ClockWindowLimiter(int permits, TimeSpan window, TimeProvider clock) : RateLimiter
{
    private readonly Lock gate = new();
    private DateTimeOffset windowEnd = DateTimeOffset.MinValue;
    private int used;

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (gate)
            {
                var now = clock.GetUtcNow();
                return now >= windowEnd ? now - windowEnd : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (gate)
        {
            return new RateLimiterStatistics { CurrentAvailablePermits = clock.GetUtcNow() >= windowEnd ? permits : Math.Max(0, permits - used) };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (gate)
        {
            var now = clock.GetUtcNow();
            if (now >= windowEnd)
            {
                windowEnd = now + window;
                used = 0;
            }

            if (used + permitCount <= permits)
            {
                used += permitCount;
                return Lease.Acquired;
            }

            return new Lease(false, windowEnd - now);
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Acquired = new(true, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}

/// <summary>
/// The fixed window of <see cref="ClockWindowLimiter"/> counted in the database's <c>rate_windows</c> table,
/// so that every node on one PostgreSQL database counts one client's requests together: each request adds
/// one to its key's current window in one atomic upsert and is refused once the count passes the permits.
/// Windows are aligned to the clock (every node agrees on where one starts); old ones are deleted as it goes.
/// </summary>
/// <remarks>
/// The count is a database round trip, so the synchronous attempt never grants a permit: the rate limiting
/// middleware then asks <see cref="AcquireAsyncCore"/>, which does the counting.
/// </remarks>
public sealed class DatabaseWindowLimiter(Data.Db db, string key, int permits, TimeSpan window, TimeProvider clock) : RateLimiter
{
    /// <summary>Windows that ended this long ago are deleted (their keys hold client addresses).</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan CleanEvery = TimeSpan.FromMinutes(1);
    private static long nextClean;

    private static readonly RateLimitLease Unknown = new Lease(false, null);

    private long lastUsed = clock.GetUtcNow().UtcTicks;

    public override TimeSpan? IdleDuration => clock.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref lastUsed), TimeSpan.Zero) is var idle && idle > window ? idle : null;

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => Unknown;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        Interlocked.Exchange(ref lastUsed, now.UtcTicks);
        var start = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % window.Ticks), TimeSpan.Zero);
        await using var connection = await db.OpenAsync(cancellationToken);
        // A later window's hits count too: a node whose clock is behind (or was stepped back) opens no fresh window.
        var hits = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, new Dapper.CommandDefinition("""
            WITH counted AS (
                INSERT INTO rate_windows (key, window_start, hits) VALUES (@key, @start, @count)
                ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_windows.hits + @count
                RETURNING hits)
            SELECT (SELECT hits FROM counted) + coalesce((SELECT CAST(sum(hits) AS bigint) FROM rate_windows WHERE key = @key AND window_start > @start), 0)
            """, new { key, start = Data.Time.Format(start), count = permitCount }, cancellationToken: cancellationToken));
        await CleanAsync(connection, now, cancellationToken);
        return hits <= permits ? Lease.Acquired : new Lease(false, start + window - now);
    }

    /// <summary>At most once a minute per process, the windows that ended long ago go.</summary>
    private static async Task CleanAsync(System.Data.Common.DbConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = Interlocked.Read(ref nextClean);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref nextClean, (now + CleanEvery).UtcTicks, due) != due)
        {
            return;
        }

        await Dapper.SqlMapper.ExecuteAsync(connection, new Dapper.CommandDefinition(
            "DELETE FROM rate_windows WHERE window_start < @cutoff", new { cutoff = Data.Time.Format(now - KeepFor) }, cancellationToken: cancellationToken));
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Acquired = new(true, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
