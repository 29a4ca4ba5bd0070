using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Petitions.Data;
using Petitions.Tests.Support;

namespace Petitions.Tests.Cli;

/// <summary>
/// A database the command line is pointed at by its settings: a SQLite file, or a PostgreSQL
/// database of the run's cluster (dropped on dispose).
/// </summary>
public sealed class CliDatabase : IAsyncDisposable
{
    private readonly PostgresDatabase? postgres;

    private CliDatabase(Dialect dialect, string connectionString, PostgresDatabase? postgres)
    {
        Dialect = dialect;
        ConnectionString = connectionString;
        this.postgres = postgres;
    }

    public Dialect Dialect { get; }

    public string ConnectionString { get; }

    public IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Database:Provider", Dialect == Dialect.Postgres ? "postgres" : "sqlite"),
        new("ConnectionStrings:Petitions", ConnectionString),
    ];

    /// <summary>A new SQLite file in <paramref name="directory"/>, or a new PostgreSQL database.</summary>
    public static async Task<CliDatabase> CreateAsync(Dialect dialect, TempDirectory directory)
    {
        if (dialect == Dialect.Sqlite)
        {
            return new CliDatabase(dialect, $"Data Source={directory.File(Guid.NewGuid().ToString("N") + ".db")}", null);
        }

        var database = await Postgres.CreateDatabaseAsync();
        return new CliDatabase(dialect, database.ConnectionString, database);
    }

    /// <summary>The database a test's path stands for on this run (<see cref="TestDatabase"/>).</summary>
    public static CliDatabase Of(string databasePath)
    {
        var settings = TestDatabase.Settings(databasePath).ToDictionary(s => s.Key, s => s.Value);
        return new CliDatabase(TestDatabase.Dialect, settings["ConnectionStrings:Petitions"]!, null);
    }

    /// <summary>The other kind than this run's apps use: the copy goes there and back.</summary>
    public static Dialect OtherKind => TestDatabase.IsPostgres ? Dialect.Sqlite : Dialect.Postgres;

    public async Task<DbConnection> OpenAsync()
    {
        DbConnection connection = Dialect == Dialect.Postgres
            ? new NpgsqlConnection(ConnectionString)
            : new SqliteConnection(new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    public Task<CliResult> RunAsync(TempDirectory directory, params string[] args) => CliProcess.RunWithAsync(Settings, directory.Path, args);

    public async ValueTask DisposeAsync()
    {
        if (postgres is not null)
        {
            await postgres.DisposeAsync();
        }
    }
}
