using System.Net;
using System.Text.RegularExpressions;
using Petitions.Tests.Support;

namespace Petitions.Tests.Petitions;

public partial class PublicPagesTests
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
    public async Task TheHomePageListsTheOpenSeedLetterWithItsCount()
    {
        var html = await client.GetStringAsync("/");

        Assert.That(html, Does.Contain("<a href=\"/petitions/iap-2017\">Petition to the International Association of Prosecutors</a>"));
        Assert.That(html, Does.Contain("130 organisations signed"));
    }

    [Test]
    public async Task TheLetterPageReadsAsTheSeed()
    {
        var html = await client.GetStringAsync("/petitions/iap-2017");

        Assert.That(html, Does.Contain("<h1>Petition to the International Association of Prosecutors</h1>"));
        Assert.That(html, Does.Contain("The Hague, 5 September 2017"));
        Assert.That(html, Does.Contain("Dear members of the IAP Executive Committee and the Senate,<br />"));
        // Each footnote mark links to its note, and the note links back to the first mark.
        Assert.That(html, Does.Contain("targeted by the prosecution service<sup><a href=\"#note-1\" id=\"ref-1\" class=\"note-mark\">1</a></sup>"));
        Assert.That(html, Does.Contain("<a href=\"#ref-1\" class=\"back-link\""));
        Assert.That(html, Does.Contain("<em>Standards of Professional Responsibility"));
        Assert.That(html, Does.Contain("We urge the IAP Executive Committee and the Senate to:"));
        Assert.That(html, Does.Contain("We call on individual members of the IAP to:"));
        Assert.That(html, Does.Contain("<a href=\"https://www.hrw.org/world-report/2017/country-chapters/china-and-tibet\">"));
        Assert.That(Regex.Matches(html, "<li value=\"\\d\" id=\"note-\\d\">"), Has.Count.EqualTo(5));
    }

    [Test]
    public async Task TheLetterPageListsEveryOrganisationAsNameCommaCityWithACount()
    {
        var html = await client.GetStringAsync("/petitions/iap-2017");
        var list = SignatoryList().Match(html).Groups[1].Value;
        var items = ListItem().Matches(list).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

        Assert.That(items, Has.Count.EqualTo(130));
        Assert.That(html, Does.Contain("130 organisations have signed this letter."));
        Assert.That(items, Does.Contain("Asian Human Rights Commission, Hong Kong SAR"));
        Assert.That(items, Does.Contain("Africa Network for Environment and Economic Justice, Benin"));
        Assert.That(items, Does.Contain("Amnesty International"));
        Assert.That(items, Does.Contain("Regional Center for Strategic Studies, Baku/ Tbilisi"));
        Assert.That(items, Does.Contain("NGO \"Aru ana\", Aktobe"));
        Assert.That(items, Does.Contain("Transparency International Česká republika, Prague"));
        Assert.That(items, Is.Ordered.Using((IComparer<string>)global::Petitions.Signatures.SignatureStore.NameOrder));
    }

    [Test]
    public async Task AccentsDoNotMoveANameToTheEndOfTheList()
    {
        var html = await client.GetStringAsync("/petitions/iap-2017");
        var items = ListItem().Matches(SignatoryList().Match(html).Groups[1].Value).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

        var ceska = items.FindIndex(i => i.StartsWith("Transparency International Česká", StringComparison.Ordinal));
        var deutschland = items.FindIndex(i => i.StartsWith("Transparency International Deutschland", StringComparison.Ordinal));
        var espana = items.FindIndex(i => i.StartsWith("Transparency International España", StringComparison.Ordinal));
        var eu = items.FindIndex(i => i.StartsWith("Transparency International EU", StringComparison.Ordinal));

        Assert.That(ceska, Is.LessThan(deutschland));
        Assert.That(espana, Is.LessThan(eu));
    }

    [Test]
    public async Task AnUnknownLetterIsNotFound()
    {
        using var response = await client.GetAsync("/petitions/no-such-letter");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task ThePagesNeedNoScript()
    {
        foreach (var path in new[] { "/", "/petitions/iap-2017" })
        {
            var html = await client.GetStringAsync(path);
            Assert.That(html, Does.Not.Contain("<script"), path);
            Assert.That(html, Does.Contain("<html lang=\"en\" dir=\"ltr\">"), path);
        }
    }

    [Test]
    public async Task TheStylesheetIsServed()
    {
        using var response = await client.GetAsync("/site.css");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/css"));
    }

    [GeneratedRegex("<ul class=\"signatories\">(.*?)</ul>", RegexOptions.Singleline)]
    private static partial Regex SignatoryList();

    [GeneratedRegex("<li>(.*?)</li>", RegexOptions.Singleline)]
    private static partial Regex ListItem();
}
