using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Hostile;

/// <summary>
/// Control characters (terminal escapes, NUL, C1, DEL) in every free-text input other than the
/// sign-on form's own fields: withdrawal and rejection reasons however they arrive, and the
/// letter's fields. Each is refused naming the field, and nothing changes; a reason has one rule
/// everywhere, length included (refused, never cut short).
/// </summary>
public class ControlCharacterTests : AppWithCoordinator
{
    public static readonly string[] Controls = ["\u001B]0;owned\u0007", "nul\0", "c1\u009B31m", "del\u007F", "next\u0085line"];

    public static IEnumerable<TestCaseData> BadReasons() =>
        from action in new[] { "withdraw", "reject" }
        from reason in Controls.Append(new string('r', 2001))
        select new TestCaseData(action, reason).SetArgDisplayNames(action, HostileData.Show(reason.Length > 20 ? "2001 characters" : reason));

    [TestCaseSource(nameof(BadReasons))]
    public async Task AReasonWithControlCharactersOrTooLongIsRefusedByTheApiAndNothingChanges(string action, string reason)
    {
        var id = await Coordinator.SignatureInStateAsync(app, action == "withdraw" ? "listed" : "confirmed");

        using var response = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/{action}", new { reason });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").GetProperty("reason").GetArrayLength(), Is.EqualTo(1));
        Assert.That(await StatusAsync(id), Is.EqualTo(action == "withdraw" ? "listed" : "confirmed"));
    }

    [Test]
    public async Task AReasonMayKeepItsLineBreaks()
    {
        var id = await Coordinator.SignatureInStateAsync(app, "listed");

        using var response = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/withdraw", new { reason = "First line.\r\n\tSecond line." });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(await StatusAsync(id), Is.EqualTo("withdrawn"));
    }

    public static IEnumerable<TestCaseData> BadReasonsOnPages() =>
        Controls.Append(new string('r', 2001)).Select(r => new TestCaseData(r).SetArgDisplayNames(HostileData.Show(r.Length > 20 ? "2001 characters" : r)));

    [TestCaseSource(nameof(BadReasonsOnPages))]
    public async Task AReasonWithControlCharactersOrTooLongIsRefusedByTheWithdrawalLinkAndNothingChanges(string reason)
    {
        var id = await Coordinator.SignatureInStateAsync(app, "listed");
        string token;
        await using (var connection = await app.Db.OpenAsync())
        await using (var transaction = connection.BeginTransaction())
        {
            token = await Tokens.IssueAsync(connection, transaction, Tokens.Withdraw, id, null, null, DateTimeOffset.UtcNow, TimeSpan.FromDays(30));
            await transaction.CommitAsync();
        }

        var page = await visitor.GetStringAsync($"/withdraw/{token}");
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", SignOnClient.Antiforgery(page)), new("reason", reason)]);
        using var response = await visitor.PostAsync($"/withdraw/{token}", form);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), html);
        if (!reason.Contains('\0', StringComparison.Ordinal))
        {
            // (A NUL is refused by ASP.NET Core's form reader already, before the page sees the form.)
            Assert.That(html, Does.Contain("id=\"reason-error\"").And.Contain("Withdraw our signature"));
        }

        Assert.That(await StatusAsync(id), Is.EqualTo("listed"));
    }

    [TestCaseSource(nameof(BadReasonsOnPages))]
    public async Task AReasonWithControlCharactersOrTooLongIsRefusedByTheCoordinatorsPageAndNothingChanges(string reason)
    {
        var id = await Coordinator.SignatureInStateAsync(app, "listed");
        using var browser = await SignedInBrowserAsync();
        var page = await browser.GetStringAsync($"/coordinators/petitions/iap-2017/signatures/{id}");

        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", SignOnClient.Antiforgery(page)), new("reason", reason)]);
        using var response = await browser.PostAsync($"/coordinators/petitions/iap-2017/signatures/{id}?handler=withdraw", form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await response.Content.ReadAsStringAsync());
        Assert.That(await StatusAsync(id), Is.EqualTo("listed"));
    }

    [TestCase("title")]
    [TestCase("addressee")]
    [TestCase("place")]
    [TestCase("body")]
    public async Task ALetterFieldWithControlCharactersIsRefusedNamingTheField(string field)
    {
        var letter = new Dictionary<string, object?>
        {
            ["slug"] = "control-letter", ["title"] = "A letter", ["addressee"] = "The Board", ["place"] = "Oslo", ["body"] = "Dear Board,\n\n\tWe write.",
        };
        letter[field] = "Before \u001B[2J after";

        using var response = await coordinator.PostAsJsonAsync("/api/petitions", letter);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM petitions WHERE slug = 'control-letter'"), Is.Zero);
    }

    [Test]
    public async Task ALetterBodyKeepsItsLineBreaksAndTabs()
    {
        var letter = new { slug = "tabbed-letter", title = "A letter", body = "Dear Board,\r\n\n\tWe write." };

        using var response = await coordinator.PostAsJsonAsync("/api/petitions", letter);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    public static IEnumerable<TestCaseData> SignOnFields() =>
        from field in new[] { "organisation", "city", "contactName", "contactRole", "contactEmail", "website", "comment" }
        from control in Controls
        select new TestCaseData(field, control).SetArgDisplayNames(field, HostileData.Show(control));

    [TestCaseSource(nameof(SignOnFields))]
    public async Task ASignOnFieldWithControlCharactersIsRefusedNamingTheField(string field, string control)
    {
        var body = SignOnClient.ValidJson("Control Organisation", "control@control.example.org");
        body[field] = field switch
        {
            "contactEmail" => "con" + control + "trol@control.example.org",
            "website" => "https://control.example.org/" + control,
            _ => "Text " + control,
        };

        using var response = await SignOnClient.PostJsonAsync(visitor, body);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
    }

    /// <summary>A browser with a coordinator's cookie session, signed in by the emailed link.</summary>
    private async Task<HttpClient> SignedInBrowserAsync()
    {
        var browser = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        using (await PostFormAsync(browser, "/coordinators/sign-in", ("email", "coordinator@coalition.example.org")))
        {
        }

        var token = (await Delivered.TokensAsync(app, "coordinators/sign-in"))[^1];
        using var signedIn = await PostFormAsync(browser, $"/coordinators/sign-in/{token}");
        Assert.That(signedIn.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        return browser;
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, params (string Name, string Value)[] fields)
    {
        var token = SignOnClient.Antiforgery(await browser.GetStringAsync(path));
        using var form = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).Append(new("__RequestVerificationToken", token)));
        return await browser.PostAsync(path, form);
    }

    private async Task<string> StatusAsync(long id)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM signatures WHERE id = @id", new { id }) ?? "";
    }
}
