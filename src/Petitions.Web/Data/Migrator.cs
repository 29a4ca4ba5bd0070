using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Petitions.Data;

public sealed record Migration(string Name, string Sql)
{
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>
/// Applies numbered .sql migrations in name order, one transaction each, and journals each by
/// its hash. Forward only: a migration that changed after it was applied stops the start-up.
/// </summary>
public static class Migrator
{
    public static IReadOnlyList<Migration> Embedded()
    {
        var assembly = typeof(Migrator).Assembly;
        const string prefix = "Petitions.Data.Migrations.";
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
        // WAL is a property of the database file, so setting it once here is enough.
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
        await connection.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name TEXT PRIMARY KEY,
                sha256 TEXT NOT NULL,
                applied_at TEXT NOT NULL
            ) STRICT;
            """);

        var applied = new List<string>();
        foreach (var migration in migrations.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            await using var transaction = Db.BeginWrite(connection);
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

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Missing embedded migration {resource}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
