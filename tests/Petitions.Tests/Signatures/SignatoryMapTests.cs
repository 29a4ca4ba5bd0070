using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Organisations;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>GET /petitions/{slug}/map.svg: one circle per city of the listed organisations, where the gazetteer puts it.</summary>
public sealed class SignatoryMapTests
{
    private const string Slug = "map-letter";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private PetitionsApp app = null!;
    private HttpClient visitor = null!;
    private HttpClient coordinator = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        visitor = app.CreateClient();
        await Coordinator.AddLetterAsync(app, Slug);
        coordinator = await Coordinator.ClientAsync(app, "maps@coalition.example.org", Slug);
        await Sign("listed", "Nairobi Org One", "Nairobi", "KE");
        await Sign("listed", "Nairobi Org Two", "nairobi", "KE");
        await Sign("listed", "Lyon Org", "Lyon", "FR");
        await Sign("listed", "International Org", null, null);
        await Sign("listed", "Nowhere Org", "Nowhereville Upon Nothing", "FR");
        await Sign("pending", "Pending Org", "Paris", "FR");
        await Sign("confirmed", "Waiting Org", "Madrid", "ES");
        await Sign("withdrawn", "Withdrawn Org", "Berlin", "DE");
        await Sign("rejected", "Rejected Org", "Lima", "PE");
    }

    [TearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        visitor.Dispose();
        app.Dispose();
    }

    private Task<long> Sign(string status, string name, string? city, string? country) =>
        Coordinator.SignatureInStateAsync(app, status, name, $"{name.Replace(' ', '.')}@map.example.org", city, country, Slug);

    [Test]
    public async Task EachListedCityIsOneCircleWhereTheGazetteerPutsIt()
    {
        using var response = await visitor.GetAsync($"/petitions/{Slug}/map.svg");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("image/svg+xml"));
        Assert.That(response.Headers.CacheControl!.Public, Is.True);
        Assert.That(response.Headers.CacheControl.MaxAge, Is.LessThanOrEqualTo(TimeSpan.FromMinutes(5)));
        var map = XDocument.Parse(await response.Content.ReadAsStringAsync());

        var circles = Circles(map);
        Assert.That(circles.Keys, Is.EquivalentTo(new[] { "Nairobi, Kenya: 2 organisations", "Lyon, France: 1 organisation" }),
            "one circle per city; pending, confirmed, withdrawn, rejected, no-city and unknown-city organisations are not on it");
        var nairobi = circles["Nairobi, Kenya: 2 organisations"];
        var lyon = circles["Lyon, France: 1 organisation"];
        AssertAt(nairobi, Gazetteered("Nairobi", "KE"));
        AssertAt(lyon, Gazetteered("Lyon", "FR"));
        Assert.That(nairobi.R, Is.GreaterThan(lyon.R), "two organisations make a bigger circle than one");
        Assert.That(nairobi.R / lyon.R, Is.EqualTo(Math.Sqrt(2)).Within(0.01), "the area grows with the count");

        var root = map.Root!;
        Assert.That(root.Element(Svg + "title")!.Value, Does.Contain("The letter map-letter"));
        Assert.That(root.Element(Svg + "desc")!.Value,
            Does.Contain("Map of the 3 organisations that signed “The letter map-letter”, in 2 cities").And.Contain("2 other organisations are not on the map"));
        Assert.That(root.Descendants(Svg + "path").Count(), Is.EqualTo(2), "the land and the borders");
        Assert.That(root.Descendants().Where(e => e.Name.LocalName is "script" or "style" or "foreignObject"), Is.Empty);
    }

    [Test]
    public async Task ANewListingRedrawsTheMapAndOnlyANewCityReadsTheGazetteer()
    {
        var positions = app.Services.GetRequiredService<CityPositions>();
        var first = await visitor.GetByteArrayAsync($"/petitions/{Slug}/map.svg");
        var reads = positions.Reads;
        var again = await visitor.GetByteArrayAsync($"/petitions/{Slug}/map.svg");
        Assert.That(again, Is.EqualTo(first));
        Assert.That(positions.Reads, Is.EqualTo(reads), "a kept map reads nothing");

        // Listed through the coordinators' API, which tells the list's cache (and so the map's).
        var lyon = await Sign("confirmed", "Second Lyon Org", "Lyon", "FR");
        using (var approved = await coordinator.PostAsync($"/api/petitions/{Slug}/signatures/{lyon}/approve", null))
        {
            Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var circles = Circles(XDocument.Parse(await visitor.GetStringAsync($"/petitions/{Slug}/map.svg")));
        Assert.That(circles.Keys, Is.EquivalentTo(new[] { "Nairobi, Kenya: 2 organisations", "Lyon, France: 2 organisations" }));
        Assert.That(positions.Reads, Is.EqualTo(reads), "Lyon was placed before");

        var mombasa = await Sign("confirmed", "Mombasa Org", "Mombasa", "KE");
        using (var approved = await coordinator.PostAsync($"/api/petitions/{Slug}/signatures/{mombasa}/approve", null))
        {
            Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        circles = Circles(XDocument.Parse(await visitor.GetStringAsync($"/petitions/{Slug}/map.svg")));
        Assert.That(circles, Has.Count.EqualTo(3));
        AssertAt(circles["Mombasa, Kenya: 1 organisation"], Gazetteered("Mombasa", "KE"));
        Assert.That(positions.Reads, Is.EqualTo(reads + 1), "one read for the one new city");
    }

    [Test]
    public async Task AnUnknownOrDraftLetterHasNoMap()
    {
        await Coordinator.AddLetterAsync(app, "a-draft-map", "draft");

        using var unknown = await visitor.GetAsync("/petitions/no-such-letter/map.svg");
        using var draft = await visitor.GetAsync("/petitions/a-draft-map/map.svg");

        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(draft.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task TheLetterPageShowsTheMapBesideTheTableByCountry()
    {
        var page = await visitor.GetStringAsync($"/petitions/{Slug}");

        Assert.That(page, Does.Contain($"<img src=\"/petitions/{Slug}/map.svg\""));
        var figure = page[page.IndexOf("<figure class=\"signatory-map\">", StringComparison.Ordinal)..];
        figure = figure[..figure.IndexOf("</figure>", StringComparison.Ordinal)];
        Assert.That(figure, Does.Match("alt=\"[^\"]{20,}\""));
        Assert.That(figure, Does.Contain("<a href=\"#by-country\">"));
        Assert.That(page, Does.Contain("<details class=\"by-country\" id=\"by-country\">"));
    }

    private sealed record Circle(double X, double Y, double R);

    private static Dictionary<string, Circle> Circles(XDocument map) =>
        map.Descendants(Svg + "circle").ToDictionary(
            c => c.Element(Svg + "title")!.Value,
            c => new Circle(Number(c, "cx"), Number(c, "cy"), Number(c, "r")));

    private static double Number(XElement element, string attribute) =>
        double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    private static void AssertAt(Circle circle, (double Latitude, double Longitude) place)
    {
        var (x, y) = EqualEarth(place.Latitude, place.Longitude);
        Assert.That(circle.X, Is.EqualTo(x).Within(0.051));
        Assert.That(circle.Y, Is.EqualTo(y).Within(0.051));
    }

    /// <summary>The first (most populous) row of that name in that country, read from the gazetteer file itself.</summary>
    private static (double Latitude, double Longitude) Gazetteered(string name, string country)
    {
        using var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "data", "gazetteer", "cities1000.tsv.gz"));
        using var reader = new StreamReader(new GZipStream(file, CompressionMode.Decompress));
        while (reader.ReadLine() is { } line)
        {
            var columns = line.Split('\t');
            if (columns[0] == name && columns[1] == country)
            {
                return (double.Parse(columns[3], CultureInfo.InvariantCulture), double.Parse(columns[4], CultureInfo.InvariantCulture));
            }
        }

        throw new InvalidOperationException($"{name}, {country} is not in the gazetteer");
    }

    /// <summary>Equal Earth (Šavrič, Patterson &amp; Jenny 2018) at scale 184 on a 1000 × 490 view, as data/world/ATTRIBUTION.md says.</summary>
    internal static (double X, double Y) EqualEarth(double latitude, double longitude)
    {
        const double A1 = 1.340264, A2 = -0.081106, A3 = 0.000893, A4 = 0.003796;
        var m = Math.Sqrt(3) / 2;
        var theta = Math.Asin(m * Math.Sin(latitude * Math.PI / 180));
        var t2 = theta * theta;
        var t6 = t2 * t2 * t2;
        var x = longitude * Math.PI / 180 * Math.Cos(theta) / (m * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)));
        var y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2));
        return (500 + 184 * x, 245 - 184 * y);
    }
}
