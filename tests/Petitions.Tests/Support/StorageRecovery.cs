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
    /// <returns>The names of the organisations in the reopened database that are <c>LIKE</c> <paramref name="namePattern"/>.</returns>
    public static async Task<List<string>> AssertRecoversAsync(HttpClient client, ServerProcess server, string databaseFile, string afterName, string namePattern)
    {
        using var after = await client.PostAsJsonAsync("/api/petitions/iap-2017/signatures", SignOnClient.ValidJson(afterName, "a@after.example.org"));
        using var healthy = await client.GetAsync("/healthz");
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "it recovers without a restart");
        Assert.That(healthy.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        server.Kill();
        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection($"Data Source={databaseFile}");
        Assert.That(await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"), Is.EqualTo("ok"));
        return (await connection.QueryAsync<string>("SELECT name FROM organisations WHERE name LIKE @namePattern", new { namePattern })).ToList();
    }
}
