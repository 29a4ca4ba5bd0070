using System.Text.Json;
using Dapper;
using Petitions.Data;
using Petitions.Privacy;
using Petitions.Tests.Support;

namespace Petitions.Tests.Cli;

/// <summary>
/// The command line with Database__Provider=postgres, on a PostgreSQL database of its own, whatever
/// kind this run's apps use (a PostgreSQL run repeats the other CLI tests there too).
/// </summary>
public class CommandLineOnPostgresTests
{
    private TempDirectory directory = null!;
    private CliDatabase database = null!;

    [SetUp]
    public async Task SetUp()
    {
        directory = new TempDirectory();
        database = await CliDatabase.CreateAsync(Dialect.Postgres, directory);
    }

    [TearDown]
    public async Task TearDown()
    {
        await database.DisposeAsync();
        directory.Dispose();
    }

    [Test]
    public async Task ImportAndExportWorkOnPostgres()
    {
        var list = directory.File("more.txt");
        await File.WriteAllTextAsync(list, "Stichting Nieuwe Organisatie, Utrecht\n[Fair Trials](#), London\n");

        var imported = await database.RunAsync(directory, "import", "--petition", "iap-2017", list);
        var text = await database.RunAsync(directory, "export", "--petition", "iap-2017", "--format", "text", "--country", "NL");
        var csv = await database.RunAsync(directory, "export", "--petition", "iap-2017", "--country", "NL");

        Assert.That(imported.ExitCode, Is.Zero, imported.Error);
        var answer = JsonDocument.Parse(imported.Output).RootElement;
        Assert.That((answer.GetProperty("imported").GetInt32(), answer.GetProperty("merged").GetInt32()), Is.EqualTo((1, 1)));
        Assert.That(text.ExitCode, Is.Zero, text.Error);
        Assert.That(text.Output.TrimEnd('\n').Split('\n'), Does.Contain("Stichting Nieuwe Organisatie, Utrecht"));
        Assert.That(csv.ExitCode, Is.Zero, csv.Error);
        Assert.That(csv.Output, Does.StartWith("\uFEFF\"organisation\"").And.Contain("\"Stichting Nieuwe Organisatie\",\"Utrecht\",\"NL\",\"Netherlands\""));
    }

    [Test]
    public async Task CoordinatorsAreAddedRevokedAndRemovedOnPostgres()
    {
        var added = await database.RunAsync(directory, "coordinators", "add", "Ana@Coalition.example.org", "--name", "Ana", "--petition", "iap-2017");
        Assert.That(added.ExitCode, Is.Zero, added.Error);
        var token = added.Output.TrimEnd('\n').Split('\n')[^1];
        await using var connection = await database.OpenAsync();
        var hash = await connection.ExecuteScalarAsync<byte[]>("SELECT hash FROM api_tokens");
        Assert.That(hash, Is.EqualTo(System.Security.Cryptography.SHA256.HashData(System.Buffers.Text.Base64Url.DecodeFromChars(token))));
        Assert.That(await connection.ExecuteScalarAsync<bool>("SELECT all_petitions FROM coordinators"), Is.False);

        var byPrefix = await database.RunAsync(directory, "coordinators", "revoke", token[..8]);
        var second = await database.RunAsync(directory, "coordinators", "add", "ana@coalition.example.org");
        var byEmail = await database.RunAsync(directory, "coordinators", "revoke", "ANA@coalition.example.org");
        var removed = await database.RunAsync(directory, "coordinators", "remove", "ana@coalition.example.org");

        Assert.That(byPrefix.ExitCode, Is.Zero, byPrefix.Error);
        Assert.That(second.ExitCode, Is.Zero, second.Error);
        Assert.That(byEmail.ExitCode, Is.Zero, byEmail.Error);
        Assert.That(byEmail.Output, Does.Contain("revoked 1 API token(s)"), "the one still live, whatever the case of the address");
        Assert.That(removed.ExitCode, Is.Zero, removed.Error);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM coordinators WHERE removed_at IS NOT NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task EraseWorksOnPostgres()
    {
        Assert.That((await database.RunAsync(directory, "export", "--petition", "iap-2017")).ExitCode, Is.Zero, "migrated and seeded");
        const string Email = "kari@erase.example.org";
        await using var connection = await database.OpenAsync();
        var at = Time.Format(DateTimeOffset.UtcNow);
        await connection.ExecuteAsync("""
            INSERT INTO organisations (name, name_key, loose_key, city, country, created_at) VALUES ('Erasure Organisation', 'erasure organisation', 'erasure organisation', 'Oslo', 'NO', @at);
            INSERT INTO signatures (petition_id, organisation_id, status, source, contact_name, contact_email, signed_at, confirmed_at, listed_at)
            VALUES ((SELECT id FROM petitions WHERE slug = 'iap-2017'), (SELECT id FROM organisations WHERE name = 'Erasure Organisation'),
                    'listed', 'api', 'Kari Nordmann', @email, @at, @at, @at);
            """, new { at, email = Email });

        var result = await database.RunAsync(directory, "erase", "--email", "KARI@erase.example.org");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain("\"signatures\": 1").And.Contain("\"unlisted\": 1"));
        var row = await connection.QuerySingleAsync<(string Status, string? Email, string? Name, string? Reason)>(
            "SELECT status, contact_email, contact_name, withdrawal_reason FROM signatures WHERE contact_name IS NULL AND status = 'withdrawn'");
        Assert.That(row, Is.EqualTo(("withdrawn", (string?)null, (string?)null, (string?)Erasure.WithdrawalReason)));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM signatures WHERE contact_email = @email", new { email = Email }), Is.Zero);
    }
}
