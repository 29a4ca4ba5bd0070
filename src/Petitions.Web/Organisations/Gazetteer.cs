using System.IO.Compression;
using System.Text;

namespace Petitions.Organisations;

/// <summary>
/// A city name's best reading: the most populous match, and the best one in any other country
/// that matched as strongly (by its own name rather than only by an alternate name).
/// </summary>
public sealed record PlaceMatch(string Country, long Population, string? OtherCountry, long OtherPopulation)
{
    /// <summary>
    /// Too close to call: another country has a place of that name at least a quarter as big
    /// as the best one (Valencia in Spain and in Venezuela), so a person must decide.
    /// </summary>
    public bool IsAmbiguous => OtherCountry is not null && OtherPopulation * 4 >= Population;
}

/// <summary>
/// World cities from GeoNames' cities1000 table (data/gazetteer, CC BY), matched on their
/// names and alternate names through <see cref="Names.PlaceKey"/>.
/// The table is scanned once per batch of look-ups rather than held in memory: it has
/// millions of names and is needed only when a list is imported.
/// </summary>
public sealed class Gazetteer(string path)
{
    public static Gazetteer Default { get; } = new(ReferenceData.PathOf("gazetteer/cities1000.tsv.gz"));

    /// <returns>For each place key found, its match. Keys not found are absent.</returns>
    public IReadOnlyDictionary<string, PlaceMatch> Lookup(IEnumerable<string> placeKeys)
    {
        var wanted = new HashSet<string>(placeKeys.Where(k => k.Length > 0), StringComparer.Ordinal);
        // Per key and country: the best (strength, population); strength 1 is a city's own name, 0 an alternate.
        var best = new Dictionary<string, Dictionary<string, (int Strength, long Population)>>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return new Dictionary<string, PlaceMatch>();
        }

        var maxLength = wanted.Max(k => k.Length) * 3;
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8, false, 1 << 16);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            var columns = line.Split('\t');
            if (columns.Length < 3 || !long.TryParse(columns[2], out var population))
            {
                continue;
            }

            var country = columns[1];
            seen.Clear();
            Consider(columns[0], 1);
            if (columns.Length > 3 && columns[3].Length > 0)
            {
                foreach (var alternate in columns[3].Split('|'))
                {
                    Consider(alternate, 0);
                }
            }

            void Consider(string name, int strength)
            {
                // Cheap pre-check before normalising: a key is never longer than its name,
                // and a name far longer than any key cannot fold down to one.
                if (name.Length == 0 || name.Length > maxLength)
                {
                    return;
                }

                var key = Names.PlaceKey(name);
                if (!wanted.Contains(key) || !seen.Add(key))
                {
                    return;
                }

                if (!best.TryGetValue(key, out var byCountry))
                {
                    best[key] = byCountry = new Dictionary<string, (int, long)>(StringComparer.Ordinal);
                }

                var candidate = (strength, population);
                if (!byCountry.TryGetValue(country, out var known) || candidate.CompareTo(known) > 0)
                {
                    byCountry[country] = candidate;
                }
            }
        }

        var result = new Dictionary<string, PlaceMatch>(StringComparer.Ordinal);
        foreach (var (key, byCountry) in best)
        {
            // The most populous place wins; a rival counts only if it matched at least as strongly
            // ("Rome" is an alternate name of Lomé, which does not make Rome ambiguous).
            var ranked = byCountry.OrderByDescending(p => p.Value.Population).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
            var first = ranked[0];
            var rival = ranked.Skip(1).FirstOrDefault(p => p.Value.Strength >= first.Value.Strength);
            result[key] = new PlaceMatch(first.Key, first.Value.Population, rival.Key, rival.Key is null ? 0 : rival.Value.Population);
        }

        return result;
    }
}

/// <summary>Files of reference data that are copied beside the program (see the project file).</summary>
public static class ReferenceData
{
    public static string PathOf(string relative) => Path.Combine(AppContext.BaseDirectory, "data", relative);
}
