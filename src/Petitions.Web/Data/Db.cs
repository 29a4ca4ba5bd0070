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
            && !builder.DataSource.StartsWith("file:", StringComparison.Ordinal))
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        ConnectionString = builder.ToString();
    }

    public string ConnectionString { get; }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            using var pragmas = connection.CreateCommand();
            // FULL: an acknowledged sign-on must survive power loss, not only a crash of the process.
            pragmas.CommandText = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
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
