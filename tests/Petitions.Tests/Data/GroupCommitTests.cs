using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Petitions.Data;
using Petitions.Tests.Support;

namespace Petitions.Tests.Data;

public class GroupCommitTests
{
    private TempDirectory directory = null!;
    private Db db = null!;

    [SetUp]
    public async Task SetUp()
    {
        directory = new TempDirectory();
        db = new Db($"Data Source={directory.File("g.db")}");
        await using var connection = await db.OpenAsync();
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL; CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);");
    }

    [TearDown]
    public void TearDown() => directory.Dispose();

    [Test]
    public async Task TheWritersSavepointJournalsStayInMemoryAndItsSettingsDoNotReachOtherConnections()
    {
        await using var writer = new GroupCommit(db, NullLogger<GroupCommit>.Instance);

        // Each unit of work runs in a savepoint; SQLite keeps the pages it changes in a statement
        // journal, a temporary file, which on disk cost more write calls than the WAL itself.
        var inWriter = await writer.RunAsync(async (c, t) => await c.ExecuteScalarAsync<long>("PRAGMA temp_store", transaction: t));
        await using var other = await db.OpenAsync();

        Assert.That(inWriter, Is.EqualTo(2), "MEMORY");
        Assert.That(await other.ExecuteScalarAsync<long>("PRAGMA temp_store"), Is.EqualTo(0), "the default, for everyone else (a large sort is not held in memory)");
        Assert.That(await writer.RunAsync(async (c, t) => await c.ExecuteScalarAsync<long>("PRAGMA synchronous", transaction: t)), Is.EqualTo(2), "FULL");
    }

    [Test]
    public async Task ManyConcurrentWritesAllCommitAndShareTransactions()
    {
        await using var writer = new GroupCommit(db, NullLogger<GroupCommit>.Instance);

        var results = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => writer.RunAsync(async (c, t) =>
        {
            await c.ExecuteAsync("INSERT INTO items (name) VALUES (@name)", new { name = $"item {i}" }, t);
            return i;
        })));

        Assert.That(results, Is.EquivalentTo(Enumerable.Range(0, 2000)));
        await using var connection = await db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM items"), Is.EqualTo(2000));
    }

    [Test]
    public async Task OneFailingWriteIsUndoneAloneAndTheOthersCommit()
    {
        await using var writer = new GroupCommit(db, NullLogger<GroupCommit>.Instance);

        var good = writer.RunAsync(async (c, t) => await c.ExecuteAsync("INSERT INTO items (name) VALUES ('a')", transaction: t));
        var bad = writer.RunAsync(async (c, t) =>
        {
            await c.ExecuteAsync("INSERT INTO items (name) VALUES ('b')", transaction: t);
            return await c.ExecuteAsync("INSERT INTO items (name) VALUES ('a')", transaction: t);
        });
        var alsoGood = writer.RunAsync(async (c, t) => await c.ExecuteAsync("INSERT INTO items (name) VALUES ('c')", transaction: t));

        Assert.That(await good, Is.EqualTo(1));
        Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(async () => await bad);
        Assert.That(await alsoGood, Is.EqualTo(1));
        await using var connection = await db.OpenAsync();
        Assert.That(await connection.QueryAsync<string>("SELECT name FROM items ORDER BY name"), Is.EqualTo(new[] { "a", "c" }));
    }
}
