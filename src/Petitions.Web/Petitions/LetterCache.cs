using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Petitions.Data;
using Petitions.Signatures;

namespace Petitions.Petitions;

/// <summary>
/// The public letters as <see cref="PetitionStore.FindAsync(string, CancellationToken)"/> reads them, kept between
/// requests of the letter page: reading one opens a connection and runs three queries.
/// </summary>
/// <remarks>
/// <para>A letter's edit tells the caches after its commit (<see cref="Invalidate(string, long)"/>, where it tells
/// <see cref="PublicListCache"/>), and the next request reads it again. Sign-ons do not: they change the list, not the letter. Edits by another process cannot tell this one,
/// so a letter is read again at most <see cref="PublicListCache.FreshFor"/> after it was read; one read within
/// <see cref="PublicListCache.CommitWindow"/> of a change being announced is read again once that window has passed,
/// as the lists are.</para>
/// <para>A slug that names no letter is not kept (a new letter is found at once). With <c>Petitions:ListCache</c>
/// = false, letters are read on every request, as lists are.</para>
/// </remarks>
public sealed class LetterCache : IDisposable
{
    private static readonly ConcurrentDictionary<LetterCache, byte> Live = new();

    private readonly PetitionStore store;
    private readonly string connectionString;
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private long invalidations;
    private long invalidatedAt = long.MinValue / 2;

    public LetterCache(PetitionStore store, Db db, IOptions<PetitionsOptions> options)
    {
        this.store = store;
        connectionString = db.ConnectionString;
        Enabled = options.Value.ListCache;
        if (Enabled)
        {
            Live.TryAdd(this, 0);
        }
    }

    public bool Enabled { get; }

    /// <summary>The letter of that slug, draft or not (as <see cref="PetitionStore.FindAsync(string, CancellationToken)"/>).</summary>
    public async Task<Petition?> FindAsync(string slug, CancellationToken cancellationToken = default)
    {
        if (!Enabled)
        {
            return await store.FindAsync(slug, cancellationToken);
        }

        var now = Stopwatch.GetTimestamp();
        if (entries.TryGetValue(slug, out var cached) && cached.IsFresh(now))
        {
            return cached.Letter;
        }

        // Taken before the read: a change announced during it makes what it read stale at once.
        var seen = Interlocked.Read(ref invalidations);
        var lastInvalidated = Interlocked.Read(ref invalidatedAt);
        var letter = await store.FindAsync(slug, cancellationToken);
        if (letter is null)
        {
            entries.TryRemove(slug, out _);
            return null;
        }

        var freshUntil = now - lastInvalidated < Ticks(PublicListCache.CommitWindow)
            ? lastInvalidated + Ticks(PublicListCache.CommitWindow)
            : now + Ticks(PublicListCache.FreshFor);
        var entry = new Entry(letter, freshUntil);
        entries[slug] = entry;
        if (Interlocked.Read(ref invalidations) != seen)
        {
            entry.Invalidate();
        }

        return letter;
    }

    /// <summary>A letter changed (or may have): it is read again by the next request.</summary>
    public void Invalidate(long petitionId)
    {
        Interlocked.Increment(ref invalidations);
        Interlocked.Exchange(ref invalidatedAt, Stopwatch.GetTimestamp());
        foreach (var entry in entries.Values)
        {
            if (entry.Letter.Id == petitionId)
            {
                entry.Invalidate();
            }
        }
    }

    /// <summary>Tells the caches of this database, in this process, that a letter changed.</summary>
    public static void Invalidate(string connectionString, long petitionId)
    {
        foreach (var cache in Live.Keys)
        {
            if (cache.connectionString == connectionString)
            {
                cache.Invalidate(petitionId);
            }
        }
    }

    public void Dispose() => Live.TryRemove(this, out _);

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private sealed class Entry(Petition letter, long freshUntil)
    {
        private volatile bool invalidated;

        public Petition Letter { get; } = letter;

        public bool IsFresh(long now) => !invalidated && now < freshUntil;

        public void Invalidate() => invalidated = true;
    }
}
