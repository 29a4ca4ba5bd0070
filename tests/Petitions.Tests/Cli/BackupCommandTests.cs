using System.Diagnostics;
using Npgsql;
using Petitions.Data;
using Petitions.Tests.Support;

namespace Petitions.Tests.Cli;

/// <summary>`backup` on PostgreSQL is pg_dump's work: run when installed, named when it is not.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class BackupCommandTests
{
    private TempDirectory directory = null!;

    [SetUp]
    public void SetUp() => directory = new TempDirectory();

    [TearDown]
    public void TearDown() => directory.Dispose();

    [Test]
    public async Task ABackupOnPostgresIsAPrivatePgDumpThatRestores()
    {
        await using var database = await CliDatabase.CreateAsync(Dialect.Postgres, directory);
        var backup = directory.File("backups/petitions.dump");

        var result = await database.RunAsync(directory, "backup", backup);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output.Trim(), Is.EqualTo(backup));
        Assert.That(File.GetUnixFileMode(backup), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        var list = await RunAsync("pg_restore", "--list", backup);
        Assert.That(list, Does.Contain("TABLE DATA public signatures").And.Contain("TABLE DATA public schema_migrations"));

        await using var restored = await CliDatabase.CreateAsync(Dialect.Postgres, directory);
        var target = new NpgsqlConnectionStringBuilder(restored.ConnectionString);
        await RunAsync("pg_restore", "--no-owner", "--exit-on-error", "--host", target.Host!, "--port", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--username", target.Username!, "--dbname", target.Database!, backup);
        var export = await restored.RunAsync(directory, "export", "--petition", "iap-2017", "--status", "listed");
        Assert.That(export.ExitCode, Is.Zero, export.Error);
        Assert.That(export.Output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1 + 130), "the seed letter's signatories, from the restored dump");

        var again = await database.RunAsync(directory, "backup", backup);
        Assert.That(again.ExitCode, Is.EqualTo(2), "a backup never overwrites");
    }

    [Test]
    public async Task ABackupOnPostgresWithoutPgDumpSaysPgDumpIsTheTool()
    {
        await using var database = await CliDatabase.CreateAsync(Dialect.Postgres, directory);
        var backup = directory.File("petitions.dump");
        var settings = database.Settings.Append(new("Backup:PgDump", directory.File("no-such/pg_dump")));

        var result = await CliProcess.RunWithAsync(settings, directory.Path, "backup", backup);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output, Is.Empty);
        var errors = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(errors, Has.Length.EqualTo(1), result.Error);
        Assert.That(errors[0], Does.Contain("pg_dump"));
        Assert.That(File.Exists(backup), Is.False, "no file pretends to be a backup");
    }

    /// <returns>The tool's standard output; it must exit 0.</returns>
    private static async Task<string> RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(Postgres.BinDirectory!, tool)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"{tool}: {await error}");
        return await output;
    }
}
