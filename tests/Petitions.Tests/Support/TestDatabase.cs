using System.Collections.Concurrent;
using NUnit.Framework.Interfaces;
using Petitions.Data;

namespace Petitions.Tests.Support;

/// <summary>
/// Which database the run's apps use: SQLite files by default; PostgreSQL when the environment says
/// PETITIONS_TEST_DATABASE=postgres (scripts/test runs the suite once on each). On PostgreSQL each
/// app gets a database of its own on the run's cluster, found again by the path a restarted app is
/// given, and dropped when the test (or fixture) that made it ends.
/// </summary>
public static class TestDatabase
{
    public static Dialect Dialect { get; } =
        string.Equals(Environment.GetEnvironmentVariable("PETITIONS_TEST_DATABASE"), "postgres", StringComparison.OrdinalIgnoreCase) ? Dialect.Postgres : Dialect.Sqlite;

    public static bool IsPostgres => Dialect == Dialect.Postgres;

    private static readonly ConcurrentDictionary<string, (PostgresDatabase Database, string Owner)> ByPath = new();

    /// <returns>The configuration that points an app at the database standing for <paramref name="path"/>.</returns>
    public static IEnumerable<KeyValuePair<string, string?>> Settings(string path)
    {
        if (!IsPostgres)
        {
            return [new("ConnectionStrings:Petitions", $"Data Source={path}")];
        }

        var database = ByPath.GetOrAdd(path, _ => (Postgres.CreateDatabaseAsync().GetAwaiter().GetResult(), TestContext.CurrentContext.Test.ID)).Database;
        return [new("Database:Provider", "postgres"), new("ConnectionStrings:Petitions", database.ConnectionString)];
    }

    /// <summary>A connection of the test's own to the database standing for <paramref name="path"/>, to look at what was stored.</summary>
    public static async Task<System.Data.Common.DbConnection> OpenAsync(string path)
    {
        if (!IsPostgres)
        {
            return await new Db($"Data Source={path}").OpenAsync();
        }

        var connectionString = Settings(path).Single(s => s.Key == "ConnectionStrings:Petitions").Value;
        var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Drops the databases the test or fixture <paramref name="owner"/> made.</summary>
    internal static void DropOwnedBy(string owner)
    {
        foreach (var (path, entry) in ByPath.ToArray())
        {
            if (entry.Owner == owner && ByPath.TryRemove(path, out _))
            {
                entry.Database.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }
}

/// <summary>Drops each test's PostgreSQL databases when it ends (see <see cref="TestDatabase"/>).</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class DropTestDatabasesAttribute : Attribute, ITestAction
{
    public ActionTargets Targets => ActionTargets.Test | ActionTargets.Suite;

    public void BeforeTest(ITest test)
    {
    }

    public void AfterTest(ITest test)
    {
        if (TestDatabase.IsPostgres)
        {
            TestDatabase.DropOwnedBy(test.Id);
        }
    }
}
