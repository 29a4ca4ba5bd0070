using Microsoft.Data.Sqlite;

namespace Petitions.Data;

/// <summary>An online backup through SQLite's backup API: a consistent copy while the service keeps writing.</summary>
public static class Backup
{
    public static async Task CopyToAsync(Db db, string path, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(path);
        if (File.Exists(target))
        {
            throw new IOException($"{target} exists already; a backup never overwrites a file.");
        }

        Privacy.PrivateFiles.CreateFolder(Path.GetDirectoryName(target)!);
        // Created 0600 before SQLite opens it (an empty file is a new database to SQLite), so the copy
        // of everyone's data is never readable by others, whatever the umask; CreateNew keeps the
        // promise never to overwrite.
        await using (var _ = Privacy.PrivateFiles.CreateFile(target))
        {
        }

        await using var source = await db.OpenAsync(cancellationToken);
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
}
