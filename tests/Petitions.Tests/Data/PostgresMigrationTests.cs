using System.Data.Common;
using Dapper;
using Npgsql;
using Petitions.Data;
using Petitions.Tests.Support;

namespace Petitions.Tests.Data;

/// <summary>
/// The PostgreSQL migrations on a real server, and the guard that keeps them in step with SQLite's:
/// the same numbered files, tables, columns, indexes and rules.
/// </summary>
public class PostgresMigrationTests
{
    [Test]
    public void BothDialectsHaveTheSameNumberedMigrations()
    {
        var sqlite = Migrator.Embedded(Dialect.Sqlite).Select(m => m.Name).ToList();
        var postgres = Migrator.Embedded(Dialect.Postgres).Select(m => m.Name).ToList();

        Assert.That(sqlite, Does.Contain("0001_initial.sql"), "SQLite's migrations keep the names existing databases journaled");
        Assert.That(postgres, Is.EqualTo(sqlite), "every migration in Data/Migrations needs its twin in Data/Migrations/postgres");
    }

    [Test]
    [Category("Postgres")]
    public async Task AnEmptyPostgresDatabaseGetsEveryMigrationInOrder()
    {
        await using var database = await Postgres.CreateDatabaseAsync();
        await using var connection = await database.OpenAsync();

        var applied = await Migrator.ApplyAsync(connection, Migrator.Embedded(Dialect.Postgres));

        Assert.That(applied, Is.EqualTo(Migrator.Embedded(Dialect.Postgres).Select(m => m.Name).ToList()));
        var tables = (await connection.QueryAsync<string>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")).ToList();
        Assert.That(tables, Is.SupersetOf(new[] { "petitions", "demand_groups", "demands", "footnotes", "organisations", "signatures", "events", "schema_migrations" }));
    }

    [Test]
    [Category("Postgres")]
    public async Task ARunOnAMigratedPostgresDatabaseAppliesNothing()
    {
        await using var database = await Postgres.CreateDatabaseAsync();
        await using var connection = await database.OpenAsync();
        await Migrator.ApplyAsync(connection, Migrator.Embedded(Dialect.Postgres));

        var second = await Migrator.ApplyAsync(connection, Migrator.Embedded(Dialect.Postgres));

        Assert.That(second, Is.Empty);
    }

    [Test]
    [Category("Postgres")]
    public async Task APostgresMigrationChangedAfterItWasAppliedStopsTheStart()
    {
        await using var database = await Postgres.CreateDatabaseAsync();
        await using var connection = await database.OpenAsync();
        await Migrator.ApplyAsync(connection, Migrator.Embedded(Dialect.Postgres));
        var changed = Migrator.Embedded(Dialect.Postgres).Select((m, i) => i == 0 ? m with { Sql = m.Sql + "\n-- edited" } : m);

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => Migrator.ApplyAsync(connection, changed));

        Assert.That(error!.Message, Does.Contain("changed after it was applied"));
    }

    [Test]
    [Category("Postgres")]
    public async Task AFailingPostgresMigrationLeavesNothingBehind()
    {
        await using var database = await Postgres.CreateDatabaseAsync();
        await using var connection = await database.OpenAsync();
        var broken = new[] { new Migration("0001_half.sql", "CREATE TABLE half (id bigint); THIS IS NOT SQL;") };

        Assert.ThrowsAsync<PostgresException>(() => Migrator.ApplyAsync(connection, broken));

        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_name = 'half'"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations"), Is.Zero);
    }

    [Test]
    [Category("Postgres")]
    public async Task TwoNodesStartingAtOnceMigrateOnce()
    {
        await using var database = await Postgres.CreateDatabaseAsync();
        await using var first = await database.OpenAsync();
        await using var second = await database.OpenAsync();
        var migrations = Migrator.Embedded(Dialect.Postgres);

        var results = await Task.WhenAll(
            Task.Run(() => Migrator.ApplyAsync(first, migrations)),
            Task.Run(() => Migrator.ApplyAsync(second, migrations)));

        Assert.That(results[0].Concat(results[1]), Is.EquivalentTo(migrations.Select(m => m.Name)), "each migration applied by exactly one node");
        Assert.That(await first.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations"), Is.EqualTo(migrations.Count));
    }

    [Test]
    [Category("Postgres")]
    public async Task PostgresHasTheSameTablesAndColumnsAsSqlite()
    {
        using var directory = new TempDirectory();
        await using var database = await Postgres.CreateDatabaseAsync();
        await using var twins = await MigrateBothAsync(directory, database);
        var (sqlite, postgres) = (twins.Sqlite, twins.Postgres);

        // Storage classes, not type names: SQLite's INTEGER is PostgreSQL's bigint, or boolean for a 0/1 flag.
        var sqliteColumns = await sqlite.QueryAsync<string>("""
            SELECT m.name || '.' || p.name || ' ' ||
                   CASE upper(p.type) WHEN 'INTEGER' THEN 'integer' WHEN 'TEXT' THEN 'text' WHEN 'BLOB' THEN 'bytes' ELSE p.type END ||
                   CASE WHEN p."notnull" = 1 OR p.pk > 0 THEN ' not null' ELSE ' null' END
            FROM sqlite_master m, pragma_table_info(m.name) p
            WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
            """);
        var postgresColumns = await postgres.QueryAsync<string>("""
            SELECT table_name || '.' || column_name || ' ' ||
                   CASE data_type WHEN 'bigint' THEN 'integer' WHEN 'boolean' THEN 'integer' WHEN 'text' THEN 'text' WHEN 'bytea' THEN 'bytes' ELSE data_type END ||
                   CASE is_nullable WHEN 'NO' THEN ' not null' ELSE ' null' END
            FROM information_schema.columns
            WHERE table_schema = current_schema()
            """);

        Assert.That(postgresColumns.Order(StringComparer.Ordinal), Is.EqualTo(sqliteColumns.Order(StringComparer.Ordinal)));
    }

    [Test]
    [Category("Postgres")]
    public async Task PostgresHasTheSameNamedIndexesAsSqlite()
    {
        using var directory = new TempDirectory();
        await using var database = await Postgres.CreateDatabaseAsync();
        await using var twins = await MigrateBothAsync(directory, database);
        var (sqlite, postgres) = (twins.Sqlite, twins.Postgres);

        // Only the indexes a migration names: those behind PRIMARY KEY and UNIQUE are named by each engine.
        var sqliteIndexes = await sqlite.QueryAsync<string>("""
            SELECT m.name || CASE l."unique" WHEN 1 THEN ' unique' ELSE '' END || CASE l.partial WHEN 1 THEN ' partial' ELSE '' END
            FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) l ON l.name = m.name
            WHERE m.type = 'index' AND m.sql IS NOT NULL
            """);
        var postgresIndexes = await postgres.QueryAsync<string>("""
            SELECT c.relname || CASE WHEN i.indisunique THEN ' unique' ELSE '' END || CASE WHEN i.indpred IS NOT NULL THEN ' partial' ELSE '' END
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """);

        Assert.That(postgresIndexes.Order(StringComparer.Ordinal), Is.EqualTo(sqliteIndexes.Order(StringComparer.Ordinal)));
    }

    /// <summary>
    /// Each statement, run alone in order on both databases, is accepted or refused alike: the
    /// CHECKs, UNIQUEs (the case-blind coordinator email among them) and foreign keys are the same.
    /// </summary>
    [Test]
    [Category("Postgres")]
    public async Task PostgresKeepsTheSameRulesAsSqlite()
    {
        (string Sql, bool Accepted)[] probes =
        [
            ("INSERT INTO petitions (id, slug, title, created_at, updated_at) VALUES (1, 'a', 'A', 't', 't')", true),
            ("INSERT INTO petitions (id, slug, title, created_at, updated_at) VALUES (2, 'a', 'A', 't', 't')", false),
            ("INSERT INTO petitions (id, slug, title, status, created_at, updated_at) VALUES (3, 'c', 'C', 'bogus', 't', 't')", false),
            ("INSERT INTO petitions (id, slug, title, created_at) VALUES (4, 'd', 'D', 't')", false),
            ("INSERT INTO demand_groups (petition_id, position, lead) VALUES (1, 1, 'We ask')", true),
            ("INSERT INTO demand_groups (petition_id, position, lead) VALUES (1, 1, 'Again')", false),
            ("INSERT INTO demand_groups (petition_id, position, lead) VALUES (99, 1, 'No letter')", false),
            ("INSERT INTO organisations (id, name, name_key, created_at) VALUES (1, 'Org', 'org', 't')", true),
            ("INSERT INTO organisations (id, name, name_key, created_at) VALUES (2, 'ORG', 'org', 't')", false),
            ("INSERT INTO organisations (id, name, name_key, country, created_at) VALUES (3, 'Org', 'org', 'DE', 't')", true),
            ("INSERT INTO organisations (id, name, name_key, country, created_at) VALUES (4, 'Org', 'org', 'de', 't')", false),
            ("INSERT INTO organisations (id, name, name_key, country, created_at) VALUES (5, 'Org', 'org', 'DEU', 't')", false),
            ("INSERT INTO signatures (id, petition_id, organisation_id, status, source, signed_at) VALUES (1, 1, 1, 'pending', 'form', 't')", true),
            ("INSERT INTO signatures (id, petition_id, organisation_id, status, source, signed_at) VALUES (2, 1, 1, 'pending', 'form', 't')", false),
            ("INSERT INTO signatures (id, petition_id, organisation_id, status, source, signed_at) VALUES (3, 1, 3, 'signed', 'form', 't')", false),
            ("INSERT INTO signatures (id, petition_id, organisation_id, status, source, signed_at) VALUES (4, 1, 3, 'pending', 'fax', 't')", false),
            ("INSERT INTO signatures (id, petition_id, organisation_id, status, source, signed_at) VALUES (5, 99, 3, 'pending', 'form', 't')", false),
            ("INSERT INTO tokens (hash, purpose, signature_id, created_at, expires_at) VALUES (@hash, 'confirm', 1, 't', 't')", true),
            ("INSERT INTO tokens (hash, purpose, signature_id, created_at, expires_at) VALUES (@hash, 'withdraw', 1, 't', 't')", false),
            ("INSERT INTO tokens (hash, purpose, signature_id, created_at, expires_at) VALUES (@other, 'reset', 1, 't', 't')", false),
            ("INSERT INTO outbox (kind, to_address, subject, message_id, status, created_at, due_at) VALUES ('k', 'a@b.c', 's', 'm1', 'pending', 't', 't')", true),
            ("INSERT INTO outbox (kind, to_address, subject, message_id, status, created_at, due_at) VALUES ('k', 'a@b.c', 's', 'm1', 'pending', 't', 't')", false),
            ("INSERT INTO outbox (kind, to_address, subject, message_id, status, created_at, due_at) VALUES ('k', 'a@b.c', 's', 'm2', 'lost', 't', 't')", false),
            ("INSERT INTO coordinators (id, email, created_at) VALUES (1, 'Ann@Example.org', 't')", true),
            ("INSERT INTO coordinators (id, email, created_at) VALUES (2, 'ann@EXAMPLE.ORG', 't')", false),
            ("INSERT INTO coordinator_petitions (coordinator_id, petition_id) VALUES (1, 1)", true),
            ("INSERT INTO coordinator_petitions (coordinator_id, petition_id) VALUES (1, 1)", false),
            ("INSERT INTO petition_versions (petition_id, version, title, addressee, place, body, demand_groups, footnotes, created_at, actor) VALUES (1, 1, 'A', '', '', '', '[]', '[]', 't', 'x')", true),
            ("INSERT INTO petition_versions (petition_id, version, title, addressee, place, body, demand_groups, footnotes, created_at, actor) VALUES (1, 1, 'A', '', '', '', '[]', '[]', 't', 'x')", false),
            ("DELETE FROM organisations WHERE id = 1", false),
        ];
        var parameters = new { hash = new byte[] { 1, 2, 3 }, other = new byte[] { 4, 5, 6 } };
        using var directory = new TempDirectory();
        await using var database = await Postgres.CreateDatabaseAsync();
        await using var twins = await MigrateBothAsync(directory, database);
        var (sqlite, postgres) = (twins.Sqlite, twins.Postgres);

        var onSqlite = await OutcomesAsync(sqlite, probes, parameters);
        var onPostgres = await OutcomesAsync(postgres, probes, parameters);

        var differing = probes.Select((p, i) => (p.Sql, Expected: p.Accepted, Sqlite: onSqlite[i], Postgres: onPostgres[i]))
            .Where(o => o.Sqlite != o.Expected || o.Postgres != o.Expected)
            .Select(o => $"{o.Sql}: expected {Outcome(o.Expected)}, SQLite {Outcome(o.Sqlite)}, PostgreSQL {Outcome(o.Postgres)}");
        Assert.That(differing, Is.Empty);
    }

    /// <summary>The SQL and parameters the stores use today read and write the same values on both.</summary>
    [Test]
    [Category("Postgres")]
    public async Task ACoordinatorIsFoundByEmailInAnyCaseAndKeepsItsFlagOnBoth()
    {
        using var directory = new TempDirectory();
        await using var database = await Postgres.CreateDatabaseAsync();
        await using var twins = await MigrateBothAsync(directory, database);
        var (sqlite, postgres) = (twins.Sqlite, twins.Postgres);

        foreach (var connection in new DbConnection[] { sqlite, postgres })
        {
            var id = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO coordinators (email, name, all_petitions, created_at) VALUES (@email, @name, @all, @now) RETURNING id
                """, new { email = "Ann@Example.org", name = "Ann", all = false, now = "2026-01-01T00:00:00.0000000+00:00" });
            var found = await connection.ExecuteScalarAsync<long?>("SELECT id FROM coordinators WHERE email = @email", new { email = "ann@EXAMPLE.org" });
            var row = await connection.QuerySingleAsync<CoordinatorRow>(
                "SELECT id, email, name, all_petitions AS allPetitions FROM coordinators WHERE id = @id", new { id });

            var dialect = Migrator.DialectOf(connection).ToString();
            Assert.That(found, Is.EqualTo(id), dialect);
            Assert.That(row.AllPetitions, Is.False, dialect);
            Assert.That(row.Email, Is.EqualTo("Ann@Example.org"), dialect);
        }

    }

    private static string Outcome(bool accepted) => accepted ? "accepted" : "refused";

    private static async Task<List<bool>> OutcomesAsync(DbConnection connection, (string Sql, bool Accepted)[] probes, object parameters)
    {
        var accepted = new List<bool>();
        foreach (var (sql, _) in probes)
        {
            try
            {
                await connection.ExecuteAsync(sql, parameters);
                accepted.Add(true);
            }
            catch (DbException)
            {
                accepted.Add(false);
            }
        }

        return accepted;
    }

    private static async Task<Twins> MigrateBothAsync(TempDirectory directory, PostgresDatabase database)
    {
        var db = new Db($"Data Source={directory.File("twin.db")}");
        await Migrator.ApplyAsync(db, Migrator.Embedded(Dialect.Sqlite));
        var twins = new Twins(await db.OpenAsync(), await database.OpenAsync());
        await Migrator.ApplyAsync(twins.Postgres, Migrator.Embedded(Dialect.Postgres));
        return twins;
    }

    /// <summary>One database of each dialect, migrated.</summary>
    private sealed record Twins(DbConnection Sqlite, DbConnection Postgres) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Sqlite.DisposeAsync();
            await Postgres.DisposeAsync();
        }
    }

    private sealed class CoordinatorRow
    {
        public long Id { get; set; }

        public string Email { get; set; } = "";

        public string? Name { get; set; }

        public bool AllPetitions { get; set; }
    }
}
