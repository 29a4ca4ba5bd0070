using System.Globalization;
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
/// millions of names and is needed only when a list is imported or a map places cities it has not
/// placed before (<see cref="CityPositions"/> keeps those).
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
        Scan(wanted, _ => true, (key, strength, row) =>
        {
            if (!best.TryGetValue(key, out var byCountry))
            {
                best[key] = byCountry = new Dictionary<string, (int, long)>(StringComparer.Ordinal);
            }

            var candidate = (strength, row.Population);
            if (!byCountry.TryGetValue(row.Country, out var known) || candidate.CompareTo(known) > 0)
            {
                byCountry[row.Country] = candidate;
            }

            return true;
        });

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

    /// <summary>
    /// Where places are: for each (country, place key), the most populous city of that country whose
    /// name or an alternate name has that key. One pass, ended early once every place is found.
    /// </summary>
    /// <returns>The places found; those not found are absent.</returns>
    public IReadOnlyDictionary<(string Country, string Key), GazetteerPlace> Locate(IEnumerable<(string Country, string Key)> places)
    {
        var wantedPlaces = places.Where(p => p.Key.Length > 0).ToHashSet();
        var found = new Dictionary<(string Country, string Key), GazetteerPlace>();
        var countries = wantedPlaces.Select(p => p.Country).ToHashSet(StringComparer.Ordinal);
        var keys = wantedPlaces.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        // Rows come most populous first, so a place's first match is its answer.
        Scan(keys, countries.Contains, (key, _, row) =>
        {
            var place = (row.Country, key);
            if (wantedPlaces.Contains(place) && !found.ContainsKey(place))
            {
                found[place] = new GazetteerPlace(row.Name, row.Country, row.Population, row.Latitude, row.Longitude);
            }

            return found.Count < wantedPlaces.Count;
        });
        return found;
    }

    private readonly record struct Row(string Name, string Country, long Population, double Latitude, double Longitude);

    /// <summary>
    /// Reads the table, most populous city first, and calls <paramref name="match"/> once per city and wanted key
    /// (strength 1 for its own name, 0 for an alternate name) until it returns false.
    /// </summary>
    private void Scan(HashSet<string> wanted, Func<string, bool> inCountry, Func<string, int, Row, bool> match)
    {
        if (wanted.Count == 0)
        {
            return;
        }

        var maxLength = wanted.Max(k => k.Length) * 3;
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8, false, 1 << 16);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Columns: name, country, population, latitude, longitude, alternates (see data/gazetteer/ATTRIBUTION.md).
        while (reader.ReadLine() is { } line)
        {
            var columns = line.Split('\t');
            if (columns.Length < 5 || !inCountry(columns[1]) || !long.TryParse(columns[2], CultureInfo.InvariantCulture, out var population)
                || !double.TryParse(columns[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var latitude)
                || !double.TryParse(columns[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var longitude))
            {
                continue;
            }

            var row = new Row(columns[0], columns[1], population, latitude, longitude);
            seen.Clear();
            if (!Consider(columns[0], 1))
            {
                return;
            }

            if (columns.Length > 5 && columns[5].Length > 0)
            {
                foreach (var alternate in columns[5].Split('|'))
                {
                    if (!Consider(alternate, 0))
                    {
                        return;
                    }
                }
            }

            bool Consider(string name, int strength)
            {
                // Cheap pre-check before normalising: a key is never longer than its name,
                // and a name far longer than any key cannot fold down to one.
                if (name.Length == 0 || name.Length > maxLength)
                {
                    return true;
                }

                var key = Names.PlaceKey(name);
                return !wanted.Contains(key) || !seen.Add(key) || match(key, strength, row);
            }
        }
    }
}

/// <summary>A city of the gazetteer: its own name, country, population and position (WGS84 degrees).</summary>
public sealed record GazetteerPlace(string Name, string Country, long Population, double Latitude, double Longitude);

/// <summary>Files of reference data that are copied beside the program (see the project file).</summary>
public static class ReferenceData
{
    public static string PathOf(string relative) => Path.Combine(AppContext.BaseDirectory, "data", relative);
}
