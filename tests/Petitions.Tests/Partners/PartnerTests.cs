using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Coordinators;
using Petitions.Tests.Support;
using Coordinator = Petitions.Tests.Support.Coordinator;

namespace Petitions.Tests.Partners;

/// <summary>Partners of a letter, the ref their links record on sign-ons, and coordinators limited to one partner's sign-ons.</summary>
public class PartnerTests
{
    private const string Slug = "iap-2017";

    private PetitionsApp app = null!;

    [SetUp]
    public void StartApp()
    {
        app = new PetitionsApp();
        app.CreateClient().Dispose();
    }

    [TearDown]
    public void StopApp() => app.Dispose();

    private async Task<HttpClient> LetterCoordinatorWithPartnersAsync(params string[] codes)
    {
        var client = await Coordinator.ClientAsync(app, "lead@coalition.example.org", Slug);
        foreach (var code in codes)
        {
            using var added = await client.PostAsJsonAsync($"/api/petitions/{Slug}/partners", new { code, name = $"Partner {code}", website = $"{code}.example.org" });
            Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.Created), await added.Content.ReadAsStringAsync());
        }

        return client;
    }

    private async Task<long> LetterIdAsync()
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = @Slug", new { Slug });
    }

    private async Task<string?> RefOfAsync(string organisation)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<string?>(
            "SELECT s.ref FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = @organisation", new { organisation });
    }

    private async Task<long> SignatureWithRefAsync(string name, string? code, string status = "confirmed")
    {
        var id = await Coordinator.SignatureInStateAsync(app, status, name, email: $"{code ?? "none"}@{name.Replace(' ', '-').ToLowerInvariant()}.example.org");
        await using var connection = await app.Db.OpenAsync();
        await connection.ExecuteAsync("UPDATE signatures SET ref = @code WHERE id = @id", new { code, id });
        return id;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Test]
    public async Task ACoordinatorAddsListsEditsAndRemovesPartners()
    {
        using var client = await LetterCoordinatorWithPartnersAsync("acme");

        using var again = await client.PostAsJsonAsync($"/api/petitions/{Slug}/partners", new { code = "acme", name = "Another" });
        using var badCode = await client.PostAsJsonAsync($"/api/petitions/{Slug}/partners", new { code = "Not a code!", name = "Bad" });
        using var noName = await client.PostAsJsonAsync($"/api/petitions/{Slug}/partners", new { code = "beta" });
        using var badSite = await client.PostAsJsonAsync($"/api/petitions/{Slug}/partners", new { code = "gamma", name = "Gamma", website = "not a site" });
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await JsonAsync(badCode)).GetProperty("errors").TryGetProperty("code", out _), Is.True);
        Assert.That((await JsonAsync(noName)).GetProperty("errors").TryGetProperty("name", out _), Is.True);
        Assert.That((await JsonAsync(badSite)).GetProperty("errors").TryGetProperty("website", out _), Is.True);

        using var renamed = await client.PutAsJsonAsync($"/api/petitions/{Slug}/partners/acme", new { name = "Acme Network", website = "https://acme.example.org/" });
        using var recoded = await client.PutAsJsonAsync($"/api/petitions/{Slug}/partners/acme", new { code = "acme2", name = "Acme Network" });
        Assert.That(renamed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await renamed.Content.ReadAsStringAsync());
        Assert.That(recoded.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonAsync(recoded)).GetProperty("errors").TryGetProperty("code", out _), Is.True);

        await SignatureWithRefAsync("Brought By Acme", "acme", "listed");
        var list = await JsonAsync(await client.GetAsync($"/api/petitions/{Slug}/partners"));
        Assert.That(list.GetArrayLength(), Is.EqualTo(1));
        Assert.That(list[0].GetProperty("name").GetString(), Is.EqualTo("Acme Network"));
        Assert.That(list[0].GetProperty("signOns").GetInt64(), Is.EqualTo(1));
        Assert.That(list[0].GetProperty("listed").GetInt64(), Is.EqualTo(1));
        Assert.That(list[0].GetProperty("link").GetString(), Does.EndWith($"/petitions/{Slug}?ref=acme"));

        using var removed = await client.DeleteAsync($"/api/petitions/{Slug}/partners/acme");
        using var removedAgain = await client.DeleteAsync($"/api/petitions/{Slug}/partners/acme");
        Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(removedAgain.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await RefOfAsync("Brought By Acme"), Is.EqualTo("acme"), "its sign-ons keep the ref");
    }

    [Test]
    public async Task APartnersLinkRecordsItThroughTheFormsRoundTripAndTheConfirmation()
    {
        using var lead = await LetterCoordinatorWithPartnersAsync("acme");
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });

        var page = await browser.GetStringAsync($"/petitions/{Slug}?ref=acme");
        Assert.That(page, Does.Contain("<input type=\"hidden\" name=\"ref\" value=\"acme\">"));
        Assert.That(WebUtility.HtmlDecode(page), Does.Contain("with Partner acme, who brought me to this letter,"), "the sharing consent names the partner");
        var embed = await browser.GetStringAsync($"/petitions/{Slug}/embed?ref=ACME");
        Assert.That(embed, Does.Contain("<input type=\"hidden\" name=\"ref\" value=\"acme\">"), "the partner's frame carries its code too");
        var token = SignOnClient.Antiforgery(page);

        var fields = SignOnClient.ValidJson("Organisation Via Acme", "anna@via-acme.example.org");
        fields["ref"] = "acme";
        fields["contactName"] = "";
        using (var invalid = await PostFormAsync(browser, token, fields))
        {
            Assert.That(invalid.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            var again = await invalid.Content.ReadAsStringAsync();
            Assert.That(again, Does.Contain("<input type=\"hidden\" name=\"ref\" value=\"acme\">"), "the code survives the form sent back");
            Assert.That(WebUtility.HtmlDecode(again), Does.Contain("with Partner acme, who brought me to this letter,"));
            token = SignOnClient.Antiforgery(again);
        }

        fields["contactName"] = "Anna de Vries";
        using var signed = await PostFormAsync(browser, token, fields);
        Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(signed.Headers.Location!.OriginalString, Is.EqualTo($"/petitions/{Slug}/check-email?ref=acme"));
        var checkEmail = await browser.GetStringAsync(signed.Headers.Location.OriginalString);
        Assert.That(checkEmail, Does.Contain($"href=\"/petitions/{Slug}?ref=acme\""), "signing again goes through the partner's link");
        Assert.That(await RefOfAsync("Organisation Via Acme"), Is.EqualTo("acme"));

        var confirm = (await Delivered.TokensAsync(app, "confirm")).Single();
        using var confirmed = await browser.PostAsJsonAsync("/api/confirmations", new { token = confirm });
        Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await confirmed.Content.ReadAsStringAsync());
        Assert.That(await RefOfAsync("Organisation Via Acme"), Is.EqualTo("acme"), "the ref stays through confirmation");
    }

    [Test]
    public async Task AnUnknownRefOnThePageIsIgnoredAndDoesNotStopTheSignOn()
    {
        using var lead = await LetterCoordinatorWithPartnersAsync("acme");
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });

        var page = await browser.GetStringAsync($"/petitions/{Slug}?ref=acmee");
        Assert.That(page, Does.Not.Contain("name=\"ref\""));
        var fields = SignOnClient.ValidJson("Organisation Mistyped", "anna@mistyped.example.org");
        fields["ref"] = "acmee";
        using var signed = await PostFormAsync(browser, SignOnClient.Antiforgery(page), fields);

        Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(signed.Headers.Location!.OriginalString, Is.EqualTo($"/petitions/{Slug}/check-email"));
        Assert.That(await RefOfAsync("Organisation Mistyped"), Is.Null);
    }

    [Test]
    public async Task TheJsonSignOnRecordsAKnownRefAndRefusesAnUnknownOneNamingRef()
    {
        using var lead = await LetterCoordinatorWithPartnersAsync("acme", "beta");
        using var client = app.CreateClient();

        var known = SignOnClient.ValidJson("Json Via Acme", "anna@json-acme.example.org");
        known["ref"] = "ACME";
        using var accepted = await SignOnClient.PostJsonAsync(client, known);
        var unknown = SignOnClient.ValidJson("Json Unknown", "anna@json-unknown.example.org");
        unknown["ref"] = "nobody";
        var before = await SignOnClient.CountsAsync(app);
        using var refused = await SignOnClient.PostJsonAsync(client, unknown);
        unknown["ref"] = "Not a code!";
        using var malformed = await SignOnClient.PostJsonAsync(client, unknown);

        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
        Assert.That(await RefOfAsync("Json Via Acme"), Is.EqualTo("acme"));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonAsync(refused)).GetProperty("errors").TryGetProperty("ref", out _), Is.True);
        Assert.That(malformed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonAsync(malformed)).GetProperty("errors").TryGetProperty("ref", out _), Is.True);
        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before), "nothing stored");

        // A repeat of the sign-on through another partner's link keeps the first partner.
        known["ref"] = "beta";
        using var repeat = await SignOnClient.PostJsonAsync(client, known);
        Assert.That(repeat.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await RefOfAsync("Json Via Acme"), Is.EqualTo("acme"));
    }

    [Test]
    public async Task ALetterCoordinatorSeesEveryRefInJsonCsvAndTheConsole()
    {
        using var lead = await LetterCoordinatorWithPartnersAsync("acme", "beta");
        var acme = await SignatureWithRefAsync("Lead Sees Acme", "acme");
        await SignatureWithRefAsync("Lead Sees Beta", "beta");

        var raw = await lead.GetStringAsync($"/api/petitions/{Slug}/signatures/{acme}");
        Assert.That(raw.IndexOf("\"flags\"", StringComparison.Ordinal), Is.LessThan(raw.IndexOf("\"ref\"", StringComparison.Ordinal)));
        Assert.That(raw.IndexOf("\"ref\"", StringComparison.Ordinal), Is.LessThan(raw.IndexOf("\"language\"", StringComparison.Ordinal)));
        Assert.That((await JsonAsync(await lead.GetAsync($"/api/petitions/{Slug}/signatures/{acme}"))).GetProperty("signature").GetProperty("ref").GetString(), Is.EqualTo("acme"));

        var csv = await lead.GetStringAsync($"/api/petitions/{Slug}/signatures.csv");
        var lines = csv.TrimStart('\uFEFF').Split("\r\n");
        Assert.That(lines[0], Does.EndWith("\"comment\",\"flags\",\"language\",\"ref\""));
        Assert.That(lines.Single(l => l.Contains("Lead Sees Beta", StringComparison.Ordinal)), Does.EndWith(",\"beta\""));

        using var browser = await CookieSession.SignInAsync(app, "lead-page@coalition.example.org", Slug);
        var console = await browser.GetStringAsync($"/coordinators/petitions/{Slug}");
        Assert.That(console, Does.Contain("Lead Sees Acme").And.Contain("Lead Sees Beta"));
        Assert.That(console, Does.Contain("id=\"partners\"").And.Contain($"/petitions/{Slug}?ref=beta"));

        using var added = await CookieSession.PostFormAsync(browser, $"/coordinators/petitions/{Slug}", $"/coordinators/petitions/{Slug}/partners",
            ("code", "gamma"), ("name", "Gamma Network"), ("website", ""));
        using var invalid = await CookieSession.PostFormAsync(browser, $"/coordinators/petitions/{Slug}", $"/coordinators/petitions/{Slug}/partners",
            ("code", "Bad Code"), ("name", "Bad"), ("website", ""));
        Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(invalid.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await invalid.Content.ReadAsStringAsync(), Does.Contain("id=\"code-error\""));
        Assert.That(await browser.GetStringAsync($"/coordinators/petitions/{Slug}"), Does.Contain("Gamma Network"));
    }

    [Test]
    public async Task APartnerCoordinatorSeesReviewsAndExportsOnlyTheirPartnersSignOns()
    {
        using var lead = await LetterCoordinatorWithPartnersAsync("acme", "beta");
        var mine = await SignatureWithRefAsync("Partner Own Organisation", "acme");
        var theirs = await SignatureWithRefAsync("Partner Other Organisation", "beta");
        var none = await SignatureWithRefAsync("Partner None Organisation", null);
        var store = app.Services.GetRequiredService<CoordinatorStore>();
        var (_, token) = await store.AddAsync("acme@partner.example.org", "Acme", [await LetterIdAsync()], "acme");
        using var api = app.CreateClient(new() { AllowAutoRedirect = false });
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var list = await api.GetStringAsync($"/api/petitions/{Slug}/signatures");
        Assert.That(list, Does.Contain("Partner Own Organisation").And.Not.Contain("Partner Other Organisation").And.Not.Contain("Partner None Organisation"));
        foreach (var other in new[] { theirs, none })
        {
            using var read = await api.GetAsync($"/api/petitions/{Slug}/signatures/{other}");
            using var approve = await api.PostAsJsonAsync($"/api/petitions/{Slug}/signatures/{other}/approve", new { });
            using var withdraw = await api.PostAsJsonAsync($"/api/petitions/{Slug}/signatures/{other}/withdraw", new { reason = "x" });
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(approve.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(withdraw.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }

        await using (var connection = await app.Db.OpenAsync())
        {
            Assert.That(await connection.ExecuteScalarAsync<string>("SELECT status FROM signatures WHERE id = @theirs", new { theirs }), Is.EqualTo("confirmed"));
        }

        using var approved = await api.PostAsJsonAsync($"/api/petitions/{Slug}/signatures/{mine}/approve", new { });
        Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.OK), await approved.Content.ReadAsStringAsync());

        var csv = await api.GetStringAsync($"/api/petitions/{Slug}/signatures.csv");
        Assert.That(csv, Does.Contain("Partner Own Organisation").And.Not.Contain("Partner Other Organisation").And.Not.Contain("Partner None Organisation"));
        using var xlsx = await api.GetAsync($"/api/petitions/{Slug}/signatures.xlsx");
        Assert.That(xlsx.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // Nothing of the letter itself: its text, translations, partners, import.
        using var edit = await api.PutAsJsonAsync($"/api/petitions/{Slug}", new { slug = Slug, title = "Taken over" });
        using var partners = await api.GetAsync($"/api/petitions/{Slug}/partners");
        using var addPartner = await api.PostAsJsonAsync($"/api/petitions/{Slug}/partners", new { code = "mine", name = "Mine" });
        using var translations = await api.GetAsync($"/api/petitions/{Slug}/translations");
        using var import = await api.PostAsync($"/api/petitions/{Slug}/signatures/import", new StringContent("Imported Organisation, Oslo", System.Text.Encoding.UTF8, "text/plain"));
        using var failed = await api.GetAsync($"/api/petitions/{Slug}/emails/failed");
        foreach (var refused in new[] { edit, partners, addPartner, translations, import, failed })
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), refused.RequestMessage!.RequestUri!.ToString());
        }

        // The console: the same rows, the letter's totals beside them.
        using var browser = await CookieSession.SignInAsync(app, "acme-page@partner.example.org", Slug);
        await store.AddAsync("acme-page@partner.example.org", null, [await LetterIdAsync()], "acme");
        var console = await browser.GetStringAsync($"/coordinators/petitions/{Slug}");
        Assert.That(console, Does.Contain("Partner Own Organisation").And.Not.Contain("Partner Other Organisation").And.Not.Contain("Partner None Organisation"));
        Assert.That(console, Does.Contain($"/petitions/{Slug}?ref=acme").And.Not.Contain($"?ref=beta"));
        await using (var connection = await app.Db.OpenAsync())
        {
            var (all, listed) = await connection.QuerySingleAsync<(long, long)>(
                "SELECT count(*), count(CASE WHEN status = 'listed' THEN 1 END) FROM signatures WHERE petition_id = @id", new { id = await LetterIdAsync() });
            Assert.That(WebUtility.HtmlDecode(console), Does.Contain($": 1 of the letter's {all} sign-ons, 1 of its {listed} listed."), "the letter's totals beside its own");
        }

        Assert.That(console, Does.Not.Contain($"/coordinators/petitions/{Slug}/edit"));
        foreach (var other in new[] { theirs, none })
        {
            using var signatory = await browser.GetAsync($"/coordinators/petitions/{Slug}/signatures/{other}");
            Assert.That(signatory.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(await signatory.Content.ReadAsStringAsync(), Does.Not.Contain("Partner Other Organisation"));
            using var rejected = await CookieSession.PostFormAsync(browser, $"/coordinators/petitions/{Slug}", $"/coordinators/petitions/{Slug}/signatures/{other}?handler=reject",
                ("reason", "not ours"), ("confirm", "yes"));
            Assert.That(rejected.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            using var bulk = await CookieSession.PostFormAsync(browser, $"/coordinators/petitions/{Slug}", $"/coordinators/petitions/{Slug}?handler=bulk",
                ("ids", other.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("decision", "approve"));
            Assert.That(bulk.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }

        using (var own = await browser.GetAsync($"/coordinators/petitions/{Slug}/signatures/{mine}"))
        {
            Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        // Between look-alikes the letter's coordinators decide (the twin may be another partner's), even on a partner's own row.
        foreach (var handler in new[] { "beside", "merge" })
        {
            using var refused = await CookieSession.PostFormAsync(browser, $"/coordinators/petitions/{Slug}/signatures/{mine}",
                $"/coordinators/petitions/{Slug}/signatures/{mine}?handler={handler}", ("reason", "A different group"));
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), handler);
        }

        var pageCsv = await browser.GetStringAsync($"/coordinators/petitions/{Slug}/signatures.csv");
        Assert.That(pageCsv, Does.Contain("Partner Own Organisation").And.Not.Contain("Partner Other Organisation"));
        using var editPage = await browser.GetAsync($"/coordinators/petitions/{Slug}/edit");
        using var partnersPage = await browser.GetAsync($"/coordinators/petitions/{Slug}/partners");
        Assert.That(editPage.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(partnersPage.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));

        await using var check = await app.Db.OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT status FROM signatures WHERE id = @theirs", new { theirs }), Is.EqualTo("confirmed"));
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT status FROM signatures WHERE id = @none", new { none }), Is.EqualTo("confirmed"));
        Assert.That(await store.PartnerOfAsync((await store.FindByEmailAsync("acme@partner.example.org"))!.Id, await LetterIdAsync()), Is.EqualTo("acme"));
    }

    [Test]
    public async Task CoordinatorsAddWithAPartnerNeedsThePartnerOnThatLetter()
    {
        using var lead = await LetterCoordinatorWithPartnersAsync("acme");
        await SignatureWithRefAsync("Cli Own Organisation", "acme");
        await SignatureWithRefAsync("Cli Other Organisation", null);

        var unknown = await CliProcess.RunAsync(app.DatabasePath, "coordinators", "add", "cli@partner.example.org", "--petition", Slug, "--partner", "nobody");
        var withoutLetter = await CliProcess.RunAsync(app.DatabasePath, "coordinators", "add", "cli@partner.example.org", "--partner", "acme");
        Assert.That(unknown.ExitCode, Is.EqualTo(2));
        Assert.That(unknown.Error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(unknown.Error, Does.Contain("no partner 'nobody'"));
        Assert.That(withoutLetter.ExitCode, Is.EqualTo(2));
        Assert.That(await app.Services.GetRequiredService<CoordinatorStore>().FindByEmailAsync("cli@partner.example.org"), Is.Null, "nothing stored");

        var added = await CliProcess.RunAsync(app.DatabasePath, "coordinators", "add", "cli@partner.example.org", "--petition", Slug, "--partner", "acme");
        Assert.That(added.ExitCode, Is.Zero, added.Error);
        Assert.That(added.Output, Does.Contain("partner acme"));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", added.Output.TrimEnd('\n').Split('\n')[^1]);
        var list = await client.GetStringAsync($"/api/petitions/{Slug}/signatures");
        Assert.That(list, Does.Contain("Cli Own Organisation").And.Not.Contain("Cli Other Organisation"));
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string token, Dictionary<string, object?> fields)
    {
        var form = new List<KeyValuePair<string, string>> { new("__RequestVerificationToken", token) };
        foreach (var (name, value) in fields)
        {
            if (value is bool ticked)
            {
                if (ticked)
                {
                    form.Add(new(name, "true"));
                }
            }
            else if (value is not null)
            {
                form.Add(new(name, value.ToString()!));
            }
        }

        using var content = new FormUrlEncodedContent(form);
        return await browser.PostAsync($"/petitions/{Slug}/sign", content);
    }
}
