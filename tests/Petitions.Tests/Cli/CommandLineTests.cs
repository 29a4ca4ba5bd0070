using System.Text.Json;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Cli;

public class CommandLineTests
{
    private TempDirectory directory = null!;
    private string database = null!;

    [SetUp]
    public void SetUp()
    {
        directory = new TempDirectory();
        database = directory.File("petitions.db");
    }

    [TearDown]
    public void TearDown() => directory.Dispose();

    [Test]
    public async Task ExportTextPrintsThePublicationFormAndNothingElse()
    {
        var result = await CliProcess.RunAsync(database, "export", "--petition", "iap-2017", "--format", "text");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var lines = result.Output.TrimEnd('\n').Split('\n');
        Assert.That(lines, Has.Length.EqualTo(130));
        Assert.That(lines[0], Is.EqualTo("Africa Network for Environment and Economic Justice, Benin"));
        Assert.That(lines, Does.Contain("Asian Human Rights Commission, Hong Kong SAR"));
        Assert.That(result.Output, Does.Not.Contain("info:"), "logs belong on standard error");
    }

    [Test]
    public async Task ExportTextCanGroupByCountry()
    {
        var result = await CliProcess.RunAsync(database, "export", "--petition", "iap-2017", "--format", "text", "--group-by", "country");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var blocks = result.Output.TrimEnd('\n').Split("\n\n");
        var kosovo = blocks.Single(b => b.StartsWith("Kosovo\n", StringComparison.Ordinal));
        Assert.That(kosovo.Split('\n')[1..], Is.EqualTo(new[]
        {
            "Kosova Rehabilitation Center for Torture Victims, Prishtina",
            "Kosovo Center for Transparency, Accountability and Anti-Corruption - KUND 16, Prishtina",
        }));
        Assert.That(blocks[^1], Does.StartWith("International and other\nAmnesty International\n"));
    }

    [Test]
    public async Task ExportFiltersByCountry()
    {
        var result = await CliProcess.RunAsync(database, "export", "--petition", "iap-2017", "--format", "text", "--country", "nl");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output.TrimEnd('\n').Split('\n'), Has.All.EndsWith(", Amsterdam").Or.EndsWith(", The Hague").Or.EndsWith(", Utrecht"));
    }

    [Test]
    public async Task ImportOfAPastedListAddsNewOrganisationsMergesKnownOnesAndFlagsTheUndecided()
    {
        var file = directory.File("more.txt");
        await File.WriteAllTextAsync(file, """
            **Also signed:**
            [Fair Trials](#), London
            [Civil Rights Defenders](#), Stockholm
            Stichting Nieuwe Organisatie, Utrecht
            Asociación Nueva, Valencia
            Some Network Without A City
            """);

        var result = await CliProcess.RunAsync(database, "import", "--petition", "iap-2017", file);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var answer = JsonDocument.Parse(result.Output).RootElement;
        Assert.That(answer.GetProperty("imported").GetInt32(), Is.EqualTo(3));
        Assert.That(answer.GetProperty("merged").GetInt32(), Is.EqualTo(2));
        Assert.That(answer.GetProperty("flagged").GetInt32(), Is.EqualTo(2));
        Assert.That(answer.GetProperty("rejected").GetArrayLength(), Is.Zero);

        await using var connection = await TestDatabase.OpenAsync(database);
        var rows = (await connection.QueryAsync<(string Name, string? Country, string Status, string Flags)>("""
            SELECT o.name, o.country, s.status, s.flags FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE o.name IN ('Stichting Nieuwe Organisatie', 'Asociación Nueva', 'Some Network Without A City') ORDER BY o.name
            """)).ToList();
        Assert.That(rows, Is.EqualTo(new[]
        {
            ("Asociación Nueva", (string?)null, "confirmed", "ambiguous-city"),
            ("Some Network Without A City", (string?)null, "confirmed", "no-city"),
            ("Stichting Nieuwe Organisatie", (string?)"NL", "listed", ""),
        }));
    }

    [Test]
    public async Task TheSameListImportedTwiceIsMergedTheSecondTime()
    {
        var file = directory.File("seed.txt");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "data", "seed", "iap-2017", "organisations.txt"), file);

        var result = await CliProcess.RunAsync(database, "import", "--petition", "iap-2017", file);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var answer = JsonDocument.Parse(result.Output).RootElement;
        Assert.That(answer.GetProperty("imported").GetInt32(), Is.Zero);
        Assert.That(answer.GetProperty("merged").GetInt32(), Is.EqualTo(130));
    }

    [Test]
    public async Task CoordinatorsAddPrintsATokenOnceAsTheLastLineAndStoresOnlyItsHash()
    {
        var result = await CliProcess.RunAsync(database, "coordinators", "add", "Ana@Coalition.example.org", "--name", "Ana");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var token = result.Output.TrimEnd('\n').Split('\n')[^1];
        Assert.That(token, Does.Match("^[A-Za-z0-9_-]{43}$"));
        await using var connection = await TestDatabase.OpenAsync(database);
        var hash = await connection.ExecuteScalarAsync<byte[]>("SELECT hash FROM api_tokens");
        Assert.That(hash, Is.EqualTo(System.Security.Cryptography.SHA256.HashData(System.Buffers.Text.Base64Url.DecodeFromChars(token))));
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT email FROM coordinators"), Is.EqualTo("Ana@coalition.example.org"));
    }

    [Test]
    public async Task ExportCsvWritesTheSameBytesAsTheApiWould()
    {
        var result = await CliProcess.RunAsync(database, "export", "--petition", "iap-2017", "--country", "XK");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.StartWith("\uFEFF\"organisation\",\"city\",\"country\""));
        Assert.That(result.Output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(3));
        Assert.That(result.Output, Does.Contain("\"Kosova Rehabilitation Center for Torture Victims\",\"Prishtina\",\"XK\",\"Kosovo\""));
    }

    [Test]
    public async Task ExportXlsxToAFileIsTheWorkbookTheApiWouldGive()
    {
        var file = directory.File("kosovo.xlsx");

        var result = await CliProcess.RunToFileAsync(database, file, "export", "--petition", "iap-2017", "--country", "XK", "--format", "xlsx");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var rows = XlsxSheet.Read(await File.ReadAllBytesAsync(file));
        var texts = XlsxSheet.Texts(rows);
        Assert.That(texts, Has.Count.EqualTo(3));
        Assert.That(texts[0][..4], Is.EqualTo(new[] { "organisation", "city", "country", "country_name" }));
        Assert.That(texts.Skip(1).Select(r => r[0]), Does.Contain("Kosova Rehabilitation Center for Torture Victims"));
        Assert.That(rows.SelectMany(r => r).Where(c => !c.IsText), Is.Empty);
    }

    [Test]
    public async Task ImportOfACsvFileRoundTripsTheExport()
    {
        var exported = await CliProcess.RunAsync(database, "export", "--petition", "iap-2017", "--country", "GE");
        var file = directory.File("georgia.csv");
        await File.WriteAllTextAsync(file, exported.Output);

        var result = await CliProcess.RunAsync(database, "import", "--petition", "iap-2017", file);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var answer = JsonDocument.Parse(result.Output).RootElement;
        Assert.That(answer.GetProperty("merged").GetInt32(), Is.EqualTo(3));
        Assert.That(answer.GetProperty("imported").GetInt32(), Is.Zero);
    }

    [TestCase(new[] { "coordinators" }, "say what to do")]
    [TestCase(new[] { "coordinators", "add" }, "add needs an EMAIL")]
    [TestCase(new[] { "coordinators", "add", "not-an-email" }, "is not an email address")]
    [TestCase(new[] { "coordinators", "demote", "a@b.example.org" }, "unknown coordinators command")]
    [TestCase(new[] { "frobnicate" }, "unknown command")]
    [TestCase(new[] { "export", "--petition" }, "--petition needs a value")]
    [TestCase(new[] { "export", "--petition", "iap-2017", "--format", "pdf" }, "--format must be csv, xlsx or text")]
    [TestCase(new[] { "export", "--petition", "iap-2017", "--group-by", "country" }, "--group-by goes with --format text")]
    [TestCase(new[] { "export", "--petition", "iap-2017", "--format", "xlsx", "--group-by", "country" }, "--group-by goes with --format text")]
    [TestCase(new[] { "export", "--petition", "iap-2017", "--colour", "red" }, "unknown option --colour")]
    [TestCase(new[] { "export", "--petition", "iap-2017", "--format", "text", "--status", "happy" }, "--status must be one of")]
    [TestCase(new[] { "export", "--petition", "iap-2017", "--format", "text", "--country", "ZZ" }, "--country must be an ISO 3166-1 alpha-2 code")]
    [TestCase(new[] { "export", "--petition", "no-such-letter", "--format", "text" }, "There is no letter 'no-such-letter'")]
    [TestCase(new[] { "import", "--petition", "iap-2017" }, "FILE is required")]
    [TestCase(new[] { "import", "--petition", "iap-2017", "/no/such/file.txt" }, "no such file")]
    public async Task BadUsageIsOneLineOnStandardErrorAndExitCodeTwo(string[] args, string message)
    {
        var result = await CliProcess.RunAsync(database, args);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output, Is.Empty);
        var errorLines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("info:", StringComparison.Ordinal) && !l.StartsWith("      ", StringComparison.Ordinal)).ToList();
        Assert.That(errorLines, Has.Count.EqualTo(1), result.Error);
        Assert.That(errorLines[0], Does.Contain(message));
    }
}
