using System.Net;
using System.Net.Http.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Petitions;

/// <summary>
/// The letter page is kept as rendered (Pages/Letters/LetterPageCache.cs), its letter checked
/// against its row on every load (PetitionStore.FindAsync): each load has its own antiforgery token, and an edit of the letter
/// is on the next page load.
/// </summary>
public class LetterPageCacheTests
{
    private const string Slug = "open-letter-2026";
    private const string Page = $"/petitions/{Slug}";

    private PetitionsApp app = null!;
    private HttpClient visitor = null!;
    private HttpClient coordinator = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        visitor = app.CreateClient(new() { AllowAutoRedirect = false });
        coordinator = await Coordinator.ClientAsync(app);
        using var created = await coordinator.PostAsJsonAsync("/api/petitions", Letter());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        // The page (and its letter) are kept before each change below.
        Assert.That(await visitor.GetStringAsync(Page), Does.Contain("We, the undersigned, write to you."));
    }

    [TearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        visitor.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task EachLoadHasItsOwnTokenInTheSamePageAndTheFormTakesIt()
    {
        using var first = await visitor.GetAsync(Page);
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false });
        using var second = await browser.GetAsync(Page);
        var firstHtml = await first.Content.ReadAsStringAsync();
        var secondHtml = await second.Content.ReadAsStringAsync();
        var firstToken = SignOnClient.Antiforgery(firstHtml);
        var secondToken = SignOnClient.Antiforgery(secondHtml);

        Assert.That(firstToken, Is.Not.Empty.And.Not.EqualTo(secondToken));
        Assert.That(firstHtml.Replace(firstToken, ""), Is.EqualTo(secondHtml.Replace(secondToken, "")));
        Assert.That(second.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/html; charset=utf-8"));
        Assert.That(second.Content.Headers.ContentLength, Is.EqualTo(System.Text.Encoding.UTF8.GetByteCount(secondHtml)));
        Assert.That(second.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(second.Headers.GetValues("Set-Cookie").Single(), Does.StartWith(".AspNetCore.Antiforgery."));
        Assert.That(second.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("default-src 'self'"));

        using var signed = await SignOnClient.PostFormAsync(browser, SignOnClient.ValidJson("Form Organisation", "f@form.example.org"), Slug);
        Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
    }

    [Test]
    public async Task AnEditedLetterIsOnTheNextPageLoad()
    {
        using var edited = await coordinator.PutAsJsonAsync($"/api/petitions/{Slug}", Letter(body: "We, the undersigned, write to you again."));
        Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        Assert.That(await visitor.GetStringAsync(Page), Does.Contain("We, the undersigned, write to you again."));
    }

    [Test]
    public async Task AClosedLetterHasNoFormOnTheNextPageLoad()
    {
        Assert.That(await visitor.GetStringAsync(Page), Does.Contain("__RequestVerificationToken"));

        using var closed = await coordinator.PutAsJsonAsync($"/api/petitions/{Slug}", Letter(status: "closed"));
        Assert.That(closed.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var html = await visitor.GetStringAsync(Page);
        Assert.That(html, Does.Contain("This letter is closed").And.Not.Contain("__RequestVerificationToken"));
    }

    [Test]
    public async Task ConcurrentRequestsAfterAChangeAllGetTheWholePage()
    {
        using var edited = await coordinator.PutAsJsonAsync($"/api/petitions/{Slug}", Letter(body: "Concurrently edited."));
        Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var pages = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            using var client = app.CreateClient();
            return await client.GetStringAsync(Page);
        }));

        Assert.That(pages, Has.All.Contain("Concurrently edited.").And.All.Contain("</html>"));
        Assert.That(pages.Select(SignOnClient.Antiforgery).Distinct().Count(), Is.EqualTo(16));
    }

    private static object Letter(string status = "open", string body = "We, the undersigned, write to you.") => new
    {
        slug = Slug,
        title = "Open letter on the independence of prosecutors",
        addressee = "The Council of Europe",
        place = "Strasbourg",
        date = "2026-11-28",
        status,
        requiresReview = false,
        closesAt = "2099-01-31T23:59:59Z",
        body,
        demandGroups = new[] { new { lead = "We call on the Council to:", demands = new[] { "act;", "report^1^." } } },
        footnotes = new[] { new { number = 1, text = "See <https://www.coe.int>." } },
    };
}
