using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Data.Sqlite;
using MimeKit;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>
/// scripts/chaos: the real program killed with SIGKILL twenty times under sign-on load. Not in
/// scripts/test (it takes minutes); the single kill of DurabilityTests is. The kill delays are
/// random from a seed the test prints; PETITIONS_CHAOS_SEED=N replays a run.
/// </summary>
[Category("Chaos")]
public partial class ChaosTests
{
    /// <summary>The whole run's own limit: a round that never reaches its 20 acknowledgements fails, rather than hangs.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(10);

    [Test]
    public async Task TwentyKillsUnderLoadLoseNothingAcknowledgedAndOldLinksStillWork()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PETITIONS_CHAOS_SEED"), System.Globalization.CultureInfo.InvariantCulture, out var given)
            ? given
            : System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);
        TestContext.Out.WriteLine($"FIGURE chaos-seed: {seed} (replay with PETITIONS_CHAOS_SEED={seed})");
        var random = new Random(seed);
        using var deadline = new CancellationTokenSource(Deadline);
        using var directory = new TempDirectory();
        var acknowledged = new ConcurrentBag<string>();
        for (var round = 0; round < 20; round++)
        {
            using var server = await ServerProcess.StartAsync(directory.Path);
            using var client = new HttpClient { BaseAddress = server.BaseUrl };
            using var stop = new CancellationTokenSource();
            var before = acknowledged.Count;
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var name = $"Chaos Organisation {round}-{w}-{i}";
                    try
                    {
                        using var response = await client.PostAsJsonAsync("/api/petitions/iap-2017/signatures",
                            SignOnClient.ValidJson(name, $"r{round}w{w}i{i}@chaos.example.org"), stop.Token);
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

            while (acknowledged.Count < before + 20)
            {
                if (deadline.IsCancellationRequested)
                {
                    Assert.Fail($"Round {round} did not reach 20 acknowledged sign-ons within the run's {Deadline} (seed {seed}).");
                }

                await Task.Delay(10, CancellationToken.None);
            }

            var delay = random.Next(0, 300);
            TestContext.Out.WriteLine($"round {round}: killed {delay} ms after its 20th acknowledgement");
            await Task.Delay(delay, CancellationToken.None);
            server.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        SqliteConnection.ClearAllPools();
        await using (var connection = new SqliteConnection($"Data Source={directory.File("petitions.db")}"))
        {
            await connection.OpenAsync();
            Assert.That(await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"), Is.EqualTo("ok"));
            var stored = (await connection.QueryAsync<(string Name, long Emails)>("""
                SELECT o.name, (SELECT count(*) FROM outbox x WHERE x.signature_id = s.id)
                FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name LIKE 'Chaos Organisation %'
                """)).ToDictionary(r => r.Name, r => r.Emails);
            TestContext.Out.WriteLine($"FIGURE chaos: 20 SIGKILLs, {acknowledged.Count} sign-ons acknowledged, {acknowledged.Count(a => !stored.ContainsKey(a))} missing");
            Assert.That(stored.Keys, Is.SupersetOf(acknowledged), "no acknowledged sign-on is lost");
            Assert.That(stored.Values, Has.All.EqualTo(1), "outbox rows = sign-ons");
        }

        // A link mailed before the crashes still confirms after them.
        using var last = await ServerProcess.StartAsync(directory.Path);
        using var http = new HttpClient { BaseAddress = last.BaseUrl };
        var mail = Directory.Exists(directory.File("mail")) ? Directory.GetFiles(directory.File("mail"), "*.eml") : [];
        Assert.That(mail, Is.Not.Empty, "some confirmation emails went out before the kills");
        var token = Link().Match(MimeMessage.Load(mail[0]).TextBody ?? "").Groups[1].Value;
        using var confirmed = await http.PostAsJsonAsync("/api/confirmations", new { token });
        Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [GeneratedRegex("/confirm/([A-Za-z0-9_-]{43})")]
    private static partial Regex Link();
}
