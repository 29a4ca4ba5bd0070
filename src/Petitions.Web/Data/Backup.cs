using Microsoft.Data.Sqlite;

namespace Petitions.Data;

/// <summary>
/// An online backup: through SQLite's backup API a consistent copy while the service keeps writing;
/// on PostgreSQL through pg_dump, the server's own tool, when it is installed.
/// </summary>
public static class Backup
{
    /// <param name="pgDump">The pg_dump to run on PostgreSQL (Backup:PgDump); null: the newest installed.</param>
    public static async Task CopyToAsync(Db db, string path, string? pgDump = null, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(path);
        if (File.Exists(target))
        {
            throw new IOException($"{target} exists already; a backup never overwrites a file.");
        }

        if (db.IsPostgres)
        {
            await PgDumpAsync(db, target, pgDump, cancellationToken);
            return;
        }

        Privacy.PrivateFiles.CreateFolder(Path.GetDirectoryName(target)!);
        // Created 0600 before SQLite opens it (an empty file is a new database to SQLite), so the copy
        // of everyone's data is never readable by others, whatever the umask; CreateNew keeps the
        // promise never to overwrite.
        await using (var _ = Privacy.PrivateFiles.CreateFile(target))
        {
        }

        await using var source = (SqliteConnection)await db.OpenAsync(cancellationToken);
        await using var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Pooling = false }.ToString());
        await destination.OpenAsync(cancellationToken);
        source.BackupDatabase(destination);
        await using var mode = destination.CreateCommand();
        // A standalone file: no -wal beside it is needed to read it.
        mode.CommandText = "PRAGMA journal_mode = DELETE";
        await mode.ExecuteNonQueryAsync(cancellationToken);
        await using var check = destination.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        var result = (string?)await check.ExecuteScalarAsync(cancellationToken);
        if (result != "ok")
        {
            throw new InvalidOperationException($"The backup failed its integrity check: {result}");
        }
    }

    /// <summary>pg_dump's custom format (restore with pg_restore), one consistent snapshot; its password from the connection string.</summary>
    private static async Task PgDumpAsync(Db db, string target, string? configured, CancellationToken cancellationToken)
    {
        var pgDump = configured is { Length: > 0 }
            ? File.Exists(configured) ? configured : throw new IOException($"On PostgreSQL a backup is pg_dump's job, and there is no pg_dump at {configured} (Backup:PgDump).")
            : FindPgDump() ?? throw new IOException(
                "On PostgreSQL a backup is pg_dump's job, and pg_dump is not installed here: install the postgresql-client package, " +
                "or run pg_dump -Fc against the database yourself.");
        var cs = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString);
        Privacy.PrivateFiles.CreateFolder(Path.GetDirectoryName(target)!);
        await using (var _ = Privacy.PrivateFiles.CreateFile(target))
        {
        }

        var start = new System.Diagnostics.ProcessStartInfo(pgDump)
        {
            RedirectStandardError = true,
            ArgumentList = { "--format=custom", "--no-password", "--file", target, "--host", cs.Host ?? "localhost", "--port", cs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dbname", cs.Database ?? "postgres" },
        };
        if (cs.Username is { Length: > 0 } user)
        {
            start.ArgumentList.Add("--username");
            start.ArgumentList.Add(user);
        }

        if (cs.Password is { Length: > 0 } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            File.Delete(target);
            throw new IOException($"pg_dump failed ({process.ExitCode}): {errors.Trim()}");
        }
    }

    private static string? FindPgDump()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "pg_dump"))
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) ? version : -1).Select(d => Path.Combine(d, "bin", "pg_dump"))
                : []);
        return candidates.FirstOrDefault(File.Exists);
    }
}
