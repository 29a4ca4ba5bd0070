using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

public class DurabilityTests
{
    [Test]
    public async Task EveryAcknowledgedSignOnAndItsEmailSurviveAKill()
    {
        using var directory = new TempDirectory();
        var acknowledged = new ConcurrentBag<string>();
        using (var server = await ServerProcess.StartAsync(directory.Path, new Dictionary<string, string>
        {
            // No mail goes out: every queued email must still be in the outbox after the crash.
            ["Smtp__Host"] = "127.0.0.1",
            ["Smtp__Port"] = "1",
        }))
        {
            using var client = new HttpClient { BaseAddress = server.BaseUrl };
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var name = $"Durable Organisation {w}-{i}";
                    try
                    {
                        using var response = await client.PostAsJsonAsync("/api/petitions/iap-2017/signatures",
                            SignOnClient.ValidJson(name, $"w{w}i{i}@durable.example.org"), stop.Token);
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            acknowledged.Add(name);
                        }
                    }
                    catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
                    {
                        return;
                    }
                }
            })).ToList();

            while (acknowledged.Count < 40)
            {
                await Task.Delay(20);
            }

            server.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection($"Data Source={directory.File("petitions.db")}");
        await connection.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"), Is.EqualTo("ok"));
        var stored = (await connection.QueryAsync<(string Name, long Emails)>("""
            SELECT o.name, (SELECT count(*) FROM outbox x WHERE x.signature_id = s.id)
            FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name LIKE 'Durable Organisation %'
            """)).ToDictionary(r => r.Name, r => r.Emails);
        TestContext.Out.WriteLine($"FIGURE sigkill: {acknowledged.Count} acknowledged, {acknowledged.Count(a => !stored.ContainsKey(a))} missing after the kill");
        Assert.That(acknowledged, Has.Count.GreaterThanOrEqualTo(40));
        Assert.That(stored.Keys, Is.SupersetOf(acknowledged), "no acknowledged sign-on is lost");
        Assert.That(acknowledged.Select(a => stored[a]), Has.All.EqualTo(1), "each with its confirmation email");
    }
}
