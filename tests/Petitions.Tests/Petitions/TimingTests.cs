using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Petitions.Tests.Support;

namespace Petitions.Tests.Petitions;

/// <summary>
/// A letter's times driven by the fake clock: the scheduled opening (and preview links before it), the embargoed
/// list, and the closing, each at its exact second, on every public route and through the letter page cache.
/// </summary>
public sealed class TimingTests
{
    private const string Slug = SignOnClient.Slug;
    private static readonly DateTimeOffset Start = new(2027, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset At = new(2027, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private FakeTimeProvider clock = null!;
    private PetitionsApp app = null!;
    private HttpClient coordinator = null!;
    private HttpClient reader = null!;

    [SetUp]
    public async Task StartApp()
    {
        clock = new FakeTimeProvider(Start);
        app = new PetitionsApp(services: s => s.AddSingleton<TimeProvider>(clock));
        coordinator = await Coordinator.ClientAsync(app, "timing@coalition.example.org", Slug);
        reader = app.CreateClient(new() { AllowAutoRedirect = false });
    }

    [TearDown]
    public void StopApp()
    {
        reader.Dispose();
        coordinator.Dispose();
        app.Dispose();
    }

    private async Task SetTimesAsync(string? opensAt = null, string? listPublishedAt = null, string? closesAt = null)
    {
        var letter = (await coordinator.GetFromJsonAsync<JsonObject>($"/api/petitions/{Slug}"))!;
        letter["status"] = "open";
        letter["opensAt"] = opensAt;
        letter["listPublishedAt"] = listPublishedAt;
        letter["closesAt"] = closesAt;
        using var put = await coordinator.PutAsJsonAsync($"/api/petitions/{Slug}", letter);
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK), await put.Content.ReadAsStringAsync());
    }

    private static readonly string[] PublicRoutes =
    [
        $"/petitions/{Slug}", $"/api/petitions/{Slug}", $"/api/petitions/{Slug}/signatories", $"/api/petitions/{Slug}/stats",
        $"/petitions/{Slug}/map.svg", $"/petitions/{Slug}/print", $"/petitions/{Slug}/signatories",
    ];

    /// <summary>A name listed on the seed letter: it must not show while the list is embargoed.</summary>
    private async Task<string> AListedNameAsync()
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<string>("""
            SELECT o.name FROM signatures s JOIN organisations o ON o.id = s.organisation_id JOIN petitions p ON p.id = s.petition_id
            WHERE p.slug = @Slug AND s.status = 'listed' AND o.city IS NOT NULL ORDER BY o.name LIMIT 1
            """, new { Slug }) ?? throw new InvalidOperationException("the seed letter has no listed organisation with a city");
    }

    [Test]
    public async Task BeforeItsOpeningTheLetterIsNotFoundAnywhereAndAtTheSecondItIsThere()
    {
        await SetTimesAsync(opensAt: "2027-03-01T09:00:00Z");
        using (var warm = await reader.GetAsync("/api/petitions"))
        {
            Assert.That(warm.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        clock.SetUtcNow(At.AddTicks(-1));
        foreach (var path in PublicRoutes)
        {
            using var response = await reader.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), path);
        }

        Assert.That(await reader.GetStringAsync("/api/petitions"), Does.Not.Contain(Slug));
        Assert.That(await reader.GetStringAsync("/"), Does.Not.Contain($"/petitions/{Slug}"));
        using (var json = await SignOnClient.PostJsonAsync(reader, SignOnClient.ValidJson()))
        {
            Assert.That(json.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "the JSON sign-on before the opening");
        }

        Assert.That((await SignOnClient.CountsAsync(app)).Signatures, Is.EqualTo(await ListedAndOtherCountAsync()), "nothing stored");

        clock.SetUtcNow(At);
        foreach (var path in PublicRoutes)
        {
            using var response = await reader.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        }

        Assert.That(await reader.GetStringAsync("/api/petitions"), Does.Contain(Slug));
        Assert.That(await reader.GetStringAsync("/"), Does.Contain($"/petitions/{Slug}"));
        using var signed = await SignOnClient.PostJsonAsync(reader, SignOnClient.ValidJson());
        Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "at the opening's second the letter takes sign-ons");
    }

    private async Task<long> ListedAndOtherCountAsync()
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM signatures");
    }

    [Test]
    public async Task ASignedInCoordinatorSeesTheLetterBeforeItsOpeningWithANoticeAndTheCacheKeepsNoneOfIt()
    {
        await SetTimesAsync(opensAt: "2027-03-01T09:00:00Z");
        using var browser = await CookieSession.SignInAsync(app, "page-timing@coalition.example.org", Slug);

        using var page = await browser.GetAsync($"/petitions/{Slug}");
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        using var afterwards = await reader.GetAsync($"/petitions/{Slug}");

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain("Not open yet.").And.Contain("This letter opens on 1 March 2027, 09:00 UTC."));
        Assert.That(html, Does.Not.Contain("name=\"contactEmail\""), "no form before the opening, even for a coordinator");
        Assert.That(page.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(afterwards.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the coordinator's render is not the public's");

        using var french = new HttpRequestMessage(HttpMethod.Get, $"/petitions/{Slug}");
        french.Headers.AcceptLanguage.ParseAdd("fr");
        using var inFrench = await browser.SendAsync(french);
        Assert.That(WebUtility.HtmlDecode(await inFrench.Content.ReadAsStringAsync()), Does.Contain("Cette lettre ouvre le 1 mars 2027"));
    }

    [Test]
    public async Task APreviewLinkShowsAndSignsTheLetterBeforeItsOpeningUntilItIsRevoked()
    {
        await SetTimesAsync(opensAt: "2027-03-01T09:00:00Z");
        using var created = await coordinator.PostAsJsonAsync($"/api/petitions/{Slug}/previews", new { label = "Co-sponsor Oxfam" });
        var link = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), link.ToString());
        var url = new Uri(link.GetProperty("url").GetString()!);
        var token = url.Query["?preview=".Length..];
        Assert.That(url.AbsolutePath, Is.EqualTo($"/petitions/{Slug}"));
        Assert.That(token, Has.Length.EqualTo(43), "32 random bytes, base64url");
        var id = link.GetProperty("id").GetInt64();

        var listed = await coordinator.GetStringAsync($"/api/petitions/{Slug}/previews");
        Assert.That(listed, Does.Contain("Co-sponsor Oxfam").And.Not.Contain(token).And.Not.Contain("url"), "the token is shown once, at its making");
        await using (var connection = await app.Db.OpenAsync())
        {
            var stored = await connection.QueryAsync<byte[]>("SELECT hash FROM petition_previews");
            Assert.That(stored.Single(), Has.Length.EqualTo(32), "only its hash is kept");
        }

        using (var page = await reader.GetAsync($"/petitions/{Slug}?preview={token}"))
        {
            var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(html, Does.Contain("Preview.").And.Contain("it opens on 1 March 2027, 09:00 UTC"));
            Assert.That(html, Does.Contain($"<input type=\"hidden\" name=\"preview\" value=\"{token}\">"));
            Assert.That(page.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(page.Headers.GetValues("Referrer-Policy").Single(), Is.EqualTo("no-referrer"));
        }

        using (var plain = await reader.GetAsync($"/petitions/{Slug}"))
        {
            Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the preview's render is not kept for the public");
        }

        using (var form = await PostPreviewFormAsync(token, "Preview Form Organisation", "form@preview.example.org"))
        {
            Assert.That(form.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther), "the form signs before the opening through the link");
        }

        var json = SignOnClient.ValidJson("Preview Json Organisation", "json@preview.example.org");
        json["preview"] = token;
        using (var signed = await SignOnClient.PostJsonAsync(reader, json))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await signed.Content.ReadAsStringAsync());
        }

        var before = await ListedAndOtherCountAsync();
        using (var revoked = await coordinator.DeleteAsync($"/api/petitions/{Slug}/previews/{id}"))
        {
            Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using (var again = await coordinator.DeleteAsync($"/api/petitions/{Slug}/previews/{id}"))
        {
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a revoked link is not revoked twice");
        }

        using (var page = await reader.GetAsync($"/petitions/{Slug}?preview={token}"))
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a revoked link shows nothing");
        }

        json["organisation"] = "Preview Late Organisation";
        json["contactEmail"] = "late@preview.example.org";
        using (var late = await SignOnClient.PostJsonAsync(reader, json))
        {
            Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "a revoked link signs nothing");
        }

        using (var lateForm = await PostPreviewFormAsync(token, "Preview Late Form", "lateform@preview.example.org", fromPreviewPage: false))
        {
            Assert.That(lateForm.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }

        json["preview"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        using (var unknown = await SignOnClient.PostJsonAsync(reader, json))
        {
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "an unknown token is as none");
        }

        Assert.That(await ListedAndOtherCountAsync(), Is.EqualTo(before), "nothing stored after the revocation");
        var revokedList = await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/{Slug}/previews");
        Assert.That(revokedList[0].GetProperty("revokedAt").ValueKind, Is.EqualTo(JsonValueKind.String));
    }

    /// <summary>The form as a browser posts it: from the preview page, or (once that is gone) with the antiforgery token of another page.</summary>
    private async Task<HttpResponseMessage> PostPreviewFormAsync(string token, string organisation, string email, bool fromPreviewPage = true)
    {
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        var antiforgery = SignOnClient.Antiforgery(await browser.GetStringAsync(fromPreviewPage ? $"/petitions/{Slug}?preview={token}" : "/coordinators/sign-in"));

        var fields = SignOnClient.ValidJson(organisation, email);
        var form = fields.Where(f => f.Value is not bool).Select(f => new KeyValuePair<string, string>(f.Key, f.Value!.ToString()!))
            .Append(new("consent", "true")).Append(new("preview", token)).Append(new("__RequestVerificationToken", antiforgery)).ToList();
        using var content = new FormUrlEncodedContent(form);
        return await browser.PostAsync($"/petitions/{Slug}/sign", content);
    }

    [Test]
    public async Task AnEmptyOrLongLabelIs400NamingItAndNothingIsStored()
    {
        foreach (var label in new[] { "", "   ", new string('x', 201) })
        {
            using var response = await coordinator.PostAsJsonAsync($"/api/petitions/{Slug}/previews", new { label });
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem.GetProperty("errors").TryGetProperty("label", out _), Is.True, problem.ToString());
        }

        Assert.That(await coordinator.GetStringAsync($"/api/petitions/{Slug}/previews"), Is.EqualTo("[]"));
    }

    [Test]
    public async Task AnEmbargoedListShowsTheCountNotTheNamesAndTheNamesAppearAtTheSecond()
    {
        var name = await AListedNameAsync();
        await SetTimesAsync(listPublishedAt: "2027-03-01T09:00:00Z");
        clock.SetUtcNow(At.AddSeconds(-1));

        var page = WebUtility.HtmlDecode(await reader.GetStringAsync($"/petitions/{Slug}"));
        var cached = WebUtility.HtmlDecode(await reader.GetStringAsync($"/petitions/{Slug}"));
        var letter = await reader.GetFromJsonAsync<JsonElement>($"/api/petitions/{Slug}");
        var names = await reader.GetFromJsonAsync<JsonElement>($"/api/petitions/{Slug}/signatories");
        var stats = await reader.GetFromJsonAsync<JsonElement>($"/api/petitions/{Slug}/stats");
        using var map = await reader.GetAsync($"/petitions/{Slug}/map.svg");
        var mapText = await map.Content.ReadAsStringAsync();
        var print = WebUtility.HtmlDecode(await reader.GetStringAsync($"/petitions/{Slug}/print"));
        var list = WebUtility.HtmlDecode(await reader.GetStringAsync($"/petitions/{Slug}/signatories?q={Uri.EscapeDataString(name)}"));
        var count = letter.GetProperty("signatoryCount").GetInt64();

        Assert.That(count, Is.GreaterThan(0));
        foreach (var (what, text) in new[] { ("page", page), ("cached page", cached), ("print", print), ("signatories page", list) })
        {
            Assert.That(text, Does.Not.Contain(name), what);
            Assert.That(text, Does.Contain("The list of organisations will be published on 1 March 2027, 09:00 UTC."), what);
        }

        Assert.That(page, Does.Contain("id=\"signatory-count\""), "the count is there");
        Assert.That(names.GetArrayLength(), Is.Zero, "no names through the JSON either");
        Assert.That(stats.GetProperty("signatoryCount").GetInt64(), Is.EqualTo(count), "the stats are counts only, and stay");
        Assert.That(map.Headers.CacheControl?.NoStore, Is.True, "no cache keeps the embargoed map past the publication");
        Assert.That(mapText, Does.Not.Contain("<circle"), "no cities on the map");

        var console = await coordinator.GetStringAsync($"/api/petitions/{Slug}/signatures?status=listed");
        Assert.That(console, Does.Contain(JsonSerializer.Serialize(name)[1..^1]), "coordinators see everything as usual");

        clock.SetUtcNow(At);
        var published = WebUtility.HtmlDecode(await reader.GetStringAsync($"/petitions/{Slug}"));
        var publishedNames = await reader.GetFromJsonAsync<JsonElement>($"/api/petitions/{Slug}/signatories");
        Assert.That(published, Does.Contain(name).And.Not.Contain("will be published"), "the kept embargoed page is not served at the second");
        Assert.That(publishedNames.GetArrayLength(), Is.EqualTo(count));
        Assert.That(WebUtility.HtmlDecode(await reader.GetStringAsync($"/petitions/{Slug}/print")), Does.Contain(name));
        Assert.That(await reader.GetStringAsync($"/petitions/{Slug}/map.svg"), Does.Contain("<circle"));
    }

    [Test]
    public async Task ALetterClosesAtTheSecondAndItsKeptPageWithAFormIsNotServedThen()
    {
        await SetTimesAsync(closesAt: "2027-03-01T09:00:00Z");
        clock.SetUtcNow(At.AddSeconds(-1));
        var open = await reader.GetStringAsync($"/petitions/{Slug}");
        var kept = await reader.GetStringAsync($"/petitions/{Slug}");
        Assert.That(kept, Does.Contain("name=\"contactEmail\"").And.Contain("Open for signatures until"));
        Assert.That(open, Does.Contain("name=\"contactEmail\""));

        clock.SetUtcNow(At);
        var closed = WebUtility.HtmlDecode(await reader.GetStringAsync($"/petitions/{Slug}"));
        using var json = await SignOnClient.PostJsonAsync(reader, SignOnClient.ValidJson());
        // The form of the page kept before the second, sent after it (the page has no form now to take a token from).
        var antiforgery = SignOnClient.Antiforgery(kept);
        var fields = SignOnClient.ValidJson("Late Form Organisation", "late@form.example.org");
        using var content = new FormUrlEncodedContent(fields.Where(f => f.Value is not bool).Select(f => new KeyValuePair<string, string>(f.Key, f.Value!.ToString()!))
            .Append(new("consent", "true")).Append(new("__RequestVerificationToken", antiforgery)));
        using var form = await reader.PostAsync($"/petitions/{Slug}/sign", content);
        using var french = new HttpRequestMessage(HttpMethod.Get, $"/petitions/{Slug}");
        french.Headers.AcceptLanguage.ParseAdd("fr");
        using var inFrench = await reader.SendAsync(french);

        Assert.That(closed, Does.Contain("Closed on 1 March 2027, 09:00 UTC: this letter no longer takes signatures."));
        Assert.That(closed, Does.Not.Contain("name=\"contactEmail\""), "the form is gone at the second");
        Assert.That(json.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(form.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(WebUtility.HtmlDecode(await inFrench.Content.ReadAsStringAsync()), Does.Contain("Fermée le 1 mars 2027"));
        Assert.That(await reader.GetStringAsync("/"), Does.Not.Contain($"/petitions/{Slug}"), "the home page lists letters open now");
    }
}
