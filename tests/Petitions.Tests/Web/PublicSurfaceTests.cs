using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Web;

/// <summary>The public side's details: links in emails, the form's optional and international fields, and the web's conventions.</summary>
public sealed class PublicSurfaceTests
{
    [Test]
    public async Task WithoutAPublicBaseUrlEmailLinksLeadToTheAddressTheServiceServes()
    {
        using var directory = new TempDirectory();
        using var server = await ServerProcess.StartAsync(directory.Path, new Dictionary<string, string> { ["Petitions__PublicBaseUrl"] = "" });
        using var client = new HttpClient { BaseAddress = server.BaseUrl };

        using var response = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Base Address Trust", "base@base-address.example.org"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var mail = await WaitForMailAsync(Path.Combine(directory.Path, "mail"));
        Assert.That(mail, Does.Contain($"{server.BaseUrl}confirm/"), "the link uses the port given with --urls");
        Assert.That(mail, Does.Not.Contain("127.0.0.1:5080"));
    }

    [TestCase("www.example.org", "https://www.example.org")]
    [TestCase("example.org/about", "https://example.org/about")]
    [TestCase("http://example.org", "http://example.org")]
    public async Task AWebsiteWithoutSchemeIsStoredWithHttps(string typed, string stored)
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var body = SignOnClient.ValidJson("Scheme Trust", "info@example.org");
        body["website"] = typed;

        using var response = await SignOnClient.PostJsonAsync(client, body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT website FROM signatures ORDER BY id DESC LIMIT 1"), Is.EqualTo(stored));
    }

    [Test]
    public async Task AnInternationalOrganisationSignsWithNoCountryAndNoCityOnTheForm()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var fields = Form("International Alliance of Tests", "intl@alliance-tests.example.org");
        fields["city"] = null;
        fields["country"] = "international";

        using var response = await SignOnClient.PostFormAsync(client, fields);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther), await response.Content.ReadAsStringAsync());
        await using var connection = await app.Db.OpenAsync();
        var country = await connection.ExecuteScalarAsync<string?>("""
            SELECT o.country FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'International Alliance of Tests'
            """);
        Assert.That(country, Is.Null);
    }

    [TestCase("Geneva", "international", "An international organisation has no city")]
    [TestCase("Geneva", "", "Choose your organisation&#x27;s country, or")]
    [TestCase(null, "", "Choose your organisation&#x27;s country, or")]
    public async Task TheFormRefusesACountryLeftUnchosenOrACityWithoutCountry(string? city, string country, string message)
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var fields = Form("Countryless Test Group", "c@countryless.example.org");
        fields["city"] = city;
        fields["country"] = country;

        using var response = await SignOnClient.PostFormAsync(client, fields);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("id=\"country-error\""));
        Assert.That(html, Does.Contain(message));
        Assert.That((await SignOnClient.CountsAsync(app)).Signatures, Is.EqualTo(130), "nothing stored beyond the seed");
    }

    [Test]
    public async Task TheLetterPageCarriesACallToActionMetaTagsAndLinkedFootnotes()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();

        var html = await client.GetStringAsync("/petitions/iap-2017");

        Assert.That(html, Does.Contain("<a href=\"#sign\" class=\"button\">Sign this letter</a>"));
        Assert.That(html, Does.Contain("130 organisations have signed</a>"));
        Assert.That(html, Does.Contain("<section class=\"sign\" id=\"sign\""));
        Assert.That(html, Does.Match("<meta name=\"description\" content=\"Dear members of the IAP Executive Committee[^\"]{20,}\">"));
        Assert.That(html, Does.Contain("<meta property=\"og:title\" content=\"Petition to the International Association of Prosecutors\">"));
        Assert.That(html, Does.Contain("<meta name=\"twitter:card\" content=\"summary\">"));
        Assert.That(html, Does.Contain("<link rel=\"canonical\" href=\"http://localhost/petitions/iap-2017\">"));
        Assert.That(html, Does.Contain("<input type=\"text\" id=\"letter-link\" value=\"http://localhost/petitions/iap-2017\" readonly>"));
        Assert.That(html, Does.Contain("<link rel=\"icon\" href=\"/icon.svg\" type=\"image/svg+xml\">"));
        Assert.That(html, Does.Contain("<a href=\"/privacy\">"));
        // The notes come before the form and the list.
        Assert.That(html.IndexOf("id=\"notes\"", StringComparison.Ordinal), Is.LessThan(html.IndexOf("id=\"sign\"", StringComparison.Ordinal)));
        Assert.That(html.IndexOf("id=\"sign\"", StringComparison.Ordinal), Is.LessThan(html.IndexOf("id=\"supporters\"", StringComparison.Ordinal)));
        foreach (Match mark in Regex.Matches(html, "<a href=\"#note-(\\d+)\" id=\"ref-\\d+\""))
        {
            Assert.That(html, Does.Contain($"<li value=\"{mark.Groups[1].Value}\" id=\"note-{mark.Groups[1].Value}\">"));
            Assert.That(html, Does.Contain($"<a href=\"#ref-{mark.Groups[1].Value}\" class=\"back-link\""));
        }
    }

    [Test]
    public async Task TheSiteServesItsIconsRobotsAVersionedStylesheetAndAPrivacyNotice()
    {
        using var app = new PetitionsApp(settings: new Dictionary<string, string?>
        {
            ["Petitions:SiteName"] = "Coalition for Tests",
            ["Petitions:ContactEmail"] = "privacy@coalition-tests.example.org",
        });
        using var client = app.CreateClient();

        using var favicon = await client.GetAsync("/favicon.ico");
        Assert.That(favicon.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/x-icon"));
        Assert.That((await favicon.Content.ReadAsByteArrayAsync())[..4], Is.EqualTo(new byte[] { 0, 0, 1, 0 }));
        using var icon = await client.GetAsync("/icon.svg");
        Assert.That(await icon.Content.ReadAsStringAsync(), Does.StartWith("<svg"));
        var robots = await client.GetStringAsync("/robots.txt");
        Assert.That(robots, Does.Contain("Disallow: /coordinators/"));

        var home = await client.GetStringAsync("/");
        var css = Regex.Match(home, "<link rel=\"stylesheet\" href=\"(/site\\.[0-9a-f]{12}\\.css)\">").Groups[1].Value;
        Assert.That(css, Is.Not.Empty);
        using var stylesheet = await client.GetAsync(css);
        Assert.That(stylesheet.Headers.CacheControl?.MaxAge, Is.EqualTo(TimeSpan.FromDays(365)));
        Assert.That(home, Does.Contain("<title>Open letters · Coalition for Tests</title>"));
        Assert.That(home, Does.Contain(">Coalition for Tests</a>"));

        var privacy = await client.GetStringAsync("/privacy");
        Assert.That(privacy, Does.Contain("<h1>Privacy notice</h1>"));
        Assert.That(privacy, Does.Contain("<a href=\"mailto:privacy@coalition-tests.example.org\">"));
        Assert.That(privacy, Does.Contain("7 days after its confirmation link expired"));
    }

    [Test]
    public async Task PagesWriteEveryScriptAsItselfAndJsonEscapesHtmlCharacters()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        var body = SignOnClient.ValidJson("Правозащитный центр <b>", "pravo@pravo-centr.example.org");
        using (var signed = await SignOnClient.PostJsonAsync(client, body))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var html = await client.GetStringAsync("/petitions/iap-2017");
        Assert.That(html, Does.Contain("ç"), "accented seed names are written as UTF-8");
        Assert.That(html, Does.Not.Match("&#x(?!27;|22;)[0-9A-F]{2,5};"), "no letter written as an entity (quotes aside)");

        var json = await client.GetStringAsync("/api/petitions/iap-2017");
        Assert.That(json, Does.Contain("IAP\\u0027s"), "the apostrophe is escaped in JSON");
        Assert.That(json, Does.Not.Contain("IAP's"));
    }

    [Test]
    public async Task EmailsSayTheyAreAutomaticAndPickupFilesDeclareTheirTransferEncoding()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        using (var signed = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Fundação Açaí", "acai@fundacao-acai.example.org")))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var mail = await WaitForMailAsync(app.PickupDirectory);

        Assert.That(mail, Does.Contain("Auto-Submitted: auto-generated"));
        Assert.That(Regex.Matches(mail, "^Content-Transfer-Encoding: ", RegexOptions.Multiline), Is.Not.Empty);
    }

    private static Dictionary<string, object?> Form(string organisation, string email) => new()
    {
        ["organisation"] = organisation,
        ["city"] = "Oslo",
        ["country"] = "NO",
        ["contactName"] = "Kari Nordmann",
        ["contactRole"] = "Director",
        ["contactEmail"] = email,
        ["consent"] = true,
    };

    private static async Task<string> WaitForMailAsync(string directory)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(directory) && Directory.GetFiles(directory, "*.eml") is { Length: > 0 } files)
            {
                return await File.ReadAllTextAsync(files[0]);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("No email reached the pickup folder.");
    }
}
