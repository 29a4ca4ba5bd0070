using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>
/// A look-alike of a listed organisation in the same country is not listed beside it: a coordinator
/// merges it into that one or lists both with a reason.
/// </summary>
public sealed class LookAlikeTwinTests
{
    private const string Letter = "/coordinators/petitions/iap-2017";
    private const string LookAlike = "Frоnt Line Defenders"; // a Cyrillic о

    private PetitionsApp app = null!;
    private HttpClient coordinator = null!;
    private HttpClient visitor = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        coordinator = await Coordinator.ClientAsync(app);
        visitor = app.CreateClient();
    }

    [TearDown]
    public void StopApp()
    {
        visitor.Dispose();
        coordinator.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task ApprovingALookAlikeInTheSameCountryIsRefusedNamingTheListedOne()
    {
        var id = await ConfirmedLookAlikeAsync("Dublin", "IE");
        var original = await Coordinator.SeedSignatureIdAsync(app, "Front Line Defenders");

        using var api = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/approve", new { });
        var problem = await api.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(problem.GetProperty("resembles").GetInt64(), Is.EqualTo(original));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("Front Line Defenders, Dublin"));

        using var page = await PostAsync($"{Letter}/signatures/{id}?handler=approve", ("returnTo", "queue"));
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(html, Does.Contain($"Not listed: it looks like <a href=\"{Letter}/signatures/{original}\">Front Line Defenders, Dublin</a>"));
        Assert.That(html, Does.Contain("Merge into Front Line Defenders").And.Contain("List both"));
        Assert.That(await StatusAsync(id), Is.EqualTo("confirmed"));
        Assert.That(await ListedCountAsync(), Is.EqualTo(1), "Front Line Defenders is listed once");
    }

    [Test]
    public async Task ListingBothNeedsAReasonAndKeepsIt()
    {
        var id = await ConfirmedLookAlikeAsync("Dublin", "IE");

        using var reasonless = await PostAsync($"{Letter}/signatures/{id}?handler=beside", ("reason", " "));
        Assert.That(reasonless.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StatusAsync(id), Is.EqualTo("confirmed"));

        using var listed = await PostAsync($"{Letter}/signatures/{id}?handler=beside", ("reason", "A different group, called them"));
        Assert.That(listed.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(await StatusAsync(id), Is.EqualTo("listed"));
        var detail = await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/iap-2017/signatures/{id}");
        var reasons = detail.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("reason").GetString()).ToList();
        Assert.That(reasons, Does.Contain("Listed beside Front Line Defenders: A different group, called them"));
    }

    [Test]
    public async Task MergingMakesItsContactAFurtherContactOfTheListedOneAndListsNothingNew()
    {
        var id = await ConfirmedLookAlikeAsync("Dublin", "IE");
        var original = await Coordinator.SeedSignatureIdAsync(app, "Front Line Defenders");

        using var merged = await PostAsync($"{Letter}/signatures/{id}?handler=merge", ("reason", "Same organisation, typed on a Russian keyboard"));

        Assert.That(merged.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(merged.Headers.Location?.ToString(), Is.EqualTo($"{Letter}/signatures/{original}?done=merged"));
        Assert.That(await StatusAsync(id), Is.EqualTo("rejected"));
        var twin = await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/iap-2017/signatures/{original}");
        Assert.That(twin.GetProperty("contacts").EnumerateArray().Select(c => c.GetProperty("email").GetString()), Does.Contain("twin@frontline-lookalike.example.org"));
        Assert.That(twin.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("kind").GetString()), Does.Contain("merged"));
        var rejected = await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/iap-2017/signatures/{id}");
        Assert.That(rejected.GetProperty("signature").GetProperty("rejectionReason").GetString(),
            Is.EqualTo("Merged into Front Line Defenders: Same organisation, typed on a Russian keyboard"));
        Assert.That(await ListedCountAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task TheSameLookingNameInAnotherCountryIsApprovedAsUsual()
    {
        var id = await ConfirmedLookAlikeAsync("Kyiv", "UA");

        using var api = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/approve", new { });

        Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.OK), await api.Content.ReadAsStringAsync());
        Assert.That(await StatusAsync(id), Is.EqualTo("listed"));
    }

    private async Task<long> ConfirmedLookAlikeAsync(string city, string country)
    {
        var body = SignOnClient.ValidJson(LookAlike, "twin@frontline-lookalike.example.org");
        body["city"] = city;
        body["country"] = country;
        body["website"] = "https://frontline-lookalike.example.org";
        using (var signed = await SignOnClient.PostJsonAsync(visitor, body))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await signed.Content.ReadAsStringAsync());
        }

        foreach (var token in await Delivered.TokensAsync(app))
        {
            using var _ = await visitor.PostAsJsonAsync("/api/confirmations", new { token });
        }

        await using var connection = await app.Db.OpenAsync();
        var (id, status, flags) = await connection.QuerySingleAsync<(long, string, string)>("""
            SELECT s.id, s.status, s.flags FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = @LookAlike
            """, new { LookAlike });
        Assert.That(flags, Does.Contain("look-alike"));
        Assert.That(status, Is.EqualTo("confirmed"), "a look-alike waits for review");
        return id;
    }

    private async Task<int> ListedCountAsync()
    {
        var listed = await visitor.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/signatories");
        return listed.EnumerateArray().Count(s => s.GetProperty("organisation").GetString()!.EndsWith("nt Line Defenders", StringComparison.Ordinal));
    }

    private async Task<HttpResponseMessage> PostAsync(string path, params (string Name, string Value)[] fields)
    {
        var page = await coordinator.GetStringAsync(Letter + "/edit");
        var values = fields.ToDictionary(f => f.Name, f => f.Value);
        values["__RequestVerificationToken"] = SignOnClient.Antiforgery(page);
        using var form = new FormUrlEncodedContent(values);
        return await coordinator.PostAsync(path, form);
    }

    private async Task<string> StatusAsync(long id) =>
        (await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/iap-2017/signatures/{id}")).GetProperty("signature").GetProperty("status").GetString()!;
}
