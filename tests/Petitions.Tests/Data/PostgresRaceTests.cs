using System.Data.Common;
using System.Net;
using Dapper;
using Petitions.Data;
using Petitions.Organisations;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Data;

/// <summary>
/// Rows two nodes may create at the same moment on PostgreSQL, under READ COMMITTED: an insert
/// waits on the other transaction's index entry and, once that commits, must find its row instead
/// of failing. The other node is played by a transaction held open here, so each race is certain.
/// </summary>
[Category("Postgres")]
public class PostgresRaceTests
{
    private static readonly OrganisationDraft Draft = OrganisationDraft.Of("Race Organisation", "Utrecht", "NL", null);

    [Test]
    public async Task AnOrganisationCreatedMeanwhileByAnotherNodeIsFoundNotDuplicated()
    {
        await using var database = await Postgres.CreateDatabaseAsync();
        await using (var setup = await database.OpenAsync())
        {
            await Migrator.ApplyAsync(setup, Migrator.Embedded(Dialect.Postgres));
        }

        await using var other = await database.OpenAsync();
        await using var otherTransaction = await other.BeginTransactionAsync();
        var (otherId, otherCreated) = OrganisationStore.FindOrCreate(other, otherTransaction, Draft, DateTimeOffset.UtcNow);
        await using var self = await database.OpenAsync();
        await using var selfTransaction = await self.BeginTransactionAsync();

        var found = Task.Run(() => OrganisationStore.FindOrCreate(self, selfTransaction, Draft, DateTimeOffset.UtcNow));
        await WaitUntilBlockedAsync(database, found);
        await otherTransaction.CommitAsync();
        var (id, created) = await found.WaitAsync(TimeSpan.FromSeconds(10));
        await selfTransaction.CommitAsync();

        Assert.That((otherId, otherCreated), Is.EqualTo((otherId, true)));
        Assert.That((id, created), Is.EqualTo((otherId, false)), "the organisation the other node committed, not an error or a second row");
        Assert.That(await self.ExecuteScalarAsync<long>("SELECT count(*) FROM organisations WHERE name_key = @NameKey", new { Draft.NameKey }), Is.EqualTo(1));
    }

    [Test]
    public async Task ASignOnRacingAnotherNodesSignOnOfTheSameNewOrganisationIsAcceptedOnce()
    {
        IgnoreUnlessPostgresRun();
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        var letterId = await LetterIdAsync(app);
        await using var other = await app.Db.OpenAsync();
        await using var otherTransaction = await other.BeginTransactionAsync();
        // The other node's sign-on: the new organisation and its signature, not yet committed.
        var (organisationId, _) = OrganisationStore.FindOrCreate(other, otherTransaction, Draft, DateTimeOffset.UtcNow);
        await InsertSignatureAsync(other, otherTransaction, letterId, organisationId);

        var signed = SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Race Organisation", "anna@race.example.org"));
        await WaitUntilBlockedAsync(app.Db, signed);
        await otherTransaction.CommitAsync();
        using var response = await signed.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        Assert.That(await CountAsync(app, Draft.NameKey), Is.EqualTo((1, 1)), "one organisation and one signature");
    }

    [Test]
    public async Task ASignOnRacingAnotherNodesSignatureOfAKnownOrganisationIsAnsweredAsARepeat()
    {
        IgnoreUnlessPostgresRun();
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        var letterId = await LetterIdAsync(app);
        long organisationId;
        await using (var setup = await app.Db.OpenAsync())
        await using (var setupTransaction = await setup.BeginTransactionAsync())
        {
            (organisationId, _) = OrganisationStore.FindOrCreate(setup, setupTransaction, Draft, DateTimeOffset.UtcNow);
            await setupTransaction.CommitAsync();
        }

        await using var other = await app.Db.OpenAsync();
        await using var otherTransaction = await other.BeginTransactionAsync();
        await InsertSignatureAsync(other, otherTransaction, letterId, organisationId);

        // This node finds the organisation, no signature yet, and waits on the other's as it inserts its own.
        var signed = SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Race Organisation", "anna@race.example.org"));
        await WaitUntilBlockedAsync(app.Db, signed);
        await otherTransaction.CommitAsync();
        using var response = await signed.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        Assert.That(await CountAsync(app, Draft.NameKey), Is.EqualTo((1, 1)), "one organisation and one signature");
    }

    [Test]
    public async Task TwoNodesSigningTheSameNewOrganisationsAtOnceAcceptEverySignOnAndStoreEachOnce()
    {
        IgnoreUnlessPostgresRun();
        using var first = new PetitionsApp();
        using var firstClient = first.CreateClient();
        (await firstClient.GetAsync("/")).Dispose();
        using var second = new PetitionsApp(first.DatabasePath);
        using var secondClient = second.CreateClient();
        const int organisations = 8;

        var answers = await Task.WhenAll(Enumerable.Range(0, organisations).SelectMany(i => new[] { firstClient, secondClient }.Select(async client =>
        {
            using var response = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson($"Twin Organisation {i}", $"anna{i}@twin.example.org"));
            return response.StatusCode;
        })));

        Assert.That(answers, Is.All.EqualTo(HttpStatusCode.Accepted));
        await using var connection = await first.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM organisations WHERE name LIKE 'Twin Organisation %'"), Is.EqualTo(organisations));
        Assert.That(await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name LIKE 'Twin Organisation %'
            """), Is.EqualTo(organisations));
    }

    [Test]
    public async Task EverySpellingOfAnAddressTheCapCountsAsOneTakesTheSameLock()
    {
        IgnoreUnlessPostgresRun();
        await using var database = await Postgres.CreateDatabaseAsync();
        await using (var setup = await database.OpenAsync())
        {
            await Migrator.ApplyAsync(setup, Migrator.Embedded(Dialect.Postgres));
        }

        // The other node counts this address's emails, holding its lock.
        await using var other = await database.OpenAsync();
        await using var otherTransaction = await other.BeginTransactionAsync();
        await other.ExecuteAsync($"SELECT pg_advisory_xact_lock({SignOn.RecipientLockKey("@to::text")})",
            new { to = "straße@spellings.example.org" }, otherTransaction);

        await using var self = await database.OpenAsync();
        async Task<bool> FreeAsync(string to)
        {
            var free = await self.ExecuteScalarAsync<bool>($"SELECT pg_try_advisory_lock({SignOn.RecipientLockKey("@to::text")})", new { to });
            if (free)
            {
                await self.ExecuteAsync("SELECT pg_advisory_unlock_all()");
            }

            return free;
        }

        // The count's collation takes these as the same address (case, the capital ẞ, full-width letters)...
        Assert.That(await FreeAsync("straße@spellings.example.org"), Is.False);
        Assert.That(await FreeAsync("STRAẞE@SPELLINGS.EXAMPLE.ORG"), Is.False);
        Assert.That(await FreeAsync("ｓtraße@spellings.example.org"), Is.False);
        // ...and these as others, which need not wait.
        Assert.That(await FreeAsync("strasse@spellings.example.org"), Is.True);
        Assert.That(await FreeAsync("strassen@spellings.example.org"), Is.True);
    }

    private static void IgnoreUnlessPostgresRun()
    {
        if (!TestDatabase.IsPostgres)
        {
            Assert.Ignore("Runs in the PostgreSQL pass (PETITIONS_TEST_DATABASE=postgres): SQLite has one writer, so no such race.");
        }
    }

    private static async Task<long> LetterIdAsync(PetitionsApp app)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = @Slug", new { SignOnClient.Slug });
    }

    private static Task InsertSignatureAsync(DbConnection connection, DbTransaction transaction, long letterId, long organisationId) =>
        connection.ExecuteAsync("""
            INSERT INTO signatures (petition_id, organisation_id, status, source, contact_name, contact_email, signed_at)
            VALUES (@letterId, @organisationId, 'pending', 'form', 'Other Node', 'other@race.example.org', '2026-01-01T00:00:00.0000000+00:00')
            """, new { letterId, organisationId }, transaction);

    private static async Task<(long Organisations, long Signatures)> CountAsync(PetitionsApp app, string nameKey)
    {
        await using var connection = await app.Db.OpenAsync();
        return (
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM organisations WHERE name_key = @nameKey", new { nameKey }),
            await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name_key = @nameKey", new { nameKey }));
    }

    private static Task WaitUntilBlockedAsync(Db db, Task racer) => WaitUntilBlockedAsync(() => db.OpenAsync(), racer);

    private static Task WaitUntilBlockedAsync(PostgresDatabase database, Task racer) =>
        WaitUntilBlockedAsync(async () => await database.OpenAsync(), racer);

    /// <summary>Waits until a session of this database waits on a lock: the racer has reached the other's row.</summary>
    private static async Task WaitUntilBlockedAsync(Func<Task<DbConnection>> open, Task racer)
    {
        await using var watcher = await open();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await watcher.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0)
        {
            if (racer.IsCompleted)
            {
                await racer;
                Assert.Fail("The racer finished without waiting on the other transaction's row.");
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the racer never waited on the other transaction's row");
            await Task.Delay(20);
        }
    }
}
