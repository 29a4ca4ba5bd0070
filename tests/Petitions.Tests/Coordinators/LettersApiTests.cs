using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

public class LettersApiTests
{
    private PetitionsApp app = null!;
    private HttpClient coordinator = null!;
    private HttpClient visitor = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        visitor = app.CreateClient();
        // Writing letters needs a coordinator of every letter (LetterScopeTests: one letter's cannot).
        coordinator = await Coordinator.ClientAsync(app, "writer@coalition.example.org");
    }

    [TearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        visitor.Dispose();
        app.Dispose();
    }

    private static object Letter(string slug = "open-letter-2026", string status = "open", string body = "We, the undersigned, write to you.") => new
    {
        slug,
        title = "Open letter on the independence of prosecutors",
        addressee = "The Council of Europe",
        place = "Strasbourg",
        date = "2026-11-28",
        status,
        requiresReview = true,
        closesAt = "2027-01-31T23:59:59Z",
        body,
        demandGroups = new[] { new { lead = "We call on the Council to:", demands = new[] { "act;", "report^1^." } } },
        footnotes = new[] { new { number = 1, text = "See <https://www.coe.int>." } },
    };

    [Test]
    public async Task ACoordinatorWritesALetterThatIsThenPublicAndTheirsToCoordinate()
    {
        using var created = await coordinator.PostAsJsonAsync("/api/petitions", Letter());

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(created.Headers.Location?.ToString(), Is.EqualTo("/api/petitions/open-letter-2026"));
        var letter = await visitor.GetFromJsonAsync<JsonElement>("/api/petitions/open-letter-2026");
        Assert.That(letter.GetProperty("title").GetString(), Is.EqualTo("Open letter on the independence of prosecutors"));
        Assert.That(letter.GetProperty("requiresReview").GetBoolean(), Is.True);
        Assert.That(letter.GetProperty("closesAt").GetDateTimeOffset(), Is.EqualTo(new DateTimeOffset(2027, 1, 31, 23, 59, 59, TimeSpan.Zero)));
        Assert.That(letter.GetProperty("demandGroups")[0].GetProperty("demands")[1].GetString(), Is.EqualTo("report^1^."));
        Assert.That(await visitor.GetStringAsync("/petitions/open-letter-2026"), Does.Contain("report<sup><a href=\"#note-1\" id=\"ref-1\" class=\"note-mark\">1</a></sup>."));
        using var signatures = await coordinator.GetAsync("/api/petitions/open-letter-2026/signatures");
        Assert.That(signatures.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the writer coordinates the new letter");
    }

    [Test]
    public async Task ATakenSlugIs409()
    {
        using var response = await coordinator.PostAsJsonAsync("/api/petitions", Letter("iap-2017"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [TestCase("slug", "Not A Slug")]
    [TestCase("title", "")]
    [TestCase("status", "published")]
    public async Task AnInvalidLetterIs400NamingTheField(string field, string value)
    {
        var letter = JsonSerializer.SerializeToNode(Letter())!.AsObject();
        letter[field] = value;

        using var response = await coordinator.PostAsJsonAsync("/api/petitions", letter);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.That(errors.TryGetProperty(field, out _), Is.True, errors.ToString());
    }

    [Test]
    public async Task ADraftIsNotPublicAndTakesNoSignatures()
    {
        using var _ = await coordinator.PostAsJsonAsync("/api/petitions", Letter(status: "draft"));

        using var page = await visitor.GetAsync("/petitions/open-letter-2026");
        using var sign = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson(), "open-letter-2026");

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(sign.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await visitor.GetStringAsync("/api/petitions"), Does.Not.Contain("open-letter-2026"));
    }

    [Test]
    public async Task ChangingTheTextOfAnOpenLetterMakesANewVersionAndEachSignOnKeepsItsOwn()
    {
        using (var _ = await coordinator.PostAsJsonAsync("/api/petitions", Letter()))
        {
        }

        using (var _ = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Early Organisation", "e@early.example.org"), "open-letter-2026"))
        {
        }

        using var edited = await coordinator.PutAsJsonAsync("/api/petitions/open-letter-2026", Letter(body: "We, the undersigned, write to you again."));
        using (var _ = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Late Organisation", "l@late.example.org"), "open-letter-2026"))
        {
        }

        Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await edited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32(), Is.EqualTo(2));
        await using var connection = await app.Db.OpenAsync();
        var versions = (await connection.QueryAsync<(long Version, string Body)>(
            "SELECT v.version, v.body FROM petition_versions v JOIN petitions p ON p.id = v.petition_id WHERE p.slug = 'open-letter-2026' ORDER BY v.version")).ToList();
        Assert.That(versions, Is.EqualTo(new[] { (1L, "We, the undersigned, write to you."), (2L, "We, the undersigned, write to you again.") }));
        var signed = (await connection.QueryAsync<(string Name, long Version)>("""
            SELECT o.name, s.petition_version FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE o.name IN ('Early Organisation', 'Late Organisation') ORDER BY o.name
            """)).ToList();
        Assert.That(signed, Is.EqualTo(new[] { ("Early Organisation", 1L), ("Late Organisation", 2L) }));
    }

    [Test]
    public async Task ChangingOnlyTheSettingsKeepsTheVersionAndClosingStopsSignatures()
    {
        using (var _ = await coordinator.PostAsJsonAsync("/api/petitions", Letter()))
        {
        }

        using var closed = await coordinator.PutAsJsonAsync("/api/petitions/open-letter-2026", Letter(status: "closed"));
        using var sign = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson(), "open-letter-2026");

        Assert.That((await closed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32(), Is.EqualTo(1));
        Assert.That(sign.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }
}
