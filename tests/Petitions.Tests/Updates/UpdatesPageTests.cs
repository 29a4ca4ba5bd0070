using System.Net;
using System.Net.Http.Json;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Updates;

/// <summary>The console's page for updates: write in each language, preview, send, and the list with its counts.</summary>
public sealed class UpdatesPageTests : AppWithCoordinator
{
    private const string Slug = "console-updated-letter";

    [SetUp]
    public async Task CreateLetter()
    {
        using var created = await coordinator.PostAsJsonAsync("/api/petitions", new Dictionary<string, object?>
        {
            ["slug"] = Slug, ["title"] = "A letter with news", ["addressee"] = "The Minister", ["place"] = "Geneva", ["status"] = "open",
            ["body"] = "We write to you.", ["review"] = "none", ["language"] = "en",
            ["demandGroups"] = new[] { new { lead = "We ask you to:", demands = new[] { "act." } } },
        });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        using var french = await coordinator.PutAsJsonAsync($"/api/petitions/{Slug}/translations/fr", new Dictionary<string, object?>
        {
            ["title"] = "Une lettre avec des nouvelles", ["addressee"] = "Le Ministre", ["place"] = "Genève", ["body"] = "Nous vous écrivons.",
            ["status"] = "published", ["demandGroups"] = new[] { new { lead = "Nous vous demandons :", demands = new[] { "d’agir." } } },
        });
        Assert.That(french.StatusCode, Is.EqualTo(HttpStatusCode.Created), await french.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task TheConsoleWritesPreviewsAndSendsAnUpdateAndListsItWithItsCounts()
    {
        var id = await Coordinator.SignatureInStateAsync(app, "listed", "Console Updates Organisation", "console@console-updates.example.org", slug: Slug);
        await ExecuteAsync("UPDATE signatures SET wants_updates = @yes WHERE id = @id", new { yes = true, id });
        using var browser = await CookieSession.SignInAsync(app, "console@coalition.example.org", Slug);
        var page = $"/coordinators/petitions/{Slug}/updates";

        var compose = await browser.GetStringAsync(page);
        Assert.That(compose, Does.Contain("id=\"subject\"").And.Contain("id=\"subject-fr\"").And.Contain("It goes to 1 address"));
        Assert.That(await browser.GetStringAsync($"/coordinators/petitions/{Slug}"), Does.Contain($"href=\"{page}\""), "the letter's page leads there");

        using (var invalid = await CookieSession.PostFormAsync(browser, page, page, ("subject", ""), ("body", "Text."), ("subject-fr", "Sans texte")))
        {
            Assert.That(invalid.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            var html = await invalid.Content.ReadAsStringAsync();
            Assert.That(html, Does.Contain("href=\"#subject\"").And.Contain("href=\"#body-fr\""));
        }

        using (var preview = await CookieSession.PostFormAsync(browser, page, page + "?handler=preview", ("subject", "Delivered"), ("body", "We handed it **over**.")))
        {
            Assert.That(preview.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await preview.Content.ReadAsStringAsync(), Does.Contain("<strong>over</strong>"));
        }

        await using (var connection = await app.Db.OpenAsync())
        {
            Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM letter_updates"), Is.EqualTo(0), "a preview sends nothing");
        }

        using (var sent = await CookieSession.PostFormAsync(browser, page, page, ("subject", "Delivered"), ("body", "We handed it **over**.")))
        {
            Assert.That(sent.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
            Assert.That(sent.Headers.Location?.OriginalString, Does.StartWith(page + "?sent="));
        }

        await using (var connection = await app.Db.OpenAsync())
        {
            var queued = await connection.QuerySingleAsync<(string To, string Subject)>("SELECT to_address, subject FROM outbox WHERE kind = 'letter-update'");
            Assert.That(queued, Is.EqualTo(("console@console-updates.example.org", "Delivered")));
        }

        var listed = await browser.GetStringAsync(page);
        Assert.That(listed, Does.Contain("<td lang=\"en\">Delivered</td><td>1</td>"));
    }

    private async Task ExecuteAsync(string sql, object parameters)
    {
        await using var connection = await app.Db.OpenAsync();
        await connection.ExecuteAsync(sql, parameters);
    }
}
