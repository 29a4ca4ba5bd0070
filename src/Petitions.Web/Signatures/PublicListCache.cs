using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Petitions.Data;
using Petitions.Organisations;

namespace Petitions.Signatures;

/// <summary>
/// Each letter's public list (<see cref="PublicList"/>, with its HTML), kept between requests.
/// </summary>
/// <remarks>
/// <para>Every write that changes what a list shows tells the cache through <see cref="ListChanges"/>
/// (a status change in <see cref="SignatureStore.ApplyAsync"/>, an import, an erasure, the purge, a letter's
/// edit), and the next request reads the list again. Nothing is counted in a shared row: a hot row every
/// sign-on updated and every page read waited on is what brought e-petitions down.</para>
/// <para>Writes by another process (the command line's import and erase) cannot tell this one, so a list
/// is read again at most <see cref="FreshFor"/> (<c>Petitions:ListCacheFreshFor</c>) after it was read. On
/// PostgreSQL other nodes' changes arrive as notifications (<see cref="ListChangesListener"/>); the bound
/// stays as the backstop for a notification lost while the listener reconnects. A list read within
/// <see cref="CommitWindow"/> of a change being announced is read again once that window has passed: a
/// change is announced inside its transaction, and a read that began before the commit does not see it.</para>
/// <para>One read per letter at a time: while it runs, other requests are given the previous list.
/// Under a stream of changes (more than <see cref="StreamChanges"/> within <see cref="LongestPause"/>) a
/// letter's list is read again at most every <see cref="BuildShare"/> times the last read's duration, when
/// that was longer than <see cref="ShortRead"/> (a letter's list is then read at most a sixth of the time).
/// A change made by a person, one at a time, is on the next page load however slow the last read was.</para>
/// <para><c>Petitions:ListCache</c> = false reads the list on every request.</para>
/// </remarks>
public sealed class PublicListCache : IDisposable
{
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan CommitWindow = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(1);
    public const int BuildShare = 5;
    public const int StreamChanges = 4;
    public static readonly TimeSpan ShortRead = TimeSpan.FromMilliseconds(5);

    /// <summary>Longer lists are read on every request: their HTML alone would hold tens of megabytes.</summary>
    public const int MaxRows = 100_000;

    private static readonly ConcurrentDictionary<PublicListCache, byte> Live = new();

    private readonly SignatureStore store;
    private readonly string connectionString;
    private readonly ILogger<PublicListCache> logger;
    private readonly ConcurrentDictionary<long, Entry> entries = new();
    private readonly long freshFor;

    public PublicListCache(SignatureStore store, Db db, IOptions<PetitionsOptions> options, ILogger<PublicListCache> logger)
    {
        this.store = store;
        this.logger = logger;
        connectionString = db.ConnectionString;
        Enabled = options.Value.ListCache;
        freshFor = Ticks(options.Value.ListCacheFreshFor > TimeSpan.Zero ? options.Value.ListCacheFreshFor : FreshFor);
        if (Enabled)
        {
            Live.TryAdd(this, 0);
        }
    }

    public bool Enabled { get; }

    /// <summary>A letter's public list: the cached one while it is fresh.</summary>
    public async Task<PublicList> GetAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        if (!Enabled)
        {
            return await store.ReadPublicListAsync(petitionId, cancellationToken);
        }

        var entry = entries.GetOrAdd(petitionId, _ => new Entry());
        var now = Stopwatch.GetTimestamp();
        Task<PublicList> building;
        lock (entry)
        {
            var current = entry.Current;
            if (current is not null && entry.Building is null
                && (entry.CurrentGeneration != entry.Generation || now >= entry.FreshUntil)
                && now - entry.StartedAt < entry.Pause && entry.InStream(now))
            {
                // Changed, but read again only moments ago: the previous list until the pause is over.
                return current;
            }

            if (current is not null && entry.CurrentGeneration == entry.Generation && now < entry.FreshUntil)
            {
                return current;
            }

            if (entry.Building is { } running)
            {
                // Someone is reading it again: the previous list meanwhile, or wait when there is none.
                if (current is not null)
                {
                    return current;
                }

                building = running;
            }
            else
            {
                building = entry.Building = BuildAsync(petitionId, entry, entry.Generation, now);
            }
        }

        return await building.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Kept this long when no change is announced, or <see cref="NearBackstopShare"/> times its last read
    /// if longer: the near-name index is a hint for the person who reviews a sign-on, and a change another
    /// process makes (the command line's import) may reach it late.
    /// </summary>
    public static readonly TimeSpan NearFreshFor = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Without an announced change a letter's index is read again at most a fiftieth of the time: a letter
    /// of a million takes seconds of a core to read.
    /// </summary>
    public const int NearBackstopShare = 50;

    /// <summary>
    /// A letter's index is read again while the next sign-on waits when it lists at most this many
    /// organisations (tens of milliseconds), so that sign-on sees an organisation listed just before it.
    /// A larger letter's takes seconds: it is read while the previous index is given.
    /// </summary>
    public const int NearWaitUpTo = 10_000;

    /// <summary>
    /// A letter's listed organisations keyed for near names (<see cref="NearNames.Index"/>), which every
    /// sign-on consults. Read again after a change announced for the letter, but while one read runs the
    /// previous index is given, and a slow read (a letter of a million) is repeated at most every
    /// <see cref="BuildShare"/> times its duration: a stream of approvals costs a sixth of a core at most.
    /// Only the first read of a letter, and one of a letter of at most <see cref="NearWaitUpTo"/>, is waited for.
    /// </summary>
    public async Task<NearNames.Index> GetNearAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        if (!Enabled)
        {
            return await store.ReadNearIndexAsync(petitionId, cancellationToken);
        }

        var entry = entries.GetOrAdd(petitionId, _ => new Entry());
        var near = entry.Near;
        Task<NearNames.Index> reading;
        lock (entry)
        {
            var now = Stopwatch.GetTimestamp();
            if (near.Current is { } current
                && (near.Reading is not null
                    || (near.Generation == entry.Generation && now < near.FreshUntil)
                    || now - near.StartedAt < BuildShare * near.Took))
            {
                return current;
            }

            reading = near.Reading ??= ReadNearAsync(petitionId, entry, entry.Generation, now);
            // No sign-on is held for the seconds a large letter's index takes to read again: it is given the previous one.
            if (near.Current is { Count: > NearWaitUpTo } previous)
            {
                return previous;
            }
        }

        return await reading.WaitAsync(cancellationToken);
    }

    private async Task<NearNames.Index> ReadNearAsync(long petitionId, Entry entry, long generation, long startedAt)
    {
        // Not the first caller's cancellation: others may wait for this index.
        await Task.Yield();
        var near = entry.Near;
        try
        {
            var index = await store.ReadNearIndexAsync(petitionId, CancellationToken.None);
            lock (entry)
            {
                near.Current = index;
                near.Generation = generation;
                near.StartedAt = startedAt;
                near.Took = Stopwatch.GetTimestamp() - startedAt;
                near.FreshUntil = entry.FreshUntilAfterRead(startedAt, Math.Max(Ticks(NearFreshFor), NearBackstopShare * near.Took));
                near.Reading = null;
            }

            return index;
        }
        catch (Exception exception)
        {
            lock (entry)
            {
                near.Reading = null;
            }

            logger.LogWarning(exception, "Reading the listed names of letter {PetitionId} failed.", petitionId);
            throw;
        }
    }

    private readonly ConcurrentDictionary<(long, string), Count> counted = new();

    /// <summary>A letter's counts (<see cref="SignatureStore.ReadStatsAsync"/>), kept as <see cref="CountedAsync"/> says.</summary>
    public Task<LetterStats> GetStatsAsync(long petitionId, CancellationToken cancellationToken = default) =>
        CountedAsync(petitionId, "stats", store.ReadStatsAsync, cancellationToken);

    /// <summary>The listed organisations of a letter counted by city and country (<see cref="SignatureStore.ReadCityCountsAsync"/>).</summary>
    public Task<IReadOnlyList<CityCount>> GetCityCountsAsync(long petitionId, CancellationToken cancellationToken = default) =>
        CountedAsync(petitionId, "cities", store.ReadCityCountsAsync, cancellationToken);

    /// <summary>
    /// Something the database counts of a letter's list, kept until the list changes or for
    /// <see cref="FreshFor"/>, whichever is first; one count of a kind per letter at a time. The same
    /// object is returned while it is kept, so what is drawn from it can be kept beside it.
    /// </summary>
    private async Task<T> CountedAsync<T>(long petitionId, string kind, Func<long, CancellationToken, Task<T>> count, CancellationToken cancellationToken)
        where T : class
    {
        if (!Enabled)
        {
            return await count(petitionId, cancellationToken);
        }

        var entry = entries.GetOrAdd(petitionId, _ => new Entry());
        Task<object> counting;
        lock (entry)
        {
            var now = Stopwatch.GetTimestamp();
            counted.TryGetValue((petitionId, kind), out var kept);
            if (kept is not null && kept.Generation == entry.Generation && !kept.Value.IsFaulted && (now < kept.FreshUntil || !kept.Value.IsCompleted))
            {
                counting = kept.Value;
            }
            else if (kept is { Value.IsCompleted: false, Previous: { } meanwhile })
            {
                // Someone is counting again: the previous count meanwhile.
                counting = meanwhile;
            }
            else
            {
                // A change announced inside a transaction still open is not seen by a count begun now: such a
                // count is kept only briefly. A slow count is kept longer: at most a sixth of the time counting.
                var recent = now - entry.InvalidatedAt < Ticks(CommitWindow);
                var previous = kept is { Value.IsCompletedSuccessfully: true } ? kept.Value : kept?.Previous;
                var next = new Count(entry.Generation, previous);
                next.Value = CountAsync(next, now, recent);
                counted[(petitionId, kind)] = next;
                counting = next.Value;
            }
        }

        return (T)await counting.WaitAsync(cancellationToken);

        async Task<object> CountAsync(Count target, long started, bool recent)
        {
            var value = await count(petitionId, CancellationToken.None);
            var took = Stopwatch.GetTimestamp() - started;
            target.FreshUntil = recent ? started + Ticks(CommitWindow) : started + Math.Max(freshFor, BuildShare * took);
            return value;
        }
    }

    private sealed class Count(long generation, Task<object>? previous)
    {
        public long Generation { get; } = generation;

        /// <summary>The last count that succeeded before this one, given while this one runs.</summary>
        public Task<object>? Previous { get; } = previous;

        public Task<object> Value { get; set; } = null!;

        public long FreshUntil { get; set; } = long.MaxValue;
    }


    /// <summary>The list of a letter shows something else now (called by the writer, in or after its transaction).</summary>
    public void Invalidate(long petitionId)
    {
        if (entries.TryGetValue(petitionId, out var entry))
        {
            entry.Invalidate(Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Every list may show something else now (an organisation's details changed).</summary>
    public void InvalidateAll()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var entry in entries.Values)
        {
            entry.Invalidate(now);
        }
    }

    /// <summary>Tells the caches of this database, in this process, that a letter's list changed: writers say so through <see cref="ListChanges"/>.</summary>
    internal static void Invalidate(string connectionString, long petitionId)
    {
        foreach (var cache in Live.Keys)
        {
            if (cache.connectionString == connectionString)
            {
                cache.Invalidate(petitionId);
            }
        }
    }

    /// <summary>Tells the caches of this database, in this process, that any list may have changed.</summary>
    internal static void InvalidateAll(string connectionString)
    {
        foreach (var cache in Live.Keys)
        {
            if (cache.connectionString == connectionString)
            {
                cache.InvalidateAll();
            }
        }
    }

    public void Dispose() => Live.TryRemove(this, out _);

    private async Task<PublicList> BuildAsync(long petitionId, Entry entry, long generation, long startedAt)
    {
        // Not the first request's cancellation: others may be waiting for this list.
        await Task.Yield();
        try
        {
            var list = await store.ReadPublicListAsync(petitionId, CancellationToken.None);
            PublicList? previous;
            lock (entry)
            {
                previous = entry.Current;
            }

            // Read again (FreshFor) and unchanged: the same list, so that what was made of it (its HTML,
            // the page that shows it: Pages/Letters/LetterPageCache.cs) is kept too.
            if (previous is not null && previous.SameRows(list))
            {
                list = previous;
            }
            else
            {
                _ = list.ItemsHtml;
            }

            var finished = Stopwatch.GetTimestamp();
            lock (entry)
            {
                entry.Building = null;
                if (list.Count <= MaxRows)
                {
                    entry.Current = list;
                    entry.CurrentGeneration = generation;
                    entry.StartedAt = startedAt;
                    entry.FreshUntil = entry.FreshUntilAfterRead(startedAt, freshFor);
                    // A list read in moments is read again at once: only a long one is worth a stale page.
                    var took = finished - startedAt;
                    entry.Pause = took < Ticks(ShortRead) ? 0 : Math.Min(took * BuildShare, Ticks(LongestPause));
                }
                else
                {
                    entry.Current = null;
                }
            }

            return list;
        }
        catch (Exception exception)
        {
            lock (entry)
            {
                entry.Building = null;
            }

            logger.LogWarning(exception, "Reading the public list of letter {PetitionId} failed.", petitionId);
            throw;
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private sealed class Entry
    {
        public PublicList? Current;
        public long CurrentGeneration;
        public long StartedAt;
        public long FreshUntil;
        public long Pause;
        public long Generation;
        public long InvalidatedAt = long.MinValue / 2;
        public Task<PublicList>? Building;
        public readonly NearKept Near = new();

        // Changes counted in the window that began at windowStart, LongestPause long.
        private long windowStart = long.MinValue / 2;
        private int windowChanges;

        public void Invalidate(long now)
        {
            lock (this)
            {
                Generation++;
                InvalidatedAt = now;
                if (now - windowStart > Ticks(LongestPause))
                {
                    windowStart = now;
                    windowChanges = 0;
                }

                windowChanges++;
            }
        }

        /// <summary>
        /// Until when a read begun at <paramref name="startedAt"/> is fresh: a change announced inside a
        /// transaction still open is not in it, so one begun within the commit window lasts only to its end.
        /// </summary>
        public long FreshUntilAfterRead(long startedAt, long freshFor) =>
            startedAt - InvalidatedAt < Ticks(CommitWindow) ? InvalidatedAt + Ticks(CommitWindow) : startedAt + freshFor;

        /// <summary>Whether changes come faster than a person makes them (called under the entry's lock).</summary>
        public bool InStream(long now) => windowChanges > StreamChanges && now - windowStart <= 2 * Ticks(LongestPause);
    }

    /// <summary>A letter's near-name index as last read (fields guarded by the entry's lock).</summary>
    private sealed class NearKept
    {
        public NearNames.Index? Current;
        public long Generation;
        public long StartedAt;
        public long Took;
        public long FreshUntil;
        public Task<NearNames.Index>? Reading;
    }
}
