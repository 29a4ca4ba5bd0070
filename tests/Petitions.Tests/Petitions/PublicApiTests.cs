using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Petitions.Data;
using Petitions.Tests.Support;

namespace Petitions.Tests.Petitions;

public class PublicApiTests
{
    private PetitionsApp app = null!;
    private HttpClient client = null!;

    [OneTimeSetUp]
    public void StartApp()
    {
        app = new PetitionsApp();
        client = app.CreateClient();
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task TheListOfLettersGivesSlugTitleStatusAndCount()
    {
        var letters = await client.GetFromJsonAsync<JsonElement>("/api/petitions");

        Assert.That(letters.GetArrayLength(), Is.EqualTo(1));
        var letter = letters[0];
        Assert.That(letter.GetProperty("slug").GetString(), Is.EqualTo("iap-2017"));
        Assert.That(letter.GetProperty("title").GetString(), Is.EqualTo("Petition to the International Association of Prosecutors"));
        Assert.That(letter.GetProperty("status").GetString(), Is.EqualTo("open"));
        Assert.That(letter.GetProperty("signatoryCount").GetInt32(), Is.EqualTo(130));
    }

    [Test]
    public async Task ALetterGivesItsWholeStructure()
    {
        var letter = await client.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017");

        Assert.That(letter.GetProperty("addressee").GetString(), Is.EqualTo("International Association of Prosecutors"));
        Assert.That(letter.GetProperty("place").GetString(), Is.EqualTo("The Hague"));
        Assert.That(letter.GetProperty("date").GetString(), Is.EqualTo("2017-09-05"));
        Assert.That(letter.GetProperty("status").GetString(), Is.EqualTo("open"));
        Assert.That(letter.GetProperty("body").GetString(), Does.StartWith("Dear members of the IAP Executive Committee"));
        var groups = letter.GetProperty("demandGroups");
        Assert.That(groups.GetArrayLength(), Is.EqualTo(2));
        Assert.That(groups[0].GetProperty("lead").GetString(), Is.EqualTo("We urge the IAP Executive Committee and the Senate to:"));
        Assert.That(groups[0].GetProperty("demands").GetArrayLength(), Is.EqualTo(1));
        Assert.That(groups[1].GetProperty("demands").GetArrayLength(), Is.EqualTo(2));
        var footnotes = letter.GetProperty("footnotes");
        Assert.That(footnotes.EnumerateArray().Select(f => f.GetProperty("number").GetInt32()), Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
        Assert.That(footnotes[1].GetProperty("text").GetString(), Does.Contain("<http://www.defendersorviolators.info/judiciary-in-azerbaijan>"));
        Assert.That(letter.GetProperty("signatoryCount").GetInt32(), Is.EqualTo(130));
    }

    [Test]
    public async Task TheSignatoriesAreSortedAsAPersonExpectsWithCountryNames()
    {
        var signatories = await client.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/signatories");
        var names = signatories.EnumerateArray().Select(s => s.GetProperty("organisation").GetString()!).ToList();

        Assert.That(names, Has.Count.EqualTo(130));
        Assert.That(names, Is.Ordered.Using((IComparer<string>)global::Petitions.Signatures.SignatureStore.NameOrder));
        var kosovo = signatories.EnumerateArray().First(s => s.GetProperty("organisation").GetString() == "Kosova Rehabilitation Center for Torture Victims");
        Assert.That(kosovo.GetProperty("city").GetString(), Is.EqualTo("Prishtina"));
        Assert.That(kosovo.GetProperty("country").GetString(), Is.EqualTo("XK"));
        Assert.That(kosovo.GetProperty("countryName").GetString(), Is.EqualTo("Kosovo"));
        Assert.That(kosovo.GetProperty("signedAt").GetDateTimeOffset().Offset, Is.EqualTo(TimeSpan.Zero));
        Assert.That(kosovo.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "organisation", "city", "country", "countryName", "signedAt" }));
    }

    [TestCase("/api/petitions/no-such-letter")]
    [TestCase("/api/petitions/no-such-letter/signatories")]
    public async Task AnUnknownLetterIsAProblem404(string path)
    {
        using var response = await client.GetAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task HealthAnswersWhenTheDatabaseDoes()
    {
        using var response = await client.GetAsync("/healthz");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task TheOpenApiDocumentDescribesThePublicRoutes()
    {
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        Assert.That(paths, Is.SupersetOf(new[] { "/api/petitions", "/api/petitions/{slug}", "/api/petitions/{slug}/signatories", "/healthz" }));
    }

    [Test]
    public async Task NoPublicAnswerEverCarriesContactData()
    {
        // A signatory with contact data, listed: what the public sees of it is name and place only.
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        await using (var connection = await app.Db.OpenAsync())
        {
            var petitionId = await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = 'iap-2017'");
            var organisationId = await connection.ExecuteScalarAsync<long>(
                "INSERT INTO organisations (name, name_key, city, country, created_at) VALUES ('Marker Org', 'marker org', 'Oslo', 'NO', @at) RETURNING id",
                new { at = Time.Format(DateTimeOffset.UtcNow) });
            await connection.ExecuteAsync("""
                INSERT INTO signatures (petition_id, organisation_id, status, source, contact_name, contact_role, contact_email, comment, signed_at, listed_at)
                VALUES (@petitionId, @organisationId, 'listed', 'api', 'Zelda Markerperson', 'Director of Markers', 'zelda.marker@marker-org.example', 'private marker comment', @at, @at)
                """, new { petitionId, organisationId, at = Time.Format(DateTimeOffset.UtcNow) });
        }

        foreach (var path in new[] { "/", "/petitions/iap-2017", "/api/petitions", "/api/petitions/iap-2017", "/api/petitions/iap-2017/signatories" })
        {
            var body = await client.GetStringAsync(path);
            Assert.That(body, Does.Not.Contain("zelda").IgnoreCase, path);
            Assert.That(body, Does.Not.Contain("Markerperson"), path);
            Assert.That(body, Does.Not.Contain("Director of Markers"), path);
            Assert.That(body, Does.Not.Contain("private marker comment"), path);
            Assert.That(body, Does.Not.Contain("@marker-org"), path);
        }

        Assert.That(await client.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Contain("Marker Org"));
    }
}
