using System.Data.Common;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Petitions.Data;

public sealed record Migration(string Name, string Sql)
{
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>
/// Applies numbered .sql migrations in name order, one transaction each, and journals each by
/// its hash. Forward only: a migration that changed after it was applied stops the start-up.
/// Each dialect has its own folder of migrations, numbered in step: Data/Migrations for SQLite,
/// Data/Migrations/postgres for PostgreSQL.
/// </summary>
public static class Migrator
{
    // SQLite's resources keep the names existing databases journaled ("0001_initial.sql" after the prefix).
    private const string SqlitePrefix = "Petitions.Data.Migrations.";
    private const string PostgresPrefix = "Petitions.Data.PostgresMigrations.";

    /// <summary>One key for every node on a database: whoever holds it is the one migrating.</summary>
    private const long PostgresLockKey = 0x5065746974696F6E; // "Petition" in ASCII

    public static IReadOnlyList<Migration> Embedded() => Embedded(Dialect.Sqlite);

    public static IReadOnlyList<Migration> Embedded(Dialect dialect)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = dialect == Dialect.Sqlite ? SqlitePrefix : PostgresPrefix;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => new Migration(n[prefix.Length..], Read(assembly, n)))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <returns>The names of the migrations applied by this call.</returns>
    public static async Task<IReadOnlyList<string>> ApplyAsync(Db db, IEnumerable<Migration> migrations, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await ApplyAsync(connection, migrations, cancellationToken);
    }

    /// <summary>
    /// Applies the migrations over an open connection of either dialect. On PostgreSQL every
    /// transaction first takes one advisory lock, so nodes starting at once apply each migration once:
    /// the second waits, then finds it journaled.
    /// </summary>
    /// <returns>The names of the migrations applied by this call.</returns>
    public static async Task<IReadOnlyList<string>> ApplyAsync(DbConnection connection, IEnumerable<Migration> migrations, CancellationToken cancellationToken = default)
    {
        var dialect = DialectOf(connection);
        if (dialect == Dialect.Sqlite)
        {
            // WAL is a property of the database file, so setting it once here is enough.
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
            await connection.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name TEXT PRIMARY KEY,
                    sha256 TEXT NOT NULL,
                    applied_at TEXT NOT NULL
                ) STRICT;
                """);
        }
        else
        {
            // Under the lock: two nodes creating the table at once would collide in the catalog.
            await using var transaction = await BeginAsync(connection, dialect, cancellationToken);
            await connection.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name text PRIMARY KEY,
                    sha256 text NOT NULL,
                    applied_at text NOT NULL
                );
                """, transaction: transaction);
            await transaction.CommitAsync(cancellationToken);
        }

        var applied = new List<string>();
        foreach (var migration in migrations.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            await using var transaction = await BeginAsync(connection, dialect, cancellationToken);
            var journaled = await connection.QuerySingleOrDefaultAsync<string>(
                "SELECT sha256 FROM schema_migrations WHERE name = @Name", new { migration.Name }, transaction);
            if (journaled is not null)
            {
                if (journaled != migration.Hash)
                {
                    throw new InvalidOperationException(
                        $"Migration {migration.Name} was changed after it was applied (journaled {journaled}, file {migration.Hash}). Migrations are forward only: add a new one.");
                }

                continue;
            }

            await connection.ExecuteAsync(migration.Sql, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (name, sha256, applied_at) VALUES (@Name, @Hash, @At)",
                new { migration.Name, migration.Hash, At = DateTimeOffset.UtcNow.ToString("O") }, transaction);
            await transaction.CommitAsync(cancellationToken);
            applied.Add(migration.Name);
        }

        return applied;
    }

    public static Dialect DialectOf(DbConnection connection) => connection switch
    {
        SqliteConnection => Dialect.Sqlite,
        NpgsqlConnection => Dialect.Postgres,
        _ => throw new ArgumentException($"No migrations for a {connection.GetType().Name}.", nameof(connection)),
    };

    private static async Task<DbTransaction> BeginAsync(DbConnection connection, Dialect dialect, CancellationToken cancellationToken)
    {
        if (dialect == Dialect.Sqlite)
        {
            return Db.BeginWrite((SqliteConnection)connection);
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            // Held to the end of the transaction: the journal row it writes is committed before the next node looks.
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = PostgresLockKey }, transaction);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Missing embedded migration {resource}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
