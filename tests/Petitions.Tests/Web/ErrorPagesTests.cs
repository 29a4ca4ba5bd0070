using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Web;

/// <summary>Errors as a browser and as an API client get them: a page in the site's layout, or problem details.</summary>
public sealed class ErrorPagesTests
{
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

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

    [TestCase("/no-such-page")]
    [TestCase("/petitions/no-such-letter")]
    [TestCase("/petitions/no-such-letter/print")]
    public async Task ABrowserAskingForAnUnknownPageGetsA404PageInTheSiteLayout(string path)
    {
        using var response = await GetAsync(path, BrowserAccept);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(html, Does.StartWith("<!DOCTYPE html>"));
        Assert.That(html, Does.Contain("<h1>Page not found</h1>"));
        Assert.That(html, Does.Contain("<a href=\"/\">See the open letters</a>"));
        Assert.That(html, Does.Contain("<link rel=\"stylesheet\""), "the site's layout");
        Assert.That(html, Does.Contain("<meta name=\"robots\" content=\"noindex\">"));
    }

    [TestCase("/api/petitions/no-such-letter", BrowserAccept)]
    [TestCase("/no-such-page", "application/json")]
    [TestCase("/no-such-page", null)]
    public async Task TheApiAndOtherClientsKeepProblemDetails(string path, string? accept)
    {
        using var response = await GetAsync(path, accept);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(404));
    }

    [Test]
    public async Task ABrowserOverTheRateLimitIsToldWhenToTryAgain()
    {
        using var limited = new PetitionsApp(settings: new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "1" });
        using var browser = limited.CreateClient();

        using var first = await PostFormAsync(browser);
        using var second = await PostFormAsync(browser);
        var html = await second.Content.ReadAsStringAsync();

        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(second.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        var retry = second.Headers.RetryAfter?.Delta;
        Assert.That(retry, Is.Not.Null);
        Assert.That(html, Does.Contain("<h1>Too many attempts</h1>"));
        Assert.That(html, Does.Match(@"Please try again in \d+ (seconds|minutes|second)\."));
    }

    [Test]
    public async Task ABrowserNotSignedInIsSentToSignInAndBackToThePageItAskedFor()
    {
        using var response = await GetAsync("/coordinators/petitions/iap-2017?status=pending", BrowserAccept);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(html, Does.Contain("<h1>Sign in first</h1>"));
        Assert.That(html, Does.Contain("<a href=\"/coordinators/sign-in?returnUrl=%2Fcoordinators%2Fpetitions%2Fiap-2017%3Fstatus%3Dpending\">"));

        var signIn = await client.GetStringAsync("/coordinators/sign-in?returnUrl=%2Fcoordinators%2Fpetitions%2Fiap-2017%3Fstatus%3Dpending");
        Assert.That(signIn, Does.Contain("<input type=\"hidden\" name=\"returnUrl\" value=\"/coordinators/petitions/iap-2017?status=pending\">"));
    }

    [TestCase("https://evil.example/")]
    [TestCase("//evil.example/coordinators")]
    [TestCase("/coordinators//evil.example")]
    [TestCase("/\\evil.example")]
    [TestCase("/petitions/iap-2017")]
    [TestCase("/coordinators/sign-out")]
    public async Task ASignInReturnPathOutsideTheConsoleIsDropped(string returnUrl)
    {
        var signIn = await client.GetStringAsync("/coordinators/sign-in?returnUrl=" + Uri.EscapeDataString(returnUrl));

        Assert.That(signIn, Does.Not.Contain("name=\"returnUrl\""));
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/petitions/iap-2017/sign")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["organisation"] = "Rate Test" }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return await browser.SendAsync(request);
    }
}
