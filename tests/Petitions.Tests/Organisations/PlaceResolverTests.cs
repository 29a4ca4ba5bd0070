using Petitions.Organisations;

namespace Petitions.Tests.Organisations;

/// <summary>Country inference from the real GeoNames gazetteer in data/gazetteer.</summary>
public class PlaceResolverTests
{
    private static readonly string?[] Cities =
    [
        "Hong Kong SAR", "Prishtina", "Saigon", "St. Petersburg", "Wroclaw", "Benin", null, "Baku/ Tbilisi",
        "Valencia", "Nowhereville Upon Nothing", "Rome", "La Paz", "Singapore", "Kyiv", "Krakow", "chisinau",
    ];

    private Dictionary<string, ResolvedPlace> resolved = null!;
    private ResolvedPlace noCity = null!;

    [OneTimeSetUp]
    public void ResolveAllOnce()
    {
        // One pass over the gazetteer for every case: it is read, not held in memory.
        var places = new PlaceResolver(Gazetteer.Default).Resolve(Cities);
        resolved = Cities.Zip(places).Where(p => p.First is not null).ToDictionary(p => p.First!, p => p.Second);
        noCity = places[Array.IndexOf(Cities, null)];
    }

    private static ResolvedPlace Place(string? city, string? country) => new(city, country, []);

    [TestCase("Hong Kong SAR", "HK")]
    [TestCase("Prishtina", "XK")]
    [TestCase("Saigon", "VN")]
    [TestCase("St. Petersburg", "RU")]
    [TestCase("Wroclaw", "PL")]
    [TestCase("Kyiv", "UA")]
    [TestCase("Krakow", "PL")]
    [TestCase("chisinau", "MD")]
    [TestCase("Rome", "IT")]
    [TestCase("La Paz", "BO")]
    public void ACityGivesItsCountryAndIsKeptAsPrinted(string city, string country)
    {
        var place = resolved[city];

        Assert.That(place.City, Is.EqualTo(city));
        Assert.That(place.Country, Is.EqualTo(country));
        Assert.That(place.Flags, Is.Empty);
    }

    [Test]
    public void ACountryPrintedAsTheCityIsThatCountryWithNoCity() =>
        Assert.That(resolved["Benin"], Is.EqualTo(Place(null, "BJ")).Using<ResolvedPlace>(SamePlace));

    [Test]
    public void ACityThatIsAlsoItsCountryKeepsItsCity() =>
        Assert.That(resolved["Singapore"], Is.EqualTo(Place("Singapore", "SG")).Using<ResolvedPlace>(SamePlace));

    [Test]
    public void NoCityIsFlaggedWithoutACountry() =>
        Assert.That(noCity, Is.EqualTo(new ResolvedPlace(null, null, [PlaceResolver.NoCity])).Using<ResolvedPlace>(SamePlace));

    [Test]
    public void TwoCitiesInTwoCountriesAreFlagged() =>
        Assert.That(resolved["Baku/ Tbilisi"], Is.EqualTo(new ResolvedPlace("Baku/ Tbilisi", null, [PlaceResolver.SeveralCountries])).Using<ResolvedPlace>(SamePlace));

    [Test]
    public void ANameBigInTwoCountriesIsFlaggedAsAmbiguous() =>
        Assert.That(resolved["Valencia"], Is.EqualTo(new ResolvedPlace("Valencia", null, [PlaceResolver.AmbiguousCity])).Using<ResolvedPlace>(SamePlace));

    [Test]
    public void AnUnknownCityIsFlagged() =>
        Assert.That(resolved["Nowhereville Upon Nothing"].Flags, Is.EqualTo(new[] { PlaceResolver.UnknownCity }));

    private static bool SamePlace(ResolvedPlace a, ResolvedPlace b) =>
        a.City == b.City && a.Country == b.Country && a.Flags.SequenceEqual(b.Flags);
}
