using Dapper;
using Npgsql;
using Petitions.Data;
using Petitions.Email;
using Petitions.Tests.Support;

namespace Petitions.Tests.Email;

/// <summary>
/// A mail lane records what it sent on PostgreSQL without waiting for the WAL's flush; the sign-ons'
/// writers must never inherit that, or a sign-on would be acknowledged before it is on disk.
/// </summary>
[Category("Postgres")]
public class OutboxRecorderTests
{
    [Test]
    public async Task TheRecordersUnflushedCommitsNeverReachAPooledConnection()
    {
        await using var database = await Postgres.CreateDatabaseAsync();
        // No reset on return and a pool of one: a setting left on a pooled connection would reach the next user.
        var settings = new NpgsqlConnectionStringBuilder(database.ConnectionString) { NoResetOnClose = true, MaxPoolSize = 1 };
        var db = new Db(settings.ConnectionString, Dialect.Postgres);

        await using (var recorder = await Outbox.OpenRecorderAsync(db))
        {
            Assert.That(await recorder.ExecuteScalarAsync<string>("SHOW synchronous_commit"), Is.EqualTo("off"));
        }

        // The group commit's writers take their connections from this pool.
        await using var writer = await db.OpenWriterAsync();
        Assert.That(await writer.ExecuteScalarAsync<string>("SHOW synchronous_commit"), Is.EqualTo("on"));
    }
}
