using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Petitions.Data;

/// <summary>
/// Opens connections to the configured database: a SQLite file (the default) with the pragmas every
/// unit of work needs, or a PostgreSQL server through one pooled data source. Pooling makes a new
/// connection per unit of work cheap, so nothing holds one open between requests.
/// </summary>
public sealed class Db
{
    // One per process, for the process's life (the service's Db is a singleton): not disposed.
    private readonly NpgsqlDataSource? postgres;

    // The pool's settings (its commit rule, its prepared statements), for the connections outside it.
    private readonly string? postgresSettings;

    public Db(string connectionString, Dialect dialect = Dialect.Sqlite)
    {
        Dialect = dialect;
        if (dialect == Dialect.Postgres)
        {
            // synchronous_commit=on whatever the server's default: an acknowledged sign-on is on disk.
            var npgsql = new NpgsqlConnectionStringBuilder(connectionString);
            npgsql.Options = string.Join(' ', new[] { npgsql.Options, "-c synchronous_commit=on" }.Where(o => !string.IsNullOrWhiteSpace(o)));
            // Statements the server parses and plans once per connection, not on every run: a sign-on is a
            // dozen small statements, and planning them was most of the server's work. A setting given wins.
            if (!new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.ContainsKey("Max Auto Prepare"))
            {
                npgsql.MaxAutoPrepare = 100;
                npgsql.AutoPrepareMinUsages = 2;
            }

            postgres = NpgsqlDataSource.Create(npgsql);
            postgresSettings = npgsql.ConnectionString;
            ConnectionString = connectionString;
            return;
        }

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

    public Dialect Dialect { get; }

    public bool IsPostgres => Dialect == Dialect.Postgres;

    /// <summary>Picks the dialect's text: most SQL is the same on both, these few words are not.</summary>
    public string Sql(string sqlite, string postgresText) => IsPostgres ? postgresText : sqlite;

    /// <summary>SQLite handles that have had the pragmas below.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = [];

    /// <summary>Whether the database's disk has room for writes: 16 MB, or 1 % of a small disk.</summary>
    public bool HasRoom()
    {
        if (IsPostgres)
        {
            // The server watches its own disk; a full one fails the write, which answers 503.
            return true;
        }

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

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        postgres is not null ? await postgres.OpenConnectionAsync(cancellationToken) : await OpenSqliteAsync(ConnectionString, Pragmas, cancellationToken);

    /// <summary>
    /// The group-commit writer's own connection: not pooled, so what is set on it stays with it, and
    /// with its temporary files in memory. The writer runs each unit of work in a savepoint, and
    /// SQLite keeps the original of every page a savepoint changes in a statement journal, a
    /// temporary file: past 64 KB on disk, which was two thirds of the writer's write calls.
    /// </summary>
    public async Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken = default) =>
        postgres is not null
            ? await postgres.OpenConnectionAsync(cancellationToken)
            : await OpenSqliteAsync(new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString(), Pragmas + " PRAGMA temp_store = MEMORY;", cancellationToken);

    /// <summary>A connection of its own, outside the pool: the cache's LISTEN connection, a mail lane's recorder.</summary>
    public async Task<NpgsqlConnection> OpenDedicatedPostgresAsync(CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgresSettings ?? throw new InvalidOperationException("Not a PostgreSQL database."))
        {
            Pooling = false, KeepAlive = 10,
        }.ToString());
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<SqliteConnection> OpenSqliteAsync(string connectionString, string pragmaText, CancellationToken cancellationToken)
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

    /// <summary>
    /// A write transaction. On SQLite BEGIN IMMEDIATE, so two writers never deadlock upgrading a read
    /// lock; on PostgreSQL READ COMMITTED, with row locks and unique constraints settling races.
    /// </summary>
    public static DbTransaction BeginWrite(DbConnection connection) => connection switch
    {
        SqliteConnection sqlite => sqlite.BeginTransaction(IsolationLevel.Serializable, deferred: false),
        _ => connection.BeginTransaction(IsolationLevel.ReadCommitted),
    };
}
