using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Hostile;

/// <summary>
/// Spreadsheet formulas (CSV injection): refused in the published fields, and wherever they are
/// accepted (other fields, the import) made inert in the CSV a coordinator opens in Excel.
/// </summary>
[Parallelizable(ParallelScope.Self)]
public sealed class FormulaTests
{
    private PetitionsApp app = null!;
    private HttpClient client = null!;
    private HttpClient coordinator = null!;

    public static readonly IReadOnlyList<string> Formulas =
    [
        "=1+2",
        "=HYPERLINK(\"http://x\",\"y\")",
        "=cmd|' /C calc'!A0",
        "+1+1",
        "-1+1",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "\n=1",
        "\r\n=1",
        "\uFF1D1",
        "\u200B=1",
        "\u00A0=1",
        " =1+2",
        "\uFEFF=1",
        "\uFF0B1",
        "\uFF0D1",
        "\uFF20SUM(A1)",
    ];

    public static IEnumerable<TestCaseData> PublishedFieldCases() =>
        from field in new[] { "organisation", "city" }
        from formula in Formulas
        select new TestCaseData(field, formula).SetArgDisplayNames(field, HostileData.Show(formula));

    public static IEnumerable<TestCaseData> OtherFieldCases() =>
        from field in new[] { "contactName", "contactRole", "contactEmail", "website", "comment" }
        from formula in Formulas
        select new TestCaseData(field, formula).SetArgDisplayNames(field, HostileData.Show(formula));

    [OneTimeSetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        client = app.CreateClient(new() { AllowAutoRedirect = false });
        coordinator = await Coordinator.ClientAsync(app);
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        client.Dispose();
        app.Dispose();
    }

    [TestCaseSource(nameof(PublishedFieldCases))]
    public async Task AFormulaInANameOrCityIsRefusedNamingTheField(string field, string formula)
    {
        var body = Probe.Valid("formula-" + Tag(field, formula));
        body[field] = formula;

        var answer = await Probe.SendJsonAsync(app, client, field, formula, body);

        Assert.That(answer.Status, Is.EqualTo((int)HttpStatusCode.BadRequest), answer.Describe());
        Assert.That(Probe.JudgeJson(answer), Is.Null);
    }

    [TestCaseSource(nameof(OtherFieldCases))]
    public async Task AFormulaInAnotherFieldIsRefusedNamingItOrAcceptedAndInertInTheCsv(string field, string formula)
    {
        var body = Probe.Valid("formula-" + Tag(field, formula));
        body[field] = formula;

        var answer = await Probe.SendJsonAsync(app, client, field, formula, body);

        Assert.That(Probe.JudgeJson(answer), Is.Null);
        Assert.That(SpreadsheetCsv.Problems(await ExportAsync()), Is.Empty);
    }

    [Test]
    public async Task FormulasInAnImportedListAreRejectedWithTheirLinesAsTheSignOnRejectsThem()
    {
        // A line break starts a new line of a list, and a comma a city, so those formulas cannot be in one.
        var formulas = Formulas.Where(f => !f.Contains('\n', StringComparison.Ordinal) && !f.Contains(',', StringComparison.Ordinal))
            .Append("'=HYPERLINK(\"http://x\")").ToList();
        var lines = formulas.SelectMany((f, i) => new[] { $"{f}, Oslo", string.Create(CultureInfo.InvariantCulture, $"Formula Import {i}, {f}") }).ToList();
        using var content = new StringContent(string.Join('\n', lines), Encoding.UTF8, "text/plain");

        using var response = await coordinator.PostAsync($"/api/petitions/{SignOnClient.Slug}/signatures/import", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.That(result.GetProperty("imported").GetInt32(), Is.Zero, result.ToString());
        Assert.That(result.GetProperty("rejected").EnumerateArray().Select(r => r.GetProperty("line").GetInt32()),
            Is.EqualTo(Enumerable.Range(1, lines.Count)));
        Assert.That(SpreadsheetCsv.Problems(await ExportAsync()), Is.Empty);
    }

    [Test]
    public async Task ANameStoredBeforeTheRulesIsEscapedInThePublicationText()
    {
        await using (var connection = await app.Db.OpenAsync())
        {
            // As an import before the rules stored it: straight into the tables.
            var organisationId = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO organisations (name, name_key, loose_key, created_at) VALUES ('＝cmd|'' /C calc''!A0', 'legacy cmd', 'legacy cmd', '2026-01-01T00:00:00Z')
                RETURNING id
                """);
            await connection.ExecuteAsync("""
                INSERT INTO signatures (petition_id, organisation_id, status, source, signed_at, confirmed_at, listed_at)
                VALUES ((SELECT id FROM petitions WHERE slug = 'iap-2017'), @organisationId, 'listed', 'import',
                        '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
                """, new { organisationId });
        }

        PublicListCache.InvalidateAll(app.Db.ConnectionString);
        var text = await coordinator.GetStringAsync($"/api/petitions/{SignOnClient.Slug}/publication.txt");

        Assert.That(text.Split('\n'), Does.Contain("'\uFF1Dcmd|' /C calc'!A0"));
    }

    [Test]
    public async Task FormulasInEveryColumnOfAnImportedCsvAreInertWhenExportedAgain()
    {
        var csv = new StringBuilder("organisation,city,country,contact_name,contact_role,contact_email,website,status,withdrawn_at,withdrawal_reason\r\n");
        for (var i = 0; i < Formulas.Count; i++)
        {
            var f = Formulas[i].Replace("\"", "\"\"", StringComparison.Ordinal);
            csv.Append(CultureInfo.InvariantCulture, $"\"Formula Csv {i}\",\"{f}\",\"{f}\",\"{f}\",\"{f}\",\"{f}@formula.example.org\",\"{f}\",\"withdrawn\",\"2026-05-03\",\"{f}\"\r\n");
            // As the export writes them: with the apostrophe, which the import takes off again.
            csv.Append(CultureInfo.InvariantCulture, $"\"'{f}\",\"'{f}\",\"\",\"'{f}\",\"'{f}\",\"\",\"'{f}\",\"withdrawn\",\"\",\"'{f}\"\r\n");
        }

        using var content = new StringContent(csv.ToString(), Encoding.UTF8, "text/csv");
        using var response = await coordinator.PostAsync($"/api/petitions/{SignOnClient.Slug}/signatures/import", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(SpreadsheetCsv.Problems(await ExportAsync()), Is.Empty);
    }

    private async Task<IReadOnlyList<string[]>> ExportAsync() =>
        SpreadsheetCsv.Parse(await coordinator.GetByteArrayAsync($"/api/petitions/{SignOnClient.Slug}/signatures.csv"));

    private static string Tag(string field, string formula) =>
        string.Create(CultureInfo.InvariantCulture, $"{field.ToLowerInvariant()}-{Formulas.ToList().IndexOf(formula)}");
}
