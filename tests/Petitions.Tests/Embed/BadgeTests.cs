using System.Net;
using System.Xml.Linq;
using Petitions.Tests.Support;

namespace Petitions.Tests.Embed;

/// <summary>GET /petitions/{slug}/badge.svg: the count as an image any site may show.</summary>
public sealed class BadgeTests
{
    private PetitionsApp app = null!;
    private HttpClient client = null!;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        // No cookies: a ?lang= would be remembered and speak for the next case.
        client = app.CreateClient(new() { HandleCookies = false });
        await Coordinator.AddLetterAsync(app, "a-draft", "draft");
        await Coordinator.AddLetterAsync(app, "one-signed");
        await Coordinator.SignatureInStateAsync(app, "listed", "Only Organisation", "o@only.example.org", slug: "one-signed");
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
    }

    [TestCase("", "130 organisations have signed")]
    [TestCase("?lang=fr", "130 organisations ont signé")]
    [TestCase("?lang=ru", "Подписали 130 организаций")]
    [TestCase("?lang=ar", "وقّعت 130 منظمة")]
    public async Task TheBadgeSaysTheCountInTheReadersLanguageAnyoneMayShowItAndCachesKeepItBriefly(string query, string text)
    {
        using var response = await client.GetAsync("/petitions/iap-2017/badge.svg" + query);
        var svg = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/svg+xml"));
        Assert.That(response.Headers.GetValues("Cross-Origin-Resource-Policy").Single(), Is.EqualTo("cross-origin"));
        Assert.That(response.Headers.CacheControl?.Public, Is.True);
        Assert.That(response.Headers.CacheControl?.MaxAge, Is.EqualTo(TimeSpan.FromMinutes(5)));
        Assert.That(svg.Attribute("role")?.Value, Is.EqualTo("img"));
        Assert.That(svg.Attribute("aria-labelledby")?.Value, Is.EqualTo("badge-title"));
        Assert.That(svg.Element(ns + "title")?.Value, Is.EqualTo(text));
        Assert.That(svg.Element(ns + "text")?.Value, Is.EqualTo(text));
    }

    [TestCase("", "1 organisation has signed")]
    [TestCase("?lang=ru", "Подписала 1 организация")]
    [TestCase("?lang=ar", "وقّعت منظمة واحدة")]
    public async Task OneSignatoryIsSaidInTheSingular(string query, string text)
    {
        var svg = XDocument.Parse(await client.GetStringAsync("/petitions/one-signed/badge.svg" + query)).Root!;

        Assert.That(svg.Elements().Single(e => e.Name.LocalName == "title").Value, Is.EqualTo(text));
    }

    [TestCase("/petitions/a-draft/badge.svg")]
    [TestCase("/petitions/no-such-letter/badge.svg")]
    public async Task ADraftOrUnknownLetterHasNoBadge(string path)
    {
        using var response = await client.GetAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public void TheTextIsEscaped()
    {
        var svg = System.Text.Encoding.UTF8.GetString(global::Petitions.Embed.Badge.Svg("<script>&\"x\"</script>\u0001", global::Petitions.Web.Languages.English));

        Assert.That(svg, Does.Not.Contain("<script>").And.Contain("&lt;script&gt;&amp;&quot;x&quot;&lt;/script&gt;"));
        Assert.That(() => XDocument.Parse(svg), Throws.Nothing);
    }
}
