using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>401 without credentials and 403 on another's letter, on every coordinator route, pages and CSV included.</summary>
public class AccessTests
{
    private PetitionsApp app = null!;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        app.CreateClient().Dispose();
        await Coordinator.AddLetterAsync(app, "another-letter");
    }

    [OneTimeTearDown]
    public void StopApp() => app.Dispose();

    public static IEnumerable<TestCaseData> Routes()
    {
        TestCaseData Route(string method, string path, string? json = null, string? contentType = null) =>
            new TestCaseData(method, path, json, contentType).SetName($"{{m}}({method} {path})");

        yield return Route("POST", "/api/petitions", "{\"slug\":\"x-letter\",\"title\":\"X\"}");
        yield return Route("PUT", "/api/petitions/iap-2017", "{\"slug\":\"iap-2017\",\"title\":\"X\"}");
        yield return Route("GET", "/api/petitions/iap-2017/signatures");
        yield return Route("GET", "/api/petitions/iap-2017/signatures?status=listed&country=NL");
        yield return Route("GET", "/api/petitions/iap-2017/signatures/1");
        yield return Route("POST", "/api/petitions/iap-2017/signatures/1/approve", "{}");
        yield return Route("POST", "/api/petitions/iap-2017/signatures/1/reject", "{\"reason\":\"x\"}");
        yield return Route("POST", "/api/petitions/iap-2017/signatures/1/withdraw", "{\"reason\":\"x\"}");
        yield return Route("GET", "/api/petitions/iap-2017/signatures.csv");
        yield return Route("GET", "/api/petitions/iap-2017/signatures.csv?status=withdrawn");
        yield return Route("POST", "/api/petitions/iap-2017/signatures/import", "[Fair Trials](#), London", "text/plain");
        yield return Route("GET", "/api/petitions/iap-2017/emails/failed");
        yield return Route("POST", "/api/petitions/iap-2017/emails/1/resend", "{\"address\":\"a@b.example.org\"}");
        yield return Route("GET", "/api/petitions/iap-2017/publication.txt");
        yield return Route("GET", "/coordinators/petitions/iap-2017/publication.txt");
        yield return Route("GET", "/coordinators/petitions/iap-2017");
        yield return Route("POST", "/coordinators/petitions/iap-2017?handler=resend", "outboxId=1&address=a%40b.example.org", "application/x-www-form-urlencoded");
        yield return Route("GET", "/coordinators/petitions/iap-2017/signatures/1");
        yield return Route("POST", "/coordinators/petitions/iap-2017/signatures/1?handler=approve", "", "application/x-www-form-urlencoded");
        yield return Route("POST", "/coordinators/petitions/iap-2017/signatures/1?handler=withdraw", "reason=x&date=2026-05-03", "application/x-www-form-urlencoded");
        yield return Route("GET", "/coordinators/petitions/iap-2017/edit");
        yield return Route("POST", "/coordinators/petitions/iap-2017/edit", "title=X", "application/x-www-form-urlencoded");
    }

    private static HttpRequestMessage Request(string method, string path, string? body, string? contentType, string accept)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType ?? "application/json");
        }

        request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    [TestCaseSource(nameof(Routes))]
    public async Task WithoutCredentialsTheAnswerIs401NotARedirect(string method, string path, string? body, string? contentType)
    {
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        foreach (var accept in new[] { "application/json", "text/html", "text/csv" })
        {
            using var response = await client.SendAsync(Request(method, path, body, contentType, accept));

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"{accept}: {await response.Content.ReadAsStringAsync()}");
            Assert.That(response.Headers.Location, Is.Null);
        }
    }

    [TestCaseSource(nameof(Routes))]
    public async Task AnUnknownTokenIs401(string method, string path, string? body, string? contentType)
    {
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        using var response = await client.SendAsync(Request(method, path, body, contentType, "application/json"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    // Any coordinator may write a new letter: every other route acts on one letter.
    public static IEnumerable<TestCaseData> LetterRoutes() => Routes().Where(r => (string)r.Arguments[1]! != "/api/petitions");

    [TestCaseSource(nameof(LetterRoutes))]
    public async Task ACoordinatorOfAnotherLetterIs403(string method, string path, string? body, string? contentType)
    {
        using var client = await Coordinator.ClientAsync(app, "other@coalition.example.org", "another-letter");

        using var response = await client.SendAsync(Request(method, path, body, contentType, "application/json"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task TheCoordinatorOfTheLetterGetsIn()
    {
        using var client = await Coordinator.ClientAsync(app, "mine@coalition.example.org", "iap-2017");

        using var list = await client.GetAsync("/api/petitions/iap-2017/signatures");
        using var csv = await client.GetAsync("/api/petitions/iap-2017/signatures.csv");
        using var page = await client.GetAsync("/coordinators/petitions/iap-2017");

        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(csv.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
