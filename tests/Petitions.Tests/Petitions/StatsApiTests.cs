using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Petitions;

/// <summary>GET /api/petitions/{slug}/stats: how many listed organisations, from where, signed on which day, against a direct count.</summary>
public sealed class StatsApiTests
{
    [Test]
    public async Task TheCountsMatchADirectCountOfTheListedSignatures()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        await Coordinator.SignatureInStateAsync(app, "listed", "Stats Listed Organisation", "l@stats.example.org");
        await Coordinator.SignatureInStateAsync(app, "pending", "Stats Pending Organisation", "p@stats.example.org");

        var stats = await client.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/stats");

        await using var connection = await app.Db.OpenAsync();
        const string Listed = "FROM signatures s JOIN organisations o ON o.id = s.organisation_id JOIN petitions p ON p.id = s.petition_id WHERE p.slug = 'iap-2017' AND s.status = 'listed'";
        var total = await connection.ExecuteScalarAsync<long>($"SELECT count(*) {Listed}");
        var byCountry = (await connection.QueryAsync<(string? Country, long Count)>($"SELECT o.country, count(*) {Listed} GROUP BY o.country"))
            .ToDictionary(r => r.Country ?? "-", r => r.Count);
        var byDay = (await connection.QueryAsync<(string Day, long Count)>($"SELECT substr(s.signed_at, 1, 10), count(*) {Listed} GROUP BY 1 ORDER BY 1")).ToList();

        Assert.That(stats.GetProperty("signatoryCount").GetInt64(), Is.EqualTo(total).And.EqualTo(131));
        var countries = stats.GetProperty("byCountry").EnumerateArray().ToList();
        Assert.That(countries.ToDictionary(c => c.GetProperty("country").GetString() ?? "-", c => c.GetProperty("count").GetInt64()), Is.EquivalentTo(byCountry));
        Assert.That(countries.Select(c => c.GetProperty("count").GetInt64()), Is.Ordered.Descending, "most first");
        var norway = countries.Single(c => c.GetProperty("country").GetString() == "NO");
        Assert.That(norway.GetProperty("countryName").GetString(), Is.EqualTo("Norway"));
        Assert.That(stats.GetProperty("byDay").EnumerateArray().Select(d => (d.GetProperty("date").GetString()!, d.GetProperty("count").GetInt64())),
            Is.EqualTo(byDay));
        Assert.That(byDay[0].Day, Is.EqualTo("2017-09-05"), "the seed organisations signed on the letter's date");
    }

    [Test]
    public async Task KeptCountsAreCountedAgainWhenTheListChanges()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        using var coordinator = await Coordinator.ClientAsync(app);
        var waiting = await Coordinator.SignatureInStateAsync(app, "confirmed", "Stats Waiting Organisation", "w@stats.example.org");
        var before = await client.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/stats");
        Assert.That((await client.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/stats")).GetProperty("signatoryCount").GetInt64(),
            Is.EqualTo(before.GetProperty("signatoryCount").GetInt64()), "kept");

        using (var approved = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{waiting}/approve", new { }))
        {
            Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var after = await client.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/stats");
        Assert.That(after.GetProperty("signatoryCount").GetInt64(), Is.EqualTo(before.GetProperty("signatoryCount").GetInt64() + 1));
        var norway = after.GetProperty("byCountry").EnumerateArray().Single(c => c.GetProperty("country").GetString() == "NO");
        Assert.That(norway.GetProperty("count").GetInt64(), Is.GreaterThanOrEqualTo(1), "the new one signed from Oslo");
    }

    [Test]
    public async Task AnUnknownOrDraftLetterIs404()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        await Coordinator.AddLetterAsync(app, "a-draft", "draft");

        using var unknown = await client.GetAsync("/api/petitions/no-such-letter/stats");
        using var draft = await client.GetAsync("/api/petitions/a-draft/stats");

        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(draft.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
