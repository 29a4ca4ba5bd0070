using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Petitions.Privacy;
using Petitions.Tests.Support;

namespace Petitions.Tests.Privacy;

public class PrivacyTests
{
    [Test]
    public async Task UnconfirmedSignOnsArePurgedSevenDaysAfterTheirLinkExpired()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new PetitionsApp(services: s => s.AddSingleton<TimeProvider>(clock));
        using var client = app.CreateClient();
        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Never Confirmed", "never@unconfirmed.example.org")))
        {
        }

        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Confirmed In Time", "yes@confirmed.example.org")))
        {
        }

        await Delivered.MessagesAsync(app);
        var confirmToken = await Delivered.TokenForAsync(app, "yes@confirmed.example.org");
        using (var _ = await client.PostAsJsonAsync("/api/confirmations", new { token = confirmToken }))
        {
        }

        var purge = app.Services.GetRequiredService<Purge>();
        clock.Advance(TimeSpan.FromDays(8) - TimeSpan.FromMinutes(1));
        Assert.That(await purge.RunOnceAsync(), Is.Zero, "24 hours + 7 days have not passed");
        clock.Advance(TimeSpan.FromMinutes(2));
        // The app's own hourly purge runs on the same fake clock, which has just passed its start delay.
        // It may purge the sign-on first (on SQLite this call then waits for its write and finds
        // nothing), or, on PostgreSQL, hold the advisory lock for a run that began before the clock's
        // last step: this call then returns at once and is repeated once that run is over. Between them
        // the sign-on is purged once, as the one event below shows.
        await using var connection = await app.Db.OpenAsync();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            Assert.That(await purge.RunOnceAsync(), Is.InRange(0, 1));
        }
        while (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE kind = 'purged-unconfirmed'") == 0
               && waited.Elapsed < TimeSpan.FromSeconds(30));

        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM organisations WHERE name = 'Never Confirmed'"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE to_address = 'never@unconfirmed.example.org'"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM organisations WHERE name = 'Confirmed In Time'"), Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE kind = 'purged-unconfirmed'"), Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT reason FROM events WHERE kind = 'purged-unconfirmed'"), Does.StartWith("1 unconfirmed"));
    }

    [Test]
    public async Task ErasureRemovesThePersonEverywhereAndTheAddressIsGoneFromTheFiles()
    {
        using var directory = new TempDirectory();
        var database = directory.File("petitions.db");
        const string email = "erase.me.please@erasure.example.org";
        using (var app = new PetitionsApp(database))
        {
            using var client = app.CreateClient();
            using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Erasure Organisation", email)))
            {
            }

            using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Kept Organisation", "other@kept.example.org")))
            {
            }

            using (var _ = await client.PostAsJsonAsync("/api/confirmations", new { token = await Delivered.TokenForAsync(app, email) }))
            {
            }

            await Delivered.MessagesAsync(app);
        }

        SqliteConnection.ClearAllPools();
        var result = await CliProcess.RunAsync(database, "erase", "--email", email);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain("\"signatures\": 1").And.Contain("\"unlisted\": 1"));
        var bytes = Encoding.UTF8.GetBytes(email);
        foreach (var file in Directory.GetFiles(directory.Path, "petitions.db*"))
        {
            Assert.That(IndexOf(await File.ReadAllBytesAsync(file), bytes), Is.EqualTo(-1), $"{Path.GetFileName(file)} still holds the address");
        }

        await using var connection = await TestDatabase.OpenAsync(database);
        var row = await connection.QuerySingleAsync<(string Status, string? Email, string? Name, string? Reason)>("""
            SELECT s.status, s.contact_email, s.contact_name, s.withdrawal_reason FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE o.name = 'Erasure Organisation'
            """);
        Assert.That(row, Is.EqualTo(("withdrawn", (string?)null, (string?)null, (string?)Erasure.WithdrawalReason)));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE kind = 'erased'"), Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<string>(
            "SELECT s.contact_email FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'Kept Organisation'"),
            Is.EqualTo("other@kept.example.org"));
    }

    [Test]
    public async Task ErasingTheContactPromotesAFurtherContactWhoConfirmed()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Two Contacts Organisation", "first@two.example.org")))
        {
        }

        using (var _ = await client.PostAsJsonAsync("/api/confirmations", new { token = (await Delivered.TokensAsync(app))[0] }))
        {
        }

        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Two Contacts Organisation", "second@two.example.org")))
        {
        }

        using (var confirmed = await client.PostAsJsonAsync("/api/confirmations", new { token = (await Delivered.TokensAsync(app))[1] }))
        {
            Assert.That(confirmed.IsSuccessStatusCode, await confirmed.Content.ReadAsStringAsync());
        }

        var result = await app.Services.GetRequiredService<Erasure>().EraseAsync("first@two.example.org");

        Assert.That(result.Unlisted, Is.Zero);
        Assert.That(await client.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Contain("Two Contacts Organisation"));
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>(
            "SELECT s.contact_email FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'Two Contacts Organisation'"),
            Is.EqualTo("second@two.example.org"));
    }

    [Test]
    public async Task ErasingTheContactNeverHandsTheOrganisationToAnUnconfirmedStranger()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Mallory's Target", "owner@target.example.org")))
        {
        }

        using (var _ = await client.PostAsJsonAsync("/api/confirmations", new { token = (await Delivered.TokensAsync(app))[0] }))
        {
        }

        // Mallory names the same organisation and never confirms: a further contact in waiting.
        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Mallory's Target", "mallory@attacker.example.net")))
        {
        }

        await Delivered.MessagesAsync(app);

        var result = await app.Services.GetRequiredService<Erasure>().EraseAsync("owner@target.example.org");

        Assert.That(result.Unlisted, Is.EqualTo(1));
        Assert.That(await client.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Not.Contain("Mallory"));
        await using var connection = await app.Db.OpenAsync();
        var row = await connection.QuerySingleAsync<(string Status, string? Email, string? Reason)>("""
            SELECT s.status, s.contact_email, s.withdrawal_reason FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE o.name = 'Mallory''s Target'
            """);
        Assert.That(row, Is.EqualTo(("withdrawn", (string?)null, (string?)Erasure.WithdrawalReason)));
    }

    [Test]
    public async Task ErasingAFurtherContactLeavesTheAddressInNoFileOfTheDatabaseOrThePickupFolder()
    {
        using var directory = new TempDirectory();
        var database = directory.File("petitions.db");
        // Where the command line, started in the database's folder, finds it by default.
        var mail = Path.Combine(directory.Path, "data", "mail");
        const string further = "further.contact@further-erased.example.org";
        var settings = new Dictionary<string, string?> { ["Mail:PickupDirectory"] = mail };
        using (var app = new PetitionsApp(database, settings))
        {
            using var client = app.CreateClient();
            using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Further Contact Organisation", "first@further-erased.example.org")))
            {
            }

            using (var _ = await client.PostAsJsonAsync("/api/confirmations", new { token = (await Delivered.TokensAsync(app))[0] }))
            {
            }

            using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Further Contact Organisation", further)))
            {
            }

            using (var _ = await client.PostAsJsonAsync("/api/confirmations", new { token = (await Delivered.TokensAsync(app))[1] }))
            {
            }

            await Delivered.MessagesAsync(app);
        }

        SqliteConnection.ClearAllPools();
        var result = await CliProcess.RunAsync(database, "erase", "--email", further);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain("\"contacts\": 1").And.Contain("\"files\": 1"));
        var bytes = Encoding.UTF8.GetBytes(further);
        var files = Directory.GetFiles(directory.Path, "petitions.db*").Concat(Directory.GetFiles(mail)).ToList();
        // The SQLite file and its WAL, and the mail; PostgreSQL keeps its files to itself (its rows are checked below).
        Assert.That(files, Has.Count.GreaterThan(TestDatabase.IsPostgres ? 0 : 2));
        foreach (var file in files)
        {
            Assert.That(IndexOf(await File.ReadAllBytesAsync(file), bytes), Is.EqualTo(-1), $"{Path.GetFileName(file)} still holds the address");
        }

        await using var connection = await TestDatabase.OpenAsync(database);
        Assert.That(await connection.ExecuteScalarAsync<string>(
            "SELECT s.status FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'Further Contact Organisation'"),
            Is.EqualTo("listed"), "the organisation's own contact remains");
    }

    [Test]
    [Category("SqliteOnly")]
    public async Task ABackupTakenUnderLoadIsConsistentAndComplete()
    {
        if (TestDatabase.IsPostgres)
        {
            Assert.Ignore("The SQLite file's online backup; on PostgreSQL, backup runs pg_dump.");
        }

        using var directory = new TempDirectory();
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                using var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson($"Backup Load {i}", $"b{i}@backup.example.org"));
            }
        });
        await Task.Delay(500);

        var backup = directory.File("backup.db");
        var result = await CliProcess.RunAsync(app.DatabasePath, "backup", backup);
        await stop.CancelAsync();
        await load;

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        await using var copy = new SqliteConnection($"Data Source={backup};Mode=ReadOnly");
        Assert.That(await copy.ExecuteScalarAsync<string>("PRAGMA integrity_check"), Is.EqualTo("ok"));
        var signatures = await copy.ExecuteScalarAsync<long>("SELECT count(*) FROM signatures");
        var outbox = await copy.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE kind = 'confirm-sign-on'");
        Assert.That(signatures, Is.GreaterThan(130));
        Assert.That(outbox, Is.EqualTo(signatures - 130), "each sign-on with its email: a consistent moment");
        var again = await CliProcess.RunAsync(app.DatabasePath, "backup", backup);
        Assert.That(again.ExitCode, Is.EqualTo(2), "a backup never overwrites");
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        return -1;
    }
}
