using Dapper;
using Petitions.Data;
using Petitions.Tests.Support;

namespace Petitions.Tests.Data;

public class MigratorTests
{
    private TempDirectory directory = null!;
    private Db db = null!;

    [SetUp]
    public void SetUp()
    {
        directory = new TempDirectory();
        db = new Db($"Data Source={directory.File("m.db")}");
    }

    [TearDown]
    public void TearDown() => directory.Dispose();

    [Test]
    public async Task AFreshDatabaseGetsEveryMigrationInOrder()
    {
        var applied = await Migrator.ApplyAsync(db, Migrator.Embedded());

        Assert.That(applied, Is.EqualTo(Migrator.Embedded().Select(m => m.Name).ToList()));
        Assert.That(applied, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        await using var connection = await db.OpenAsync();
        var tables = (await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table'")).ToList();
        Assert.That(tables, Is.SupersetOf(new[] { "petitions", "demand_groups", "demands", "footnotes", "organisations", "signatures", "events" }));
        Assert.That(await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"), Is.EqualTo("wal"));
    }

    [Test]
    public async Task ARunOnAMigratedDatabaseAppliesNothing()
    {
        await Migrator.ApplyAsync(db, Migrator.Embedded());

        var second = await Migrator.ApplyAsync(db, Migrator.Embedded());

        Assert.That(second, Is.Empty);
    }

    [Test]
    public async Task AMigrationAddedLaterIsAppliedAfterTheOthers()
    {
        await Migrator.ApplyAsync(db, Migrator.Embedded());
        var later = Migrator.Embedded().Append(new Migration("9999_later.sql", "CREATE TABLE later (id INTEGER PRIMARY KEY);"));

        var applied = await Migrator.ApplyAsync(db, later);

        Assert.That(applied, Is.EqualTo(new[] { "9999_later.sql" }));
    }

    [Test]
    public async Task AMigrationChangedAfterItWasAppliedStopsTheStart()
    {
        await Migrator.ApplyAsync(db, Migrator.Embedded());
        var changed = Migrator.Embedded().Select((m, i) => i == 0 ? m with { Sql = m.Sql + "\n-- edited" } : m);

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => Migrator.ApplyAsync(db, changed));

        Assert.That(error!.Message, Does.Contain("changed after it was applied"));
    }

    [Test]
    public async Task AFailingMigrationLeavesNothingBehind()
    {
        var broken = new[] { new Migration("0001_half.sql", "CREATE TABLE half (id INTEGER); THIS IS NOT SQL;") };

        Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => Migrator.ApplyAsync(db, broken));

        await using var connection = await db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE name = 'half'"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations"), Is.Zero);
    }

    [Test]
    public async Task ConnectionsHaveFullSyncForeignKeysAndABusyTimeout()
    {
        await using var connection = await db.OpenAsync();

        Assert.That(await connection.ExecuteScalarAsync<long>("PRAGMA synchronous"), Is.EqualTo(2), "FULL");
        Assert.That(await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys"), Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<long>("PRAGMA busy_timeout"), Is.GreaterThanOrEqualTo(1000));
    }
}
