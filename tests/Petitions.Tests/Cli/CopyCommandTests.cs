using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Petitions.Data;
using Petitions.Tests.Support;

namespace Petitions.Tests.Cli;

/// <summary>
/// `copy --to`: this run's kind of database (SQLite, or PostgreSQL on a PostgreSQL run) into an
/// empty one of the other kind and back, through the real program.
/// </summary>
public class CopyCommandTests
{
    private TempDirectory directory = null!;
    private string source = null!;

    [SetUp]
    public void SetUp()
    {
        directory = new TempDirectory();
        source = directory.File("source.db");
    }

    [TearDown]
    public void TearDown() => directory.Dispose();

    [Test]
    public async Task ACopyThereAndBackGivesTheSameCsvExportAndKeepsEveryRow()
    {
        await PopulateAsync();
        var before = await ExportAsync(CliDatabase.Of(source));
        Assert.That(before, Does.Contain("\"pending\"").And.Contain("\"confirmed\"").And.Contain("\"listed\"")
            .And.Contain("\"rejected\"").And.Contain("\"withdrawn\"").And.Contain("Asociación Ñandú"));
        await using var there = await CliDatabase.CreateAsync(CliDatabase.OtherKind, directory);
        await using var back = await CliDatabase.CreateAsync(TestDatabase.Dialect, directory);

        var thither = await CliProcess.RunAsync(source, "copy", "--to", there.ConnectionString);
        var hither = await there.RunAsync(directory, "copy", "--to", back.ConnectionString);

        Assert.That(thither.ExitCode, Is.Zero, thither.Error);
        Assert.That(hither.ExitCode, Is.Zero, hither.Error);
        var lines = Lines(thither.Output);
        Assert.That(lines.Select(l => l.Split(' ')[0]), Does.Contain("signatures").And.Contain("coordinators").And.Contain("events")
            .And.Contain("tokens").And.Contain("outbox").And.Contain("coordinator_sessions").And.Not.Contain("schema_migrations"));
        Assert.That(lines, Has.All.Match(@"^[a-z_]+ (\d+) \1 ok$"));
        Assert.That(Lines(hither.Output), Is.EqualTo(lines), "the same rows came back");
        Assert.That(lines, Does.Contain("coordinators 2 2 ok").And.Contain("coordinator_petitions 1 1 ok"));
        Assert.That(await ExportAsync(there), Is.EqualTo(before), "the export of the copy");
        Assert.That(await ExportAsync(back), Is.EqualTo(before), "the export of the copy of the copy");
        Assert.That(await DumpAsync(back), Is.EqualTo(await DumpAsync(CliDatabase.Of(source))), "every value of every row, booleans, blobs and times too");
    }

    [Test]
    public async Task ACopyGoesOnWithNewIdsAfterTheCopiedOnes()
    {
        await PopulateAsync();
        await using var there = await CliDatabase.CreateAsync(CliDatabase.OtherKind, directory);
        var copy = await CliProcess.RunAsync(source, "copy", "--to", there.ConnectionString);
        Assert.That(copy.ExitCode, Is.Zero, copy.Error);
        var list = directory.File("more.txt");
        await File.WriteAllTextAsync(list, "Stichting Na De Kopie, Utrecht\n");

        var added = await there.RunAsync(directory, "coordinators", "add", "third@coalition.example.org");
        var imported = await there.RunAsync(directory, "import", "--petition", "iap-2017", list);

        Assert.That(added.ExitCode, Is.Zero, added.Error);
        Assert.That(added.Output, Does.StartWith("coordinator 3 "));
        Assert.That(imported.ExitCode, Is.Zero, imported.Error);
        Assert.That(JsonDocument.Parse(imported.Output).RootElement.GetProperty("imported").GetInt32(), Is.EqualTo(1));
    }

    [Test]
    public async Task ACopyIntoADatabaseThatHoldsRowsIsRefusedAndChangesNothing()
    {
        await using var there = await CliDatabase.CreateAsync(CliDatabase.OtherKind, directory);
        // The service's first start there: migrated, and the seed letter loaded.
        Assert.That((await there.RunAsync(directory, "export", "--petition", "iap-2017")).ExitCode, Is.Zero);
        Assert.That((await CliProcess.RunAsync(source, "coordinators", "add", "ana@coalition.example.org")).ExitCode, Is.Zero);

        var result = await CliProcess.RunAsync(source, "copy", "--to", there.ConnectionString);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output, Is.Empty);
        Assert.That(ErrorLines(result), Has.Count.EqualTo(1), result.Error);
        Assert.That(ErrorLines(result)[0], Does.Contain("not empty").And.Contain("petitions"));
        await using var connection = await there.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM coordinators"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM signatures"), Is.EqualTo(130));
    }

    [Test]
    public async Task ARowCountThatDiffersExitsOneAndCommitsNothing()
    {
        Assert.That((await CliProcess.RunAsync(source, "coordinators", "add", "ana@coalition.example.org")).ExitCode, Is.Zero);
        await using var there = await CliDatabase.CreateAsync(CliDatabase.OtherKind, directory);
        // A target that silently drops every event it is given: empty, migrated, with a trigger of its own.
        await using (var connection = await there.OpenAsync())
        {
            await Migrator.ApplyAsync(connection, Migrator.Embedded(there.Dialect));
            await connection.ExecuteAsync(there.Dialect == Dialect.Postgres
                ? """
                  CREATE FUNCTION lose_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END; $$;
                  CREATE TRIGGER lose_events BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION lose_row();
                  """
                : "CREATE TRIGGER lose_events BEFORE INSERT ON events BEGIN SELECT RAISE(IGNORE); END;");
        }

        var result = await CliProcess.RunAsync(source, "copy", "--to", there.ConnectionString);

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(Lines(result.Output), Has.One.Match(@"^events [1-9]\d* 0 DIFFERENT$"));
        Assert.That(Lines(result.Output), Has.One.EqualTo("coordinators 1 1 ok"));
        Assert.That(ErrorLines(result), Has.Count.EqualTo(1), result.Error);
        Assert.That(ErrorLines(result)[0], Does.Contain("row counts differ in events"));
        await using var after = await there.OpenAsync();
        Assert.That(await after.ExecuteScalarAsync<long>("SELECT count(*) FROM petitions"), Is.Zero, "nothing committed");
        Assert.That(await after.ExecuteScalarAsync<long>("SELECT count(*) FROM coordinators"), Is.Zero, "nothing committed");
    }

    [Test]
    public async Task ACopyIntoTheSameKindIsABadArgument()
    {
        await using var same = await CliDatabase.CreateAsync(TestDatabase.Dialect, directory);

        var result = await CliProcess.RunAsync(source, "copy", "--to", same.ConnectionString);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output, Is.Empty);
        Assert.That(ErrorLines(result), Has.Count.EqualTo(1), result.Error);
        Assert.That(ErrorLines(result)[0], Does.Contain(TestDatabase.IsPostgres ? "--to must be a SQLite connection string" : "--to must be a PostgreSQL connection string"));
    }

    [TestCase(new[] { "copy" }, "--to is required")]
    [TestCase(new[] { "copy", "--to" }, "--to needs a value")]
    [TestCase(new[] { "copy", "--to", "x", "extra" }, "unexpected argument 'extra'")]
    [TestCase(new[] { "copy", "--from", "x" }, "unknown option --from")]
    public async Task BadCopyArgumentsAreOneLineAndExitCodeTwo(string[] args, string message)
    {
        var result = await CliProcess.RunAsync(source, args);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(ErrorLines(result), Has.Count.EqualTo(1), result.Error);
        Assert.That(ErrorLines(result)[0], Does.Contain(message));
    }

    private static List<string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static List<string> ErrorLines(CliResult result) =>
        result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("info:", StringComparison.Ordinal) && !l.StartsWith("      ", StringComparison.Ordinal)).ToList();

    /// <summary>Every row of every table but the migrations journal, as text, in a fixed order.</summary>
    private static async Task<string> DumpAsync(CliDatabase database)
    {
        await using var connection = await database.OpenAsync();
        var tables = await connection.QueryAsync<string>(database.Dialect == Dialect.Postgres
            ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1"
            : "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY 1");
        var dump = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            dump.Append("== ").AppendLine(table);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table}";
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
                {
                    byte[] bytes => Convert.ToHexString(bytes),
                    var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
                })));
            }

            rows.Sort(StringComparer.Ordinal);
            rows.ForEach(row => dump.AppendLine(row));
        }

        return dump.ToString();
    }

    private async Task<string> ExportAsync(CliDatabase database)
    {
        var result = await database.RunAsync(directory, "export", "--petition", "iap-2017");
        Assert.That(result.ExitCode, Is.Zero, result.Error);
        return result.Output;
    }

    /// <summary>
    /// The seed letter, sign-ons in every state (through the API, a confirmation link and a
    /// coordinator's review), a withdrawal with its reason, and two coordinators, one of one letter.
    /// </summary>
    private async Task PopulateAsync()
    {
        using var app = new PetitionsApp(source);
        using var client = app.CreateClient();
        using var everyLetter = await Coordinator.ClientAsync(app, "all@coalition.example.org");
        using var oneLetter = await Coordinator.ClientAsync(app, "one@coalition.example.org", "iap-2017");
        foreach (var (name, email) in new[] { ("Asociación Ñandú", "ana@nandu.example.org"), ("Pending Organisation", "p@pending.example.org") })
        {
            using var signed = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson(name, email));
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var tokens = await Delivered.TokensAsync(app);
        Assert.That(tokens, Has.Count.EqualTo(2));
        using (var confirmed = await client.PostAsJsonAsync("/api/confirmations", new { token = tokens[0] }))
        {
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var waiting = await Coordinator.SignatureInStateAsync(app, "confirmed", "Awaiting Review", "w@review.example.org");
        var approved = await Coordinator.SignatureInStateAsync(app, "confirmed", "Approved Organisation", "a@review.example.org");
        var rejected = await Coordinator.SignatureInStateAsync(app, "confirmed", "Rejected Organisation", "r@review.example.org");
        var withdrawn = await Coordinator.SeedSignatureIdAsync(app, "Amnesty International");
        Assert.That(waiting, Is.Positive);
        await TransitionAsync(everyLetter, approved, "approve", null);
        await TransitionAsync(oneLetter, rejected, "reject", "Not an organisation");
        await TransitionAsync(everyLetter, withdrawn, "withdraw", "Asked by email, «merci»");

        static async Task TransitionAsync(HttpClient coordinator, long id, string action, string? reason)
        {
            using var response = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/{action}", new { reason });
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{action} {id}");
        }
    }
}
