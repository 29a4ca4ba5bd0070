using System.Net;
using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Coordinators;
using Petitions.Tests.Support;
using Coordinator = Petitions.Tests.Support.Coordinator;

namespace Petitions.Tests.Coordinators;

/// <summary>
/// The JSON API takes bearer tokens only: a browser sends the session cookie by itself, so a form
/// on another site could otherwise act as the coordinator. The console's downloads have routes of
/// their own under /coordinators.
/// </summary>
public class ApiCookieTests
{
    private const string Email = "ana@coalition.example.org";

    private PetitionsApp app = null!;
    private CoordinatorBrowser browser = null!;
    private HttpClient cookieOnly = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        await app.Services.GetRequiredService<CoordinatorStore>().AddAsync(Email, "Ana", []);
        browser = await CoordinatorBrowser.SignInAsync(app, Email);
        cookieOnly = CoordinatorBrowser.WithCookie(app, browser.SessionCookie);
    }

    [TearDown]
    public void StopApp()
    {
        cookieOnly.Dispose();
        browser.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task AFormEncodedEmptyRejectWithOnlyTheCookieIs401AndChangesNothing()
    {
        var id = await Coordinator.SignatureInStateAsync(app, "confirmed", "Cookie Target Organisation", "target@cookie.example.org");

        using var response = await cookieOnly.PostAsync($"/api/petitions/iap-2017/signatures/{id}/reject",
            new StringContent("", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT status FROM signatures WHERE id = @id", new { id }), Is.EqualTo("confirmed"));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE signature_id = @id", new { id }), Is.Zero);
    }

    [Test]
    public async Task ATextPlainImportWithOnlyTheCookieIs401AndListsNothing()
    {
        using var response = await cookieOnly.PostAsync("/api/petitions/iap-2017/signatures/import",
            new StringContent("Cookie Planted Organisation, London", Encoding.UTF8, "text/plain"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM organisations WHERE name LIKE 'Cookie Planted%'"), Is.Zero);
    }

    [TestCase("/api/petitions/iap-2017/signatures")]
    [TestCase("/api/petitions/iap-2017/signatures.csv")]
    [TestCase("/api/petitions/iap-2017/signatures.xlsx")]
    public async Task TheApiDoesNotReadWithTheCookieEither(string path)
    {
        using var response = await cookieOnly.GetAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task TheConsoleLinksItsDownloadsToRoutesThatTakeTheCookie()
    {
        var page = await browser.Client.GetStringAsync("/coordinators/petitions/iap-2017");

        Assert.That(page, Does.Not.Contain("href=\"/api/"), "no link of the console needs the JSON API");
        Assert.That(page, Does.Contain("href=\"/coordinators/petitions/iap-2017/signatures.csv\""));
        using var csv = await browser.Client.GetAsync("/coordinators/petitions/iap-2017/signatures.csv?status=listed");
        Assert.That(csv.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(csv.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
        Assert.That(csv.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(page, Does.Contain("href=\"/coordinators/petitions/iap-2017/signatures.xlsx\""));
        using var xlsx = await browser.Client.GetAsync("/coordinators/petitions/iap-2017/signatures.xlsx?status=listed");
        Assert.That(xlsx.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(xlsx.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        Assert.That(xlsx.Headers.CacheControl?.NoStore, Is.True);
    }
}
