using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Petitions.Coordinators;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>The coordinators' sign-in by an emailed one-time link, then a cookie session.</summary>
public partial class SignInTests
{
    private FakeTimeProvider clock = null!;
    private PetitionsApp app = null!;
    private HttpClient browser = null!;

    [SetUp]
    public async Task StartApp()
    {
        clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        app = new PetitionsApp(services: s => s.AddSingleton<TimeProvider>(clock));
        browser = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        await app.Services.GetRequiredService<CoordinatorStore>().AddAsync("ana@coalition.example.org", "Ana", []);
    }

    [TearDown]
    public void StopApp()
    {
        browser.Dispose();
        app.Dispose();
    }

    private Task<HttpResponseMessage> PostFormAsync(string path, params (string Name, string Value)[] fields) => PostFormAsync(path, path, fields);

    /// <param name="formPage">The page whose form's antiforgery token is sent.</param>
    private async Task<HttpResponseMessage> PostFormAsync(string formPage, string path, params (string Name, string Value)[] fields)
    {
        var page = await browser.GetStringAsync(formPage);
        var token = SignOnClient.Antiforgery(page);
        using var form = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).Append(new("__RequestVerificationToken", token)));
        return await browser.PostAsync(path, form);
    }

    private async Task<string> AskForALinkAsync(string email = "ana@coalition.example.org")
    {
        using var asked = await PostFormAsync("/coordinators/sign-in", ("email", email));
        Assert.That(await asked.Content.ReadAsStringAsync(), Does.Contain("If this address belongs to a coordinator"));
        var tokens = await Delivered.TokensAsync(app, "coordinators/sign-in");
        return tokens.Count == 0 ? "" : tokens[^1];
    }

    [Test]
    public async Task TheEmailedLinkOpensASessionThatReachesTheCoordinatorPages()
    {
        var token = await AskForALinkAsync();
        using (var before = await browser.GetAsync("/coordinators"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        using var signedIn = await PostFormAsync($"/coordinators/sign-in/{token}");

        Assert.That(signedIn.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(signedIn.Headers.Location?.ToString(), Is.EqualTo("/coordinators"));
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("petitions.coordinator=", StringComparison.Ordinal));
        Assert.That(cookie, Does.Contain("httponly").IgnoreCase.And.Contain("samesite=strict").IgnoreCase);
        var home = await browser.GetStringAsync("/coordinators");
        Assert.That(home, Does.Contain("Your letters").And.Contain("/coordinators/petitions/iap-2017"));
        using var csv = await browser.GetAsync("/coordinators/petitions/iap-2017/signatures.csv");
        Assert.That(csv.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task OpeningTheLinkDoesNotSignInAndTheLinkWorksOnce()
    {
        var token = await AskForALinkAsync();

        using var opened = await browser.GetAsync($"/coordinators/sign-in/{token}");
        Assert.That(opened.Headers.Contains("Set-Cookie") && opened.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("petitions.coordinator=", StringComparison.Ordinal)), Is.False);
        using var first = await PostFormAsync($"/coordinators/sign-in/{token}");
        using var second = await browser.GetAsync($"/coordinators/sign-in/{token}");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task TheLinkExpiresAfterFifteenMinutes()
    {
        var token = await AskForALinkAsync();
        clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        using var opened = await browser.GetAsync($"/coordinators/sign-in/{token}");
        // The POST is what signs in, so it is the one that must refuse: with a good antiforgery
        // token (from the sign-in page, as the expired link's page shows no form).
        using var posted = await PostFormAsync("/coordinators/sign-in", $"/coordinators/sign-in/{token}");
        using var after = await browser.GetAsync("/coordinators");

        Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(posted.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("petitions.coordinator=", StringComparison.Ordinal)), Is.False);
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task TheLinkStillSignsInOneSecondBeforeItsFifteenMinutesAreUp()
    {
        var token = await AskForALinkAsync();
        clock.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));

        using var posted = await PostFormAsync("/coordinators/sign-in", $"/coordinators/sign-in/{token}");

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
    }

    [Test]
    public async Task AnAddressThatIsNoCoordinatorsGetsTheSameAnswerAndNoEmail()
    {
        var token = await AskForALinkAsync("nobody@elsewhere.example.org");

        Assert.That(token, Is.Empty);
        Assert.That(await Delivered.MessagesAsync(app), Is.Empty);
    }

    [Test]
    public async Task SigningOutEndsTheSession()
    {
        var token = await AskForALinkAsync();
        using (var _ = await PostFormAsync($"/coordinators/sign-in/{token}"))
        {
        }

        using var signedOut = await PostFormAsync("/coordinators/sign-out");
        using var after = await browser.GetAsync("/coordinators");

        Assert.That(signedOut.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

}
