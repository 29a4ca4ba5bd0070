using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Petitions.Tests.Support;

namespace Petitions.Tests.Web;

/// <summary>The public list of a letter searched by name and grouped by country, from the query string alone.</summary>
public sealed partial class PublicListPageTests
{
    private PetitionsApp app = null!;
    private HttpClient client = null!;

    [OneTimeSetUp]
    public void StartApp()
    {
        app = new PetitionsApp();
        client = app.CreateClient();
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task TheLetterPageLeadsToTheSearchAndTheListByCountry()
    {
        var page = await client.GetStringAsync("/petitions/iap-2017");

        Assert.That(page, Does.Contain("<form method=\"get\" action=\"/petitions/iap-2017/signatories\""));
        Assert.That(page, Does.Contain("<a href=\"/petitions/iap-2017/signatories?group=country\">"));
    }

    [Test]
    public async Task TheLetterPageCountsOrganisationsByCountryAsTheStatsDo()
    {
        var stats = await client.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/stats");
        var countries = stats.GetProperty("byCountry").EnumerateArray().ToList();
        var page = WebUtility.HtmlDecode(await client.GetStringAsync("/petitions/iap-2017"));

        Assert.That(page, Does.Contain($"<summary>From {countries.Count(c => c.GetProperty("country").GetString() is not null)} countries</summary>"));
        foreach (var c in countries)
        {
            Assert.That(page, Does.Contain($"<tr><td>{c.GetProperty("countryName").GetString()}</td><td class=\"number\">{c.GetProperty("count").GetInt32()}</td></tr>"));
        }
    }

    [Test]
    public async Task ASearchFindsNamesWhateverTheirCaseAndAccents()
    {
        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/petitions/iap-2017/signatories?q=JUSTICA+global"));

        Assert.That(Items(html), Is.EqualTo(new[] { "Justiça Global, Rio de Janeiro" }));
        Assert.That(html, Does.Contain("1 of 130 match “JUSTICA global”"));
    }

    [Test]
    public async Task GroupedByCountryEachCountryHasItsOrganisationsAndTheirNumber()
    {
        var listed = (await client.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/signatories")).EnumerateArray()
            .GroupBy(s => s.GetProperty("countryName").GetString() ?? "No country (international)")
            .ToDictionary(g => g.Key, g => g.Count());

        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/petitions/iap-2017/signatories?group=country"));

        var headings = Heading().Matches(html).ToDictionary(m => m.Groups[1].Value.Trim(), m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(headings, Is.EquivalentTo(listed));
        Assert.That(Items(html), Has.Count.EqualTo(130));
        Assert.That(html, Does.Contain($"130 organisations, from {listed.Count} countries."));
        Assert.That(headings.Keys.Where(k => k != "No country (international)"), Is.Ordered.Using((IComparer<string>)StringComparer.Create(System.Globalization.CultureInfo.GetCultureInfo("en"), true)));
    }

    [Test]
    public async Task SearchAndGroupTogetherAndATooLongSearchIsA400NamingIt()
    {
        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/petitions/iap-2017/signatories?q=helsinki+committee&group=country"));
        var items = Items(html);
        Assert.That(items, Has.Count.EqualTo(4).And.All.Contains("Helsinki Committee"));
        Assert.That(Heading().Count(html), Is.EqualTo(4), "each in a country of its own");

        using var tooLong = await client.GetAsync("/petitions/iap-2017/signatories?q=" + new string('a', 201));
        Assert.That(tooLong.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await tooLong.Content.ReadAsStringAsync(), Does.Contain("<a href=\"#q\">Search for at most 200 characters"));

        using var unknown = await client.GetAsync("/petitions/no-such-letter/signatories");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    private static List<string> Items(string html) =>
        Item().Matches(html[html.IndexOf("id=\"matching\"", StringComparison.Ordinal)..]).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex("<li>([^<]+)</li>")]
    private static partial Regex Item();

    [GeneratedRegex("<h2 id=\"country-[^\"]+\">([^<]+)<span class=\"meta\">\\((\\d+)\\)</span></h2>")]
    private static partial Regex Heading();
}
