using System.Data.Common;
using Microsoft.Data.Sqlite;
using Petitions.Data;

namespace Petitions.Bench;

/// <summary>The database a checking verb reads: --postgres CONNECTION_STRING, or --db FILE (SQLite, read-only).</summary>
public static class BenchDb
{
    public static bool IsPostgres(Options options) => options.Optional("postgres") is not null;

    public static async Task<DbConnection> OpenAsync(Options options)
    {
        if (options.Optional("postgres") is { } postgres)
        {
            return await new Db(postgres, Dialect.Postgres).OpenAsync();
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = options.Required("db"), Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync();
        using var wait = connection.CreateCommand();
        wait.CommandText = "PRAGMA busy_timeout = 5000";
        await wait.ExecuteNonQueryAsync();
        return connection;
    }
}
