using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

public class ExportImportTests
{
    private PetitionsApp app = null!;
    private HttpClient coordinator = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        app.CreateClient().Dispose();
        coordinator = await Coordinator.ClientAsync(app);
    }

    [TearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task TheCsvIsUtf8WithBomEveryFieldQuotedWithADatedFileName()
    {
        using var response = await coordinator.GetAsync("/api/petitions/iap-2017/signatures.csv");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/csv; charset=utf-8"));
        Assert.That(response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), Is.EqualTo($"iap-2017-signatories-{DateTime.UtcNow:yyyy-MM-dd}.csv"));
        Assert.That(bytes[..3], Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }));
        Assert.That(lines[0], Is.EqualTo("\"organisation\",\"city\",\"country\",\"country_name\",\"contact_name\",\"contact_role\",\"contact_email\",\"website\",\"status\",\"signed_at\",\"confirmed_at\",\"listed_at\",\"withdrawn_at\",\"withdrawal_reason\",\"source\",\"comment\",\"flags\",\"language\",\"ref\""));
        Assert.That(lines, Has.Length.EqualTo(131));
        Assert.That(lines, Does.Contain("\"Transparency International Česká republika\",\"Prague\",\"CZ\",\"Czechia\",\"\",\"\",\"\",\"\",\"listed\"," +
            lines.Single(l => l.StartsWith("\"Transparency International Česká", StringComparison.Ordinal)).Split(",\"listed\",")[1]));
    }

    [TestCase("?status=listed&country=XK", 2)]
    [TestCase("?country=nl", 6)]
    [TestCase("?status=withdrawn", 0)]
    public async Task TheCsvFiltersByStatusAndCountry(string query, int rows)
    {
        var text = await coordinator.GetStringAsync($"/api/petitions/iap-2017/signatures.csv{query}");

        Assert.That(text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(rows + 1));
    }

    [Test]
    public async Task TheCsvGivesTimesToTheSecondAndTheSeedLettersDateAsSignedAt()
    {
        var records = Hostile.SpreadsheetCsv.Parse(await coordinator.GetByteArrayAsync("/api/petitions/iap-2017/signatures.csv"));

        var times = records.Skip(1).SelectMany(r => new[] { r[9], r[10], r[11] }).ToList();
        Assert.That(times, Has.All.Match("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"));
        Assert.That(records.Skip(1).Select(r => r[9]).Distinct(), Is.EqualTo(new[] { "2017-09-05T00:00:00Z" }));
        Assert.That(records.Single(r => r[0] == "Amnesty International")[16], Is.EqualTo("no-city"), "the flags column");
    }

    [Test]
    public async Task TheXlsxIsAWorkbookOfTextCellsWithTheCsvsColumnsAndADatedFileName()
    {
        using var response = await coordinator.GetAsync("/api/petitions/iap-2017/signatures.xlsx");
        var xlsx = await response.Content.ReadAsByteArrayAsync();
        var csv = Hostile.SpreadsheetCsv.Parse(await coordinator.GetByteArrayAsync("/api/petitions/iap-2017/signatures.csv"));

        var rows = XlsxSheet.Read(xlsx);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        Assert.That(response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), Is.EqualTo($"iap-2017-signatories-{DateTime.UtcNow:yyyy-MM-dd}.xlsx"));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(rows.SelectMany(r => r).Where(c => !c.IsText), Is.Empty, "every cell a text cell");
        // The same table as the CSV, but for the CSV's formula apostrophe (none in the seed).
        Assert.That(XlsxSheet.Texts(rows), Is.EqualTo(csv));
    }

    [TestCase("?status=listed&country=XK", 2)]
    [TestCase("?country=nl", 6)]
    [TestCase("?status=withdrawn", 0)]
    public async Task TheXlsxFiltersByStatusAndCountry(string query, int count)
    {
        var rows = XlsxSheet.Texts(XlsxSheet.Read(await coordinator.GetByteArrayAsync($"/api/petitions/iap-2017/signatures.xlsx{query}")));
        var expected = Hostile.SpreadsheetCsv.Parse(await coordinator.GetByteArrayAsync($"/api/petitions/iap-2017/signatures.csv{query}"));

        Assert.That(rows, Has.Count.EqualTo(count + 1));
        Assert.That(rows, Is.EqualTo(expected));
    }

    [TestCase("signatures.csv", "?status=happy")]
    [TestCase("signatures.csv", "?country=ZZ")]
    [TestCase("signatures.xlsx", "?status=happy")]
    [TestCase("signatures.xlsx", "?country=ZZ")]
    public async Task ABadFilterIs400(string file, string query)
    {
        using var response = await coordinator.GetAsync($"/api/petitions/iap-2017/{file}{query}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task TheXlsxNeedsACoordinatorOfTheLetter()
    {
        using var anonymous = app.CreateClient();
        await Coordinator.AddLetterAsync(app, "copy-letter");
        using var otherLetter = await Coordinator.ClientAsync(app, "other@coalition.example.org", "copy-letter");

        using var withoutToken = await anonymous.GetAsync("/api/petitions/iap-2017/signatures.xlsx");
        using var ofAnother = await otherLetter.GetAsync("/api/petitions/iap-2017/signatures.xlsx");

        Assert.That(withoutToken.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(ofAnother.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task TheSeedListImportedThroughTheApiMergesWithWhatIsThere()
    {
        var list = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "data", "seed", "iap-2017", "organisations.txt"));
        using var content = new StringContent(list + "\n[A New Network](#), Tbilisi\n", Encoding.UTF8, "text/plain");

        using var response = await coordinator.PostAsync("/api/petitions/iap-2017/signatures/import", content);

        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(result.GetProperty("imported").GetInt32(), Is.EqualTo(1));
        Assert.That(result.GetProperty("merged").GetInt32(), Is.EqualTo(130));
        Assert.That(result.GetProperty("flagged").GetInt32(), Is.Zero);
        Assert.That(result.GetProperty("rejected").GetArrayLength(), Is.Zero);
        Assert.That((await coordinator.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017")).GetProperty("signatoryCount").GetInt32(), Is.EqualTo(131));
    }

    [Test]
    public async Task TheExportImportsIntoAnotherLetterAndExportsTheSameOrganisations()
    {
        var withdrawn = await Coordinator.SeedSignatureIdAsync(app, "Fair Trials");
        using (var _ = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{withdrawn}/withdraw", new { reason = "=Formal \"letter\", 3 May", at = "2026-05-03T00:00:00Z" }))
        {
        }

        var exported = await coordinator.GetStringAsync("/api/petitions/iap-2017/signatures.csv");
        await Coordinator.AddLetterAsync(app, "copy-letter");
        using var content = new StringContent(exported, Encoding.UTF8, "text/csv");

        using var response = await coordinator.PostAsync("/api/petitions/copy-letter/signatures/import", content);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        var again = await coordinator.GetStringAsync("/api/petitions/copy-letter/signatures.csv");

        Assert.That(result.GetProperty("imported").GetInt32(), Is.EqualTo(130), result.ToString());
        static IEnumerable<string> Columns(string csv, params int[] columns) =>
            csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(l => System.Text.RegularExpressions.Regex.Matches(l, "\"((?:[^\"]|\"\")*)\"").Select(m => m.Groups[1].Value).ToArray())
                .Select(f => string.Join("|", columns.Select(c => f[c])))
                .Order(StringComparer.Ordinal);
        // organisation, city, country, country_name, withdrawn_at, withdrawal_reason. The status is the import's own
        // (listed unless flagged for review), except a withdrawal, which travels with the list.
        Assert.That(Columns(again, 0, 1, 2, 3, 12, 13), Is.EqualTo(Columns(exported, 0, 1, 2, 3, 12, 13)));
        Assert.That(Columns(again, 0, 8).Where(r => r.EndsWith("|withdrawn", StringComparison.Ordinal)), Is.EqualTo(new[] { "Fair Trials|withdrawn" }));
        Assert.That(again, Does.Contain("\"'=Formal \"\"letter\"\", 3 May\""), "still neutralised, quotes doubled");
        // The bytes above look the same whether the import took the export's apostrophe off or kept it
        // (the export adds none to a value that starts with one): the stored values tell them apart.
        await using var connection = await app.Db.OpenAsync();
        var stored = await connection.QuerySingleAsync<(string Reason, string Name)>("""
            SELECT s.withdrawal_reason, o.name FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            JOIN petitions p ON p.id = s.petition_id WHERE p.slug = 'copy-letter' AND s.status = 'withdrawn'
            """);
        var original = await connection.ExecuteScalarAsync<string>("SELECT withdrawal_reason FROM signatures WHERE id = @withdrawn", new { withdrawn });
        Assert.That(original, Is.EqualTo("=Formal \"letter\", 3 May"), "stored as given; the apostrophe is only the export's");
        Assert.That(stored.Reason, Is.EqualTo(original), "the import took the export's apostrophe off again");
        Assert.That(stored.Name, Is.EqualTo("Fair Trials"));
    }

    [Test]
    public async Task ABrokenCsvLineIsRejectedWithItsLineAndTheRestIsImported()
    {
        await Coordinator.AddLetterAsync(app, "copy-letter");
        var csv = "\"organisation\",\"city\",\"country\"\r\n\"Good One\",\"Oslo\",\"NO\"\r\n\"Bad\",\"Line\"\r\n\"Good Two\",\"Bergen\",\"\"\r\n";
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");

        using var response = await coordinator.PostAsync("/api/petitions/copy-letter/signatures/import", content);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(result.GetProperty("imported").GetInt32(), Is.EqualTo(2));
        Assert.That(result.GetProperty("rejected")[0].GetProperty("line").GetInt32(), Is.EqualTo(3));
        Assert.That(result.GetProperty("rejected")[0].GetProperty("reason").GetString(), Does.Contain("number of fields"));
        var signatures = await coordinator.GetFromJsonAsync<JsonElement>("/api/petitions/copy-letter/signatures");
        Assert.That(signatures.EnumerateArray().Single(s => s.GetProperty("organisation").GetString() == "Good Two").GetProperty("country").GetString(),
            Is.EqualTo("NO"), "a missing country is inferred from the city");
    }

    [Test]
    public async Task ImportTakesOnlyCsvOrText()
    {
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");

        using var response = await coordinator.PostAsync("/api/petitions/iap-2017/signatures/import", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
    }

    [Test]
    public async Task ThePublicationTextAndThePrintablePageAreReadyForDelivery()
    {
        var text = await coordinator.GetStringAsync("/api/petitions/iap-2017/publication.txt?group-by=country");
        var print = await coordinator.GetStringAsync("/petitions/iap-2017/print");

        Assert.That(text, Does.StartWith("Albania\nCentre for Development and Democratization of Institutions, Tirana\n"));
        Assert.That(print, Does.Contain("<li>Asian Human Rights Commission, Hong Kong SAR</li>"));
        Assert.That(print, Does.Not.Contain("<form"));
    }
}
