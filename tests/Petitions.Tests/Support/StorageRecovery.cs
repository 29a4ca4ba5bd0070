using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Petitions.Tests.Support;

/// <summary>The end of every "storage stops taking writes" test: the program recovers on its own, and nothing is lost.</summary>
public static class StorageRecovery
{
    /// <summary>
    /// Once storage is back: a sign-on named <paramref name="afterName"/> is acknowledged and /healthz is healthy,
    /// without a restart. Then the program is killed and the database reopened: it passes integrity_check.
    /// </summary>
    /// <returns>
    /// The organisations in the reopened database whose names are <c>LIKE</c> <paramref name="namePattern"/>, each with
    /// its signatures and the emails queued for them (a sign-on stored whole has one of each).
    /// </returns>
    public static async Task<List<StoredSignOn>> AssertRecoversAsync(HttpClient client, ServerProcess server, string databaseFile, string afterName, string namePattern)
    {
        using var after = await client.PostAsJsonAsync("/api/petitions/iap-2017/signatures", SignOnClient.ValidJson(afterName, "a@after.example.org"));
        using var healthy = await client.GetAsync("/healthz");
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "it recovers without a restart");
        Assert.That(healthy.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        server.Kill();
        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection($"Data Source={databaseFile}");
        Assert.That(await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"), Is.EqualTo("ok"));
        return (await connection.QueryAsync<StoredSignOn>("""
            SELECT o.name AS Name,
                   (SELECT count(*) FROM signatures s WHERE s.organisation_id = o.id) AS Signatures,
                   (SELECT count(*) FROM outbox x JOIN signatures s ON s.id = x.signature_id WHERE s.organisation_id = o.id) AS Emails
            FROM organisations o WHERE o.name LIKE @namePattern
            """, new { namePattern })).ToList();
    }

    /// <summary>What the database holds of one sign-on, by its organisation's name.</summary>
    public sealed record StoredSignOn(string Name, long Signatures, long Emails);

    /// <summary>
    /// The stored sign-ons are exactly the acknowledged ones (nothing lost, nothing refused kept), each
    /// with its one signature and its one confirmation email.
    /// </summary>
    public static void AssertStoredAreTheAcknowledged(IReadOnlyList<StoredSignOn> stored, IEnumerable<string> acknowledged)
    {
        Assert.That(stored.Select(s => s.Name), Is.EquivalentTo(acknowledged), "what was acknowledged is there, and nothing refused");
        Assert.That(stored.Where(s => s.Signatures != 1 || s.Emails != 1), Is.Empty, "each with one signature and one email");
    }
}
