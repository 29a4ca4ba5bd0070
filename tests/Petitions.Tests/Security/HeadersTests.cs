using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Tests.Support;

namespace Petitions.Tests.Security;

public class HeadersTests
{
    private PetitionsApp app = null!;
    private HttpClient client = null!;

    [OneTimeSetUp]
    public void StartApp()
    {
        app = new PetitionsApp();
        client = app.CreateClient(new() { AllowAutoRedirect = false });
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
    }

    [TestCase("/")]
    [TestCase("/petitions/iap-2017")]
    [TestCase("/petitions/no-such-letter")]
    [TestCase("/api/petitions")]
    [TestCase("/api/petitions/iap-2017/signatories")]
    [TestCase("/api/petitions/iap-2017/signatures.csv")]
    [TestCase("/api/petitions/iap-2017/signatures.xlsx")]
    [TestCase("/healthz")]
    [TestCase("/site.css")]
    [TestCase("/coordinators")]
    [TestCase("/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task EveryAnswerCarriesThePolicyHeaders(string path)
    {
        using var response = await client.GetAsync(path);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.That(csp, Does.Contain("object-src 'none'").And.Contain("base-uri 'none'").And.Contain("frame-ancestors 'none'"));
        Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
        Assert.That(response.Headers.Contains("Referrer-Policy"), Is.True);
    }

    // Whatever a request with a bearer token gets back is the coordinator's: never cached.
    [TestCase("/coordinators")]
    [TestCase("/api/petitions/iap-2017/signatures.csv")]
    [TestCase("/api/petitions/iap-2017/signatures.xlsx")]
    [TestCase("/api/petitions")]
    public async Task AnAnswerToABearerTokenIsNeverCached(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        using var response = await client.SendAsync(request);

        Assert.That(response.Headers.CacheControl?.NoStore, Is.True, path);
    }

    [TestCase("/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("/withdraw/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("/coordinators/sign-in")]
    public async Task TokenPagesAreNeverCachedWithoutAnyCredentials(string path)
    {
        using var response = await client.GetAsync(path);

        Assert.That(response.Headers.CacheControl?.NoStore, Is.True, path);
    }

    // A browser's session has a cookie and no Authorization header: what it fetches, the CSV
    // included, must not stay in a shared or disk cache either.
    [Test]
    public async Task EverythingACookieSessionFetchesIsNeverCached()
    {
        using var browser = await CookieSession.SignInAsync(app, "cache@coalition.example.org", "iap-2017");
        var letterPage = await browser.GetStringAsync("/coordinators/petitions/iap-2017");
        var downloads = System.Text.RegularExpressions.Regex.Matches(letterPage, "href=\"(/[^\"]+\\.(?:csv|txt)[^\"]*)\"")
            .Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).Distinct().ToList();
        Assert.That(downloads.Where(d => d.Contains(".csv", StringComparison.Ordinal)), Is.Not.Empty, "the letter page links to its CSV");

        foreach (var path in new[] { "/coordinators", "/coordinators/petitions/iap-2017" }.Concat(downloads))
        {
            using var response = await browser.GetAsync(path);

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            Assert.That(response.RequestMessage!.Headers.Authorization, Is.Null, "no bearer header: the session alone");
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True, path);
        }
    }

    [Test]
    public async Task TokenPagesSendNoReferrer()
    {
        using var response = await client.GetAsync("/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        Assert.That(response.Headers.GetValues("Referrer-Policy").Single(), Is.EqualTo("no-referrer"));
    }

    [Test]
    public async Task OverHttpsTheAnswerCarriesHstsOfAYear()
    {
        using var https = app.CreateClient(new() { BaseAddress = new Uri("https://petitions.example.org") });

        using var response = await https.GetAsync("/");

        Assert.That(response.Headers.GetValues("Strict-Transport-Security").Single(), Does.Contain("max-age=31536000"));
    }

    [Test]
    public async Task ASpoofedForwardedForDoesNotDodgeTheRateLimit()
    {
        using var limited = new PetitionsApp(settings: new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "1" });
        using var spoofer = limited.CreateClient();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/petitions/iap-2017/signatures")
            {
                Content = System.Net.Http.Json.JsonContent.Create(SignOnClient.ValidJson($"Spoofing Organisation {i}", $"s{i}@spoof.example.org")),
            };
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            using var response = await spoofer.SendAsync(request);
            answers.Add(response.StatusCode);
        }

        Assert.That(answers, Is.EqualTo(new[] { HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests }));
    }

    // The window is the app's clock's: held still here, all 10,000 fall in one minute however long they take.
    [Test]
    public async Task TenThousandRandomTokensConfirmNothingAndAreRateLimited()
    {
        var clock = new SteppableClock(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        using var limited = new PetitionsApp(services: s => s.AddSingleton<TimeProvider>(clock));
        using var guesser = limited.CreateClient();
        var answers = new Dictionary<HttpStatusCode, int>();
        for (var i = 0; i < 10_000; i++)
        {
            var token = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            using var response = await guesser.PostAsync("/api/confirmations", System.Net.Http.Json.JsonContent.Create(new { token }));
            answers[response.StatusCode] = answers.GetValueOrDefault(response.StatusCode) + 1;
        }

        TestContext.Out.WriteLine($"FIGURE random-tokens: 10000 tried, {answers.GetValueOrDefault(HttpStatusCode.OK)} confirmed, " +
            $"{answers.GetValueOrDefault(HttpStatusCode.NotFound)} answered 404, {answers.GetValueOrDefault(HttpStatusCode.TooManyRequests)} refused 429");
        Assert.That(answers.Keys, Is.SubsetOf(new[] { HttpStatusCode.NotFound, HttpStatusCode.TooManyRequests }));
        Assert.That(answers[HttpStatusCode.NotFound], Is.LessThanOrEqualTo(30), "only the first few of a minute are even looked at");
        Assert.That(answers[HttpStatusCode.NotFound], Is.EqualTo(30), "the first 30 of the minute are looked at, no more");
        Assert.That(answers[HttpStatusCode.TooManyRequests], Is.EqualTo(9_970));

        // A clock stepped back opens no new window; a minute on, the next one opens.
        clock.Set(clock.GetUtcNow() - TimeSpan.FromMinutes(5));
        using (var back = await guesser.PostAsync("/api/confirmations", System.Net.Http.Json.JsonContent.Create(new { token = new string('A', 43) })))
        {
            Assert.That(back.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        }

        clock.Set(new DateTimeOffset(2026, 11, 28, 12, 1, 0, TimeSpan.Zero));
        using var later = await guesser.PostAsync("/api/confirmations", System.Net.Http.Json.JsonContent.Create(new { token = new string('A', 43) }));
        Assert.That(later.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
