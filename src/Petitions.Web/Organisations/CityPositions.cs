using System.Collections.Concurrent;

namespace Petitions.Organisations;

/// <summary>
/// Where the gazetteer puts each (country, city) asked about, kept in memory: only cities not asked
/// about before make it read the gazetteer, in one pass for all of them. Cities it does not know are
/// kept too (as unknown), so that they do not make every map read it again.
/// </summary>
public sealed class CityPositions(Gazetteer gazetteer) : IDisposable
{
    /// <summary>Past this many places the memory is started afresh: a bound, far above any real coalition's cities.</summary>
    public const int MaxKept = 200_000;

    private readonly ConcurrentDictionary<(string Country, string Key), GazetteerPlace?> known = new();
    private long reads;

    // One pass over the gazetteer at a time: two maps drawn at once would read it twice for the same cities.
    private readonly SemaphoreSlim reading = new(1, 1);

    /// <summary>For each (country, <see cref="Names.PlaceKey"/> of the city), the gazetteer's place, or null when it has none.</summary>
    public async Task<IReadOnlyDictionary<(string Country, string Key), GazetteerPlace?>> LocateAsync(
        IReadOnlyCollection<(string Country, string Key)> places, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(places);
        if (places.Any(p => !known.ContainsKey(p)))
        {
            await reading.WaitAsync(cancellationToken);
            try
            {
                // Another request may have placed them while this one waited.
                var missing = places.Where(p => !known.ContainsKey(p)).Distinct().ToList();
                if (missing.Count > 0)
                {
                    var found = await Task.Run(() => gazetteer.Locate(missing), CancellationToken.None);
                    Interlocked.Increment(ref reads);
                    if (known.Count + missing.Count > MaxKept)
                    {
                        known.Clear();
                    }

                    foreach (var place in missing)
                    {
                        known[place] = found.GetValueOrDefault(place);
                    }
                }
            }
            finally
            {
                reading.Release();
            }
        }

        var result = new Dictionary<(string Country, string Key), GazetteerPlace?>();
        foreach (var place in places)
        {
            // Cleared meanwhile (MaxKept) by another request: unknown for this map, asked again by the next.
            result[place] = known.GetValueOrDefault(place);
        }

        return result;
    }

    /// <summary>How many times the gazetteer was read (a city placed before does not make it read again).</summary>
    public long Reads => Interlocked.Read(ref reads);

    public void Dispose() => reading.Dispose();
}
