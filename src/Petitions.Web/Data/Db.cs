using System.Data;
using Microsoft.Data.Sqlite;

namespace Petitions.Data;

/// <summary>
/// Opens SQLite connections with the pragmas every unit of work needs. Pooling makes a
/// new connection per unit of work cheap, so nothing holds one open between requests.
/// </summary>
public sealed class Db
{
    public Db(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode is not SqliteOpenMode.Memory && !string.IsNullOrEmpty(builder.DataSource)
            && !builder.DataSource.StartsWith("file:", StringComparison.Ordinal) && builder.DataSource != ":memory:")
        {
            PrepareFiles(Path.GetFullPath(builder.DataSource), builder.Mode);
        }

        ConnectionString = builder.ToString();
    }

    /// <summary>The database's file and the WAL and shared-memory files SQLite keeps beside it.</summary>
    public static IEnumerable<string> Files(string databasePath) => [databasePath, databasePath + "-wal", databasePath + "-shm", databasePath + "-journal"];

    /// <summary>
    /// The database file is created 0600 before SQLite opens it (SQLite would create it 0644 less the
    /// umask); SQLite gives the -wal, -shm and -journal files it creates the database file's mode.
    /// Files left wider by an older version are narrowed.
    /// </summary>
    private static void PrepareFiles(string path, SqliteOpenMode mode)
    {
        if (mode is not (SqliteOpenMode.ReadWriteCreate or SqliteOpenMode.ReadWrite))
        {
            return;
        }

        if (mode == SqliteOpenMode.ReadWriteCreate && !File.Exists(path))
        {
            Privacy.PrivateFiles.CreateFolder(Path.GetDirectoryName(path)!);
            try
            {
                using var created = Privacy.PrivateFiles.CreateFile(path);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Another process created it a moment ago, or the folder is read-only: SQLite's own open says what is wrong.
            }
        }

        foreach (var file in Files(path))
        {
            Privacy.PrivateFiles.Narrow(file, Privacy.PrivateFiles.FileMode);
        }
    }

    public string ConnectionString { get; }

    /// <summary>SQLite handles that have had the pragmas below.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = [];

    /// <summary>Whether the database's disk has room for writes: 16 MB, or 1 % of a small disk.</summary>
    public bool HasRoom()
    {
        var source = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
        if (string.IsNullOrEmpty(source) || source.StartsWith("file:", StringComparison.Ordinal) || source == ":memory:")
        {
            return true;
        }

        try
        {
            var drive = new DriveInfo(Path.GetDirectoryName(Path.GetFullPath(source))!);
            return drive.AvailableFreeSpace >= Math.Min(16L * 1024 * 1024, drive.TotalSize / 100);
        }
        catch (Exception exception) when (exception is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    // FULL: an acknowledged sign-on must survive power loss, not only a crash of the process.
    // secure_delete: what is deleted or overwritten (an erased person, a sent email's link) is
    // zeroed in the file, not left behind in free space.
    private const string Pragmas = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;";

    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default) => OpenAsync(ConnectionString, Pragmas, cancellationToken);

    /// <summary>
    /// The group-commit writer's own connection: not pooled, so what is set on it stays with it, and
    /// with its temporary files in memory. The writer runs each unit of work in a savepoint, and
    /// SQLite keeps the original of every page a savepoint changes in a statement journal, a
    /// temporary file: past 64 KB on disk, which was two thirds of the writer's write calls.
    /// </summary>
    public Task<SqliteConnection> OpenWriterAsync(CancellationToken cancellationToken = default) =>
        OpenAsync(new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString(), Pragmas + " PRAGMA temp_store = MEMORY;", cancellationToken);

    private static async Task<SqliteConnection> OpenAsync(string connectionString, string pragmaText, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // Pooled connections reuse SQLite's handle, and the pragmas stay set on it: once per handle is enough.
            if (connection.Handle is { } handle && Configured.TryGetValue(handle, out _))
            {
                return connection;
            }

            using var pragmas = connection.CreateCommand();
            pragmas.CommandText = pragmaText;
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
            if (connection.Handle is { } opened)
            {
                Configured.AddOrUpdate(opened, Configured);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A write transaction: BEGIN IMMEDIATE, so two writers never deadlock upgrading a read lock.</summary>
    public static SqliteTransaction BeginWrite(SqliteConnection connection) =>
        connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
}
