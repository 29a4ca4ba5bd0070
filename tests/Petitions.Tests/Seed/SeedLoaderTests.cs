using Dapper;
using Petitions.Imports;
using Petitions.Tests.Support;

namespace Petitions.Tests.Seed;

public class SeedLoaderTests
{
    private static string SeedFile(string name) => Path.Combine(AppContext.BaseDirectory, "data", "seed", "iap-2017", name);

    [Test]
    public async Task TheSeedLetterIsLoadedOnceAndOnlyOnceAcrossRestarts()
    {
        using var directory = new TempDirectory();
        var path = directory.File("petitions.db");
        long events;
        using (var first = new PetitionsApp(path))
        {
            first.CreateClient();
            await using var connection = await first.Db.OpenAsync();
            events = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM events");
        }

        using var second = new PetitionsApp(path);
        second.CreateClient();
        await using var again = await second.Db.OpenAsync();

        Assert.That(await again.ExecuteScalarAsync<long>("SELECT count(*) FROM petitions"), Is.EqualTo(1));
        Assert.That(await again.ExecuteScalarAsync<long>("SELECT count(*) FROM signatures"), Is.EqualTo(130));
        Assert.That(await again.ExecuteScalarAsync<long>("SELECT count(*) FROM organisations"), Is.EqualTo(130));
        Assert.That(await again.ExecuteScalarAsync<long>("SELECT count(*) FROM events"), Is.EqualTo(events));
    }

    [Test]
    public async Task EveryOrganisationHasTheCityOfTheSeedAndACountryUnlessFlagged()
    {
        using var app = new PetitionsApp();
        app.CreateClient();
        await using var connection = await app.Db.OpenAsync();
        var stored = (await connection.QueryAsync<(string Name, string? City, string? Country, string Flags, string Status)>("""
            SELECT o.name, o.city, o.country, s.flags, s.status
            FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            """)).ToDictionary(r => r.Name);
        var printed = PublishedList.Parse(await File.ReadAllTextAsync(SeedFile("organisations.txt")));

        Assert.That(stored.Keys, Is.EquivalentTo(printed.Select(p => p.Name)));
        Assert.Multiple(() =>
        {
            foreach (var organisation in printed)
            {
                var row = stored[organisation.Name];
                // "Benin" is a country printed where the city goes: it becomes the country.
                var expectedCity = organisation.City == "Benin" ? null : organisation.City;
                Assert.That(row.City, Is.EqualTo(expectedCity), organisation.Name);
                Assert.That(row.Country is null, Is.EqualTo(row.Flags.Length > 0), $"{organisation.Name}: country {row.Country}, flags '{row.Flags}'");
                Assert.That(row.Status, Is.EqualTo("listed"), organisation.Name);
            }
        });
        var flagged = stored.Values.Where(r => r.Flags.Length > 0).Select(r => r.Name).ToList();
        Assert.That(flagged, Is.EquivalentTo(new[]
        {
            "Amnesty International", "Asian Forum for Human Rights and Development (FORUM-ASIA)",
            "International Federation for Human Rights (FIDH)", "International Youth Human Rights Movement",
            "Regional Center for Strategic Studies", "United Nations Convention against Corruption Civil Society Coalition",
            "World Organisation Against Torture (OMCT)",
        }));
        Assert.That(stored["Africa Network for Environment and Economic Justice"].Country, Is.EqualTo("BJ"));
        Assert.That(stored["Asian Human Rights Commission"], Is.EqualTo(("Asian Human Rights Commission", (string?)"Hong Kong SAR", (string?)"HK", "", "listed")));
        Assert.That(stored["Kosova Rehabilitation Center for Torture Victims"].Country, Is.EqualTo("XK"));
        Assert.That(stored["Vietnamese Women for Human Rights"].Country, Is.EqualTo("VN"));
        Assert.That(stored["Citizen Watch"].Country, Is.EqualTo("RU"));
        Assert.That(stored["Foundation ADRA Poland"].Country, Is.EqualTo("PL"));
    }

    [Test]
    public async Task TheFlaggedOrganisationsWereReviewedAndTheHistorySaysSo()
    {
        using var app = new PetitionsApp();
        app.CreateClient();
        await using var connection = await app.Db.OpenAsync();

        var history = (await connection.QueryAsync<(string Kind, string? From, string? To, string Actor)>("""
            SELECT e.kind, e.from_status, e.to_status, e.actor FROM events e
            JOIN signatures s ON s.id = e.signature_id JOIN organisations o ON o.id = s.organisation_id
            WHERE o.name = 'Amnesty International' ORDER BY e.id
            """)).ToList();

        Assert.That(history, Is.EqualTo(new[]
        {
            ("imported", (string?)null, (string?)"confirmed", "seed"),
            ("status", (string?)"confirmed", (string?)"listed", "seed"),
        }));
    }

    [Test]
    public async Task EveryOrganisationSignedOnTheLettersDateThroughTheImport()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        await using var connection = await app.Db.OpenAsync();

        var signatures = (await connection.QueryAsync<(string SignedAt, string Source, string? ListedAt)>(
            "SELECT signed_at, source, listed_at FROM signatures")).ToList();
        var imported = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE kind = 'imported' AND actor = 'seed'");
        var list = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/petitions/iap-2017/signatories")).RootElement;

        Assert.That(signatures, Has.Count.EqualTo(130));
        Assert.That(signatures.Select(s => s.SignedAt).Distinct(), Is.EqualTo(new[] { "2017-09-05T00:00:00.0000000Z" }), "letter.json's date");
        Assert.That(signatures.Select(s => s.Source).Distinct(), Is.EqualTo(new[] { "seed" }));
        Assert.That(signatures.Select(s => s.ListedAt), Has.None.EqualTo("2017-09-05T00:00:00.0000000Z"), "listed when this install listed them");
        Assert.That(imported, Is.EqualTo(130), "each one through the import");
        Assert.That(list.EnumerateArray().Select(s => s.GetProperty("signedAt").GetDateTimeOffset()).Distinct(),
            Is.EqualTo(new[] { new DateTimeOffset(2017, 9, 5, 0, 0, 0, TimeSpan.Zero) }));
    }

    [Test]
    public async Task WithSeedingOffTheDatabaseStartsEmpty()
    {
        using var app = new PetitionsApp(settings: new Dictionary<string, string?> { ["Petitions:SeedOnStart"] = "false" });
        app.CreateClient();
        await using var connection = await app.Db.OpenAsync();

        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM petitions"), Is.Zero);
    }
}
