using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Petitions.Tests.Support;

namespace Petitions.Tests.Embed;

/// <summary>
/// The embeddable form (/petitions/{slug}/embed): who may frame it, its answers inside the frame, and its antiforgery
/// cookie over HTTP and HTTPS.
/// </summary>
public sealed class EmbedTests
{
    private const string Embed = "/petitions/iap-2017/embed";
    private const string Partner = "https://partner.example.org";
    private const string SamePort = "http://127.0.0.1:8080";

    private PetitionsApp app = null!;

    [SetUp]
    public void StartApp() => app = new PetitionsApp();

    [TearDown]
    public void StopApp() => app.Dispose();

    private static string Csp(HttpResponseMessage response) => response.Headers.GetValues("Content-Security-Policy").Single();

    private static bool FramedByNobody(HttpResponseMessage response) =>
        Csp(response).Contains("frame-ancestors 'none'", StringComparison.Ordinal)
        && response.Headers.TryGetValues("X-Frame-Options", out var xfo) && xfo.Single() == "DENY";

    private async Task ListOriginsAsync(params string[] origins)
    {
        using var coordinator = await Coordinator.ClientAsync(app);
        var letter = (await coordinator.GetFromJsonAsync<JsonObject>("/api/petitions/iap-2017"))!;
        letter["embedOrigins"] = new JsonArray(origins.Select(o => (JsonNode?)JsonValue.Create(o)).ToArray());
        using var put = await coordinator.PutAsJsonAsync("/api/petitions/iap-2017", letter);
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK), await put.Content.ReadAsStringAsync());
    }

    private static FormUrlEncodedContent Form(string token, string organisation, string email, bool complete = true)
    {
        var fields = new List<KeyValuePair<string, string>> { new("__RequestVerificationToken", token), new("organisation", organisation) };
        if (complete)
        {
            fields.AddRange([
                new("city", "Utrecht"), new("country", "NL"), new("contactName", "Anna de Vries"), new("contactRole", "Director"),
                new("contactEmail", email), new("consent", "true"),
            ]);
        }

        return new FormUrlEncodedContent(fields);
    }

    [Test]
    public async Task TheEmbedIsTheFormAloneWithTheTitleAndTheCountAndNobodyMayFrameItUntilOriginsAreListed()
    {
        using var client = app.CreateClient();

        using var response = await client.GetAsync(Embed);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(FramedByNobody(response), Is.True, "no origins listed: frame-ancestors 'none'");
        Assert.That(html, Does.Contain("action=\"/petitions/iap-2017/embed/sign\"").And.Contain("name=\"__RequestVerificationToken\""));
        Assert.That(html, Does.Contain("<a href=\"/petitions/iap-2017\" target=\"_blank\" rel=\"noopener\"><span>Petition to the International Association of Prosecutors</span>"));
        Assert.That(html, Does.Contain("130 organisations have signed"));
        Assert.That(html, Does.Not.Contain("site-header").And.Not.Contain("site-footer").And.Not.Contain("class=\"languages\""), "no header, footer or navigation");
        Assert.That(html, Does.Contain("href=\"/privacy\" target=\"_blank\""), "links leave the frame");
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True, "a page with its own token is not cached");
    }

    [Test]
    public async Task TheListedOriginsAloneMayFrameTheEmbedAndEveryOtherPageStaysUnframable()
    {
        await ListOriginsAsync(Partner, SamePort);
        await Coordinator.AddLetterAsync(app, "other-letter");
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });

        using var embed = await client.GetAsync(Embed);

        Assert.That(embed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Csp(embed), Does.Contain($"frame-ancestors {Partner} {SamePort};").And.Contain("object-src 'none'").And.Contain("script-src 'none'"));
        Assert.That(embed.Headers.Contains("X-Frame-Options"), Is.False, "X-Frame-Options cannot name origins; frame-ancestors says it");

        foreach (var path in new[] { "/petitions/other-letter/embed", "/petitions/iap-2017", "/petitions/iap-2017/check-email", "/petitions/iap-2017/sign", "/", "/privacy", "/petitions/iap-2017/signatories", "/coordinators/sign-in", "/api/petitions/iap-2017" })
        {
            using var other = await client.GetAsync(path);
            Assert.That(FramedByNobody(other), Is.True, path);
        }
    }

    [TestCase("/petitions/no-such-letter/embed")]
    [TestCase("/petitions/a-draft/embed")]
    [TestCase("/petitions/no-such-letter/embed/check-email")]
    public async Task AnUnknownOrDraftLettersEmbedIsAnHtml404ThatNobodyMayFrame(string path)
    {
        await Coordinator.AddLetterAsync(app, "a-draft", "draft");
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Page not found"));
        Assert.That(FramedByNobody(response), Is.True);
    }

    [Test]
    public async Task AClosedLettersEmbedSaysSoAndHasNoForm()
    {
        await Coordinator.AddLetterAsync(app, "closed-letter", "closed");
        using var client = app.CreateClient();

        var html = await client.GetStringAsync("/petitions/closed-letter/embed");

        Assert.That(html, Does.Contain("This letter is closed: it no longer takes signatures."));
        Assert.That(html, Does.Not.Contain("<form"));
    }

    [Test]
    public async Task SigningInTheFrameLandsOnTheEmbeddedCheckYourEmailPageFramableAsTheForm()
    {
        await ListOriginsAsync(Partner);
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var before = await SignOnClient.CountsAsync(app);
        var token = SignOnClient.Antiforgery(await client.GetStringAsync(Embed));

        using var posted = await client.PostAsync(Embed + "/sign", Form(token, "Stichting Ingebed", "anna@ingebed.example.org"));

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(posted.Headers.Location?.OriginalString, Is.EqualTo("/petitions/iap-2017/embed/check-email"));
        Assert.That((await SignOnClient.CountsAsync(app)).Signatures, Is.EqualTo(before.Signatures + 1));

        using var landed = await client.GetAsync(posted.Headers.Location);
        var html = await landed.Content.ReadAsStringAsync();
        Assert.That(landed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain("<h1>Check your email</h1>").And.Not.Contain("site-header"));
        Assert.That(Csp(landed), Does.Contain($"frame-ancestors {Partner};"));
    }

    [Test]
    public async Task AFormWithErrorsComesBackInTheFrameInTheLanguageItWasReadIn()
    {
        await ListOriginsAsync(Partner);
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var before = await SignOnClient.CountsAsync(app);
        var page = await client.GetStringAsync(Embed + "?lang=fr");
        Assert.That(page, Does.Contain("action=\"/petitions/iap-2017/embed/sign?lang=fr\""));

        using var posted = await client.PostAsync(Embed + "/sign?lang=fr", Form(SignOnClient.Antiforgery(page), "Sans courriel", "", complete: false));
        var html = await posted.Content.ReadAsStringAsync();

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("Veuillez corriger les points suivants").And.Contain("value=\"Sans courriel\""));
        Assert.That(html, Does.Contain("action=\"/petitions/iap-2017/embed/sign?lang=fr\"").And.Not.Contain("site-header"));
        Assert.That(Csp(posted), Does.Contain($"frame-ancestors {Partner};"));
        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before));
    }

    [Test]
    public async Task SigningAClosedLetterInTheFrameIs409SayingItIsClosed()
    {
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var token = SignOnClient.Antiforgery(await client.GetStringAsync(Embed));
        using (var coordinator = await Coordinator.ClientAsync(app))
        {
            var letter = (await coordinator.GetFromJsonAsync<JsonObject>("/api/petitions/iap-2017"))!;
            letter["status"] = "closed";
            (await coordinator.PutAsJsonAsync("/api/petitions/iap-2017", letter)).Dispose();
        }

        using var posted = await client.PostAsync(Embed + "/sign", Form(token, "Trop Tard", "late@trop-tard.example.org"));

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await posted.Content.ReadAsStringAsync(), Does.Contain("This letter is closed").And.Not.Contain("<form"));
    }

    [Test]
    public async Task OverPlainHttpTheCookieStaysStrictAndAPostWithoutItGetsAFramePageThatLinksToTheLetter()
    {
        await ListOriginsAsync(Partner);
        using var visitor = app.CreateClient();
        using var page = await visitor.GetAsync(Embed);
        var cookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.That(cookie, Does.Contain("samesite=strict").And.Not.Contain("secure").And.Not.Contain("Partitioned"),
            "browsers refuse SameSite=None without Secure, and Secure over HTTP");
        var token = SignOnClient.Antiforgery(await page.Content.ReadAsStringAsync());
        var before = await SignOnClient.CountsAsync(app);

        // A frame on another site over HTTP: the browser kept no cookie, so the token arrives alone.
        using var cookieless = app.CreateClient(new() { HandleCookies = false, AllowAutoRedirect = false });
        using var posted = await cookieless.PostAsync(Embed + "/sign", Form(token, "Sans Cookie", "c@sans-cookie.example.org"));
        var html = await posted.Content.ReadAsStringAsync();

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("<h1>Sign on the letter&#x27;s page</h1>").And.Contain("href=\"/petitions/iap-2017#sign\" class=\"button\" target=\"_blank\""));
        Assert.That(html, Does.Not.Contain("site-header"));
        Assert.That(Csp(posted), Does.Contain($"frame-ancestors {Partner};"), "it shows inside the partner's frame");
        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before), "nothing stored");

        // The letter page's own form keeps the plain 400 it always had.
        using var letterPost = await cookieless.PostAsync("/petitions/iap-2017/sign", Form(token, "Sans Cookie", "c@sans-cookie.example.org"));
        Assert.That(letterPost.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await letterPost.Content.ReadAsStringAsync(), Does.Not.Contain("Sign on the letter"));
    }

    [Test]
    public async Task OverHttpsTheEmbedsCookieIsSameSiteNoneSecureAndPartitionedAndSigningWorks()
    {
        using var https = app.CreateClient(new() { BaseAddress = new Uri("https://petitions.example.org"), AllowAutoRedirect = false });

        using var page = await https.GetAsync(Embed);
        var cookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        using var posted = await https.PostAsync(Embed + "/sign", Form(SignOnClient.Antiforgery(await page.Content.ReadAsStringAsync()), "Stichting Https", "h@https.example.org"));
        using var letterPage = await app.CreateClient(new() { BaseAddress = new Uri("https://petitions.example.org") }).GetAsync("/petitions/iap-2017");

        Assert.That(cookie, Does.Contain("samesite=none").And.Contain("secure").And.Contain("Partitioned"));
        Assert.That(cookie.Split(';').Count(p => p.Trim() == "Partitioned"), Is.EqualTo(1));
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(letterPage.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)),
            Does.Contain("samesite=strict"), "the letter page's own cookie is unchanged");
    }

    [Test]
    public async Task BehindATrustedProxyThatSaysHttpsTheCookieIsSameSiteNone()
    {
        using var proxied = new PetitionsApp(settings: new Dictionary<string, string?> { ["Petitions:TrustedProxies"] = "192.0.2.10" });
        proxied.CreateClient().Dispose();

        var trusted = await proxied.Server.SendAsync(c => Request(c, "192.0.2.10"));
        var untrusted = await proxied.Server.SendAsync(c => Request(c, "198.51.100.7"));

        Assert.That(trusted.Response.Headers.SetCookie.ToString(), Does.Contain("samesite=none").And.Contain("secure"));
        Assert.That(untrusted.Response.Headers.SetCookie.ToString(), Does.Contain("samesite=strict").And.Not.Contain("secure"), "X-Forwarded-Proto from anyone else is not believed");

        static void Request(Microsoft.AspNetCore.Http.HttpContext c, string peer)
        {
            c.Request.Method = "GET";
            c.Request.Path = Embed;
            c.Request.Headers["X-Forwarded-Proto"] = "https";
            c.Request.Headers["X-Forwarded-For"] = "203.0.113.1";
            c.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        }
    }

    [Test]
    public async Task TheCoordinatorPageGivesTheFrameAndBadgeHtmlAndSaysWhenNoOriginIsListed()
    {
        using var browser = await CookieSession.SignInAsync(app, "embed@coalition.example.org", "iap-2017");

        var before = await browser.GetStringAsync("/coordinators/petitions/iap-2017");
        await ListOriginsAsync(Partner);
        var after = await browser.GetStringAsync("/coordinators/petitions/iap-2017");

        Assert.That(before, Does.Contain("<textarea id=\"embed-frame\" rows=\"3\" readonly>&lt;iframe src=&quot;http://localhost/petitions/iap-2017/embed&quot; title=&quot;Sign “Petition to the International Association of Prosecutors”&quot;"));
        Assert.That(before, Does.Contain("<label for=\"embed-frame\">").And.Contain("<label for=\"embed-badge\">"));
        Assert.That(before, Does.Contain("&lt;img src=&quot;http://localhost/petitions/iap-2017/badge.svg&quot;"));
        Assert.That(before, Does.Contain("id=\"embed-not-framable\"").And.Contain("href=\"/coordinators/petitions/iap-2017/edit#embedOrigins\""));
        Assert.That(after, Does.Not.Contain("id=\"embed-not-framable\"").And.Contain(Partner));
    }
}
