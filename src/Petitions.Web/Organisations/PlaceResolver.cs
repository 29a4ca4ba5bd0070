namespace Petitions.Organisations;

/// <summary>Where an organisation is: the city as it was written, its country, and what a person must check.</summary>
public sealed record ResolvedPlace(string? City, string? Country, IReadOnlyList<string> Flags);

/// <summary>
/// Infers the country of a city as a published list prints it. What cannot be decided
/// (no city, two countries, an unknown or ambiguous name) gets no country and a flag for a
/// coordinator: a country is never guessed silently.
/// </summary>
public sealed class PlaceResolver(Gazetteer gazetteer)
{
    public const string NoCity = "no-city";
    public const string SeveralCountries = "several-countries";
    public const string UnknownCity = "unknown-city";
    public const string AmbiguousCity = "ambiguous-city";

    public IReadOnlyList<ResolvedPlace> Resolve(IReadOnlyList<string?> cities)
    {
        var parts = cities.Select(SplitPlaces).ToList();
        var matches = gazetteer.Lookup(parts.SelectMany(p => p).SelectMany(KeyVariants));
        return cities.Select((city, i) => Resolve(city, parts[i], matches)).ToList();
    }

    private static ResolvedPlace Resolve(string? city, IReadOnlyList<string> parts, IReadOnlyDictionary<string, PlaceMatch> matches)
    {
        if (parts.Count == 0)
        {
            return new ResolvedPlace(null, null, [NoCity]);
        }

        if (parts.Count == 1)
        {
            return ResolveOne(city!, parts[0], matches);
        }

        // "Baku/ Tbilisi": one country if every place is in the same one.
        var each = parts.Select(p => ResolveOne(p, p, matches)).ToList();
        var countries = each.Select(p => p.Country).Distinct().ToList();
        return countries is [{ } only] && each.All(p => p.Flags.Count == 0)
            ? new ResolvedPlace(city, only, [])
            : new ResolvedPlace(city, null, [SeveralCountries]);
    }

    private static ResolvedPlace ResolveOne(string city, string place, IReadOnlyDictionary<string, PlaceMatch> matches)
    {
        var match = KeyVariants(place).Select(k => matches.GetValueOrDefault(k)).FirstOrDefault(m => m is not null);
        if (Countries.FromName(place) is { } country)
        {
            // A country printed where the city should be ("Benin") is that country, with no
            // city, unless it is also that country's city (Singapore, Hong Kong SAR).
            return match?.Country == country.Code
                ? new ResolvedPlace(city, country.Code, [])
                : new ResolvedPlace(null, country.Code, []);
        }

        if (match is null)
        {
            return new ResolvedPlace(city, null, [UnknownCity]);
        }

        return match.IsAmbiguous
            ? new ResolvedPlace(city, null, [AmbiguousCity])
            : new ResolvedPlace(city, match.Country, []);
    }

    private static IReadOnlyList<string> SplitPlaces(string? city) =>
        string.IsNullOrWhiteSpace(city)
            ? []
            : city.Split('/', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // "Hong Kong SAR" is printed with its status; GeoNames names the city "Hong Kong".
    private static readonly string[] StatusSuffixes = [" sar", " city"];

    /// <summary>A place's key, then its key without a status suffix ("Hong Kong SAR": "hong kong sar", "hong kong").</summary>
    internal static IEnumerable<string> KeyVariants(string place)
    {
        var key = Names.PlaceKey(place);
        yield return key;
        foreach (var suffix in StatusSuffixes)
        {
            if (key.EndsWith(suffix, StringComparison.Ordinal) && key.Length > suffix.Length)
            {
                yield return key[..^suffix.Length];
            }
        }
    }
}
