using System.Collections.Concurrent;
using System.Globalization;
using System.Security;
using System.Text;
using Petitions.Organisations;
using Petitions.Petitions;
using Petitions.Resources;

namespace Petitions.Signatures;

/// <summary>
/// The Equal Earth projection (Šavrič, Patterson &amp; Jenny 2018) onto the map's viewBox of
/// <see cref="Width"/> × <see cref="Height"/>: the numbers scripts/build-world-map projected the
/// world outline with, so cities land where the outline has them.
/// </summary>
public static class EqualEarth
{
    public const double Width = 1000;
    public const double Height = 490;
    public const double Scale = 184;

    private const double A1 = 1.340264, A2 = -0.081106, A3 = 0.000893, A4 = 0.003796;
    private static readonly double M = Math.Sqrt(3) / 2;

    /// <summary>A point's place on the map, from its latitude and longitude in degrees.</summary>
    public static (double X, double Y) Project(double latitude, double longitude)
    {
        var lambda = longitude * Math.PI / 180;
        var phi = latitude * Math.PI / 180;
        var theta = Math.Asin(M * Math.Sin(phi));
        var t2 = theta * theta;
        var t6 = t2 * t2 * t2;
        var x = lambda * Math.Cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)));
        var y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2));
        return (Width / 2 + Scale * x, Height / 2 - Scale * y);
    }
}

/// <summary>
/// GET /petitions/{slug}/map.svg: the letter's listed organisations on a world map, one circle per city
/// (its area in proportion to the organisations there), placed by the gazetteer. Organisations without
/// a city, or in one the gazetteer does not know, are not on it: the letter page counts them by country.
/// </summary>
/// <remarks>
/// Drawn from the database's count of the list by city, and kept per letter while that count is
/// (<see cref="PublicListCache.GetCityCountsAsync"/>); the cities' positions are kept by
/// <see cref="CityPositions"/>, so a new list reads the gazetteer only for cities not seen before.
/// </remarks>
public sealed class SignatoryMap(CityPositions positions)
{
    /// <summary>Circles grow with the square root of the count, up to this radius for the biggest city.</summary>
    public const double LargestRadius = 30;

    /// <summary>The radius of a city of one organisation while no city has more than 100.</summary>
    public const double UnitRadius = 3;

    /// <summary>Too small to see below this.</summary>
    public const double SmallestRadius = 1.5;

    // Per letter and language: the map's words are the reader's.
    private readonly ConcurrentDictionary<(long, string), Entry> kept = new();

    private static readonly Lazy<(string Land, string Borders)> Outline = new(ReadOutline);

    /// <summary>The map of a letter's list, as UTF-8 SVG.</summary>
    /// <param name="counts">Its organisations counted by city (<see cref="PublicListCache.GetCityCountsAsync"/>): the same object while the list is unchanged.</param>
    public async Task<byte[]> GetAsync(Petition letter, IReadOnlyList<CityCount> counts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        ArgumentNullException.ThrowIfNull(counts);
        var key = (letter.Id, CultureInfo.CurrentUICulture.Name);
        if (kept.TryGetValue(key, out var entry) && entry.Title == letter.Title && ReferenceEquals(entry.Counts, counts))
        {
            return entry.Svg;
        }

        var listed = counts.Sum(c => c.Count);
        var svg = Encoding.UTF8.GetBytes(Render(letter.Title, listed, await CitiesAsync(counts, cancellationToken)));
        kept[key] = new Entry(counts, letter.Title, svg);
        return svg;
    }

    /// <summary>A city on the map and the number of the list's organisations there.</summary>
    public sealed record City(string Name, string Country, string CountryName, double Latitude, double Longitude, int Count);

    /// <summary>The list's cities that the gazetteer places, most organisations first.</summary>
    public async Task<IReadOnlyList<City>> CitiesAsync(IReadOnlyList<CityCount> counts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counts);
        // Each spelling once, with its keys as the import resolves them: its own, then without a status ("Hong Kong SAR").
        var spellings = counts
            .Where(c => c.Country is not null && !string.IsNullOrWhiteSpace(c.City))
            .GroupBy(c => (Country: c.Country!, City: c.City!.Trim()))
            .Select(g => (g.Key.City, Count: g.Sum(c => c.Count),
                Places: PlaceResolver.KeyVariants(g.Key.City).Where(k => k.Length > 0).Select(k => (g.Key.Country, Key: k)).ToList()))
            .ToList();
        var located = await positions.LocateAsync(spellings.SelectMany(s => s.Places).Distinct().ToList(), cancellationToken);
        // By the gazetteer's place, not the spelling: "Bombay" and "Mumbai" are one circle.
        return spellings
            .Select(s => (s.City, s.Count, Place: s.Places.Select(p => located[p]).FirstOrDefault(p => p is not null)))
            .Where(s => s.Place is not null)
            .GroupBy(s => s.Place!)
            .Select(g => new City(
                // As the organisations there spell it most often, as the list shows it.
                g.OrderByDescending(s => s.Count).ThenBy(s => s.City, StringComparer.Ordinal).First().City,
                g.Key.Country, Countries.NameOf(g.Key.Country) ?? g.Key.Country, g.Key.Latitude, g.Key.Longitude, g.Sum(s => s.Count)))
            .OrderByDescending(c => c.Count).ThenBy(c => c.CountryName, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A circle's radius: its area in proportion to its count, the largest no bigger than <see cref="LargestRadius"/>.</summary>
    public static double Radius(int count, int largestCount)
    {
        var unit = Math.Min(UnitRadius, LargestRadius / Math.Sqrt(Math.Max(1, largestCount)));
        return Math.Max(SmallestRadius, unit * Math.Sqrt(count));
    }

    private static string Render(string title, int listed, IReadOnlyList<City> cities)
    {
        var (land, borders) = Outline.Value;
        var onMap = cities.Sum(c => c.Count);
        var off = listed - onMap;
        var svg = new StringBuilder(land.Length + borders.Length + 1024 + cities.Count * 160);
        // Presentation attributes, not a <style>: the site's Content-Security-Policy (style-src 'self')
        // applies to this document when it is opened on its own.
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {EqualEarth.Width} {EqualEarth.Height}\" width=\"{EqualEarth.Width}\" height=\"{EqualEarth.Height}\" role=\"img\" aria-labelledby=\"map-title map-desc\">\n");
        svg.Append("<title id=\"map-title\">").Append(Xml(Texts.Page("Where the organisations that signed “{0}” are", title))).Append("</title>\n");
        svg.Append("<desc id=\"map-desc\">").Append(Xml(Texts.Page("Map of the {0} that signed “{1}”, in {2}.",
            Texts.PagePlural("{0} organisations", onMap), title, Texts.PagePlural("{0} cities", cities.Count))));
        if (off > 0)
        {
            svg.Append(' ').Append(Xml(Texts.PagePlural(
                "{0} other organisations are not on the map (no city, or one the map does not know): the letter page counts them by country.", off)));
        }

        svg.Append("</desc>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{EqualEarth.Width}\" height=\"{EqualEarth.Height}\" fill=\"#f3f6fa\"/>\n");
        svg.Append("<path fill=\"#d5dae1\" d=\"").Append(land).Append("\"/>\n");
        svg.Append("<path fill=\"none\" stroke=\"#ffffff\" stroke-width=\".5\" d=\"").Append(borders).Append("\"/>\n");
        svg.Append("<g fill=\"#b3261e\" fill-opacity=\".65\" stroke=\"#7a1410\" stroke-width=\".6\">\n");
        var largest = cities.Count == 0 ? 1 : cities.Max(c => c.Count);
        // Biggest first, so that smaller circles are drawn over them and stay visible.
        foreach (var city in cities)
        {
            var (x, y) = EqualEarth.Project(city.Latitude, city.Longitude);
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{x:0.#}\" cy=\"{y:0.#}\" r=\"{Radius(city.Count, largest):0.##}\">")
                .Append("<title>").Append(Xml(city.Name)).Append(", ").Append(Xml(Countries.LocalName(city.Country) ?? city.CountryName)).Append(": ")
                .Append(Xml(Texts.PagePlural("{0} organisations", city.Count))).Append("</title></circle>\n");
        }

        svg.Append("</g>\n</svg>\n");
        return svg.ToString();
    }

    // Text as XML: markup escaped, and characters XML 1.0 cannot carry (controls) left out.
    private static string Xml(string text) =>
        SecurityElement.Escape(new string(text.Where(c => c is '\t' or '\n' or '\r' || !(char.IsControl(c) || c is '\uFFFE' or '\uFFFF')).ToArray()));

    private static (string Land, string Borders) ReadOutline()
    {
        // Two lines, "land<TAB>path" and "borders<TAB>path" (data/world/ATTRIBUTION.md).
        var paths = File.ReadLines(ReferenceData.PathOf("world/world-110m.paths"))
            .Select(line => line.Split('\t', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        return (paths["land"], paths["borders"]);
    }

    private sealed record Entry(IReadOnlyList<CityCount> Counts, string Title, byte[] Svg);
}

/// <summary>The map as a page's image, beside the letter page (not part of the JSON API).</summary>
public static class SignatoryMapRoute
{
    /// <summary>Maps GET /petitions/{slug}/map.svg.</summary>
    public static IEndpointRouteBuilder MapSignatoryMap(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/petitions/{slug}/map.svg", async Task<IResult> (
            string slug, PetitionStore petitions, PublicListCache lists, SignatoryMap map, HttpContext context, TimeProvider clock,
            CancellationToken cancellationToken) =>
        {
            var now = clock.GetUtcNow();
            if (await petitions.FindAsync(slug, cancellationToken) is not { } letter || !letter.IsPublicAt(now))
            {
                return PetitionsApi.NotFound(slug);
            }

            // Embargoed: the cities would say who signed. An empty map, kept by no cache past the publication.
            if (!letter.ListIsPublicAt(now))
            {
                var (shown, _, _) = await petitions.InLanguageAsync(letter, Web.Languages.Current.Code, cancellationToken);
                context.Response.Headers.CacheControl = "no-store";
                return Results.Bytes(await map.GetAsync(shown, [], cancellationToken), "image/svg+xml; charset=utf-8");
            }

            // In the reader's language, with the letter's title as it reads in it.
            var (read, _, _) = await petitions.InLanguageAsync(letter, Web.Languages.Current.Code, cancellationToken);
            var svg = await map.GetAsync(read, await lists.GetCityCountsAsync(letter.Id, cancellationToken), cancellationToken);
            // Short and public: a new signatory shows within a minute, and caches between may keep it that long.
            context.Response.Headers.CacheControl = "public, max-age=60";
            context.Response.Headers.Vary = "Accept-Language, Cookie";
            return Results.Bytes(svg, "image/svg+xml; charset=utf-8");
        }).ExcludeFromDescription();
        return routes;
    }
}
