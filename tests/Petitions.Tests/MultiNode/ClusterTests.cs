using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.MultiNode;

/// <summary>
/// Two real nodes on one PostgreSQL behind a real HAProxy (<see cref="Cluster"/>): what a visitor
/// does on one node holds on the other, and a node killed with SIGKILL loses nothing it acknowledged.
/// </summary>
[Category("MultiNode")]
public partial class ClusterTests
{
    private const string Slug = SignOnClient.Slug;

    [Test]
    public async Task SignOnThroughOneNodeConfirmThroughTheOtherListedOnBothWithinTwoSeconds()
    {
        await using var cluster = await Cluster.StartAsync();
        using var a = cluster.ClientOf(0);
        using var b = cluster.ClientOf(1);
        // Both nodes have the list rendered and cached before the change, so only being told of it can refresh them.
        foreach (var node in new[] { a, b })
        {
            Assert.That(await Signatories(node), Does.Not.Contain("Two Node Organisation"));
        }

        using (var signed = await SignOnClient.PostJsonAsync(a, SignOnClient.ValidJson("Two Node Organisation", "anna@twonode.example.org")))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var mail = (await cluster.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30))).Single();
        Assert.That(mail.Recipients, Is.EqualTo(new[] { "anna@twonode.example.org" }));
        var link = Link().Match(mail.Message.TextBody ?? "");
        Assert.That(link.Success, Is.True, "the email carries a confirmation link");
        Assert.That(link.Value, Does.StartWith(cluster.BaseUrl.ToString().TrimEnd('/')), "links in emails point at the load balancer, not a node");

        using (var confirmed = await b.PostAsJsonAsync("/api/confirmations", new { token = link.Groups[1].Value }))
        {
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var clock = Stopwatch.StartNew();
        var listedOn = new HashSet<string>();
        while (listedOn.Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            foreach (var (name, node) in new[] { ("a", a), ("b", b) })
            {
                if (!listedOn.Contains(name) && (await Signatories(node)).Contains("Two Node Organisation", StringComparison.Ordinal))
                {
                    listedOn.Add(name);
                }
            }

            await Task.Delay(50);
        }

        TestContext.Out.WriteLine($"FIGURE multinode-listed: on both nodes {clock.ElapsedMilliseconds} ms after the confirmation");
        Assert.That(listedOn, Is.EquivalentTo(new[] { "a", "b" }), "listed on both nodes within 2 s of the confirmation");
    }

    [Test]
    public async Task AFormFetchedFromOneNodePostsToTheOther()
    {
        await using var cluster = await Cluster.StartAsync();
        using var a = cluster.ClientOf(0);
        using var b = cluster.ClientOf(1, followRedirects: false);

        using var page = await a.GetAsync($"/petitions/{Slug}");
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var html = await page.Content.ReadAsStringAsync();
        var cookies = page.Headers.TryGetValues("Set-Cookie", out var set) ? set.Select(c => c.Split(';')[0]).ToList() : [];
        Assert.That(cookies, Is.Not.Empty, "the form's page sets the antiforgery cookie");
        var fields = SignOnClient.ValidJson("Form Across Nodes", "form@acrossnodes.example.org")
            .Where(f => f.Value is not null and not false)
            .Select(f => new KeyValuePair<string, string>(f.Key, f.Value is true ? "true" : f.Value!.ToString()!))
            .Prepend(new("__RequestVerificationToken", SignOnClient.Antiforgery(html)))
            .ToList();

        using var post = new HttpRequestMessage(HttpMethod.Post, $"/petitions/{Slug}/sign") { Content = new FormUrlEncodedContent(fields) };
        post.Headers.Add("Cookie", string.Join("; ", cookies));
        using var signed = await b.SendAsync(post);

        Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther), "node b accepts the antiforgery token node a issued");
        await using var connection = await cluster.OpenDatabaseAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'Form Across Nodes'
            """), Is.EqualTo(1));
    }

    [Test]
    public async Task TheSignOnRateLimitHoldsAcrossNodesThroughHaProxy()
    {
        await using var cluster = await Cluster.StartAsync(settings: new Dictionary<string, string> { ["RateLimiting__SignOnsPerMinutePerIp"] = "5" });
        // A window may be the clock's minute: seven sign-ons that straddle one would see two windows.
        if (DateTime.UtcNow.Second > 45)
        {
            await Task.Delay(TimeSpan.FromSeconds(61 - DateTime.UtcNow.Second));
        }

        using var visitor = cluster.ClientOfProxy();
        var answers = new List<(HttpStatusCode Status, string? Node)>();
        for (var i = 0; i < 7; i++)
        {
            using var response = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson($"Rate Organisation {i}", $"rate{i}@rate.example.org"));
            answers.Add((response.StatusCode, HaProxy.NodeOf(response)));
        }

        TestContext.Out.WriteLine(string.Join(", ", answers.Select(a => $"{(int)a.Status} from {a.Node}")));
        Assert.That(answers.Select(a => a.Node).Distinct(), Is.EquivalentTo(new[] { "a", "b" }), "HAProxy spread the sign-ons over both nodes");
        Assert.That(answers.Take(5).Select(a => a.Status), Has.All.EqualTo(HttpStatusCode.Accepted));
        Assert.That(answers.Skip(5).Select(a => a.Status), Has.All.EqualTo(HttpStatusCode.TooManyRequests),
            "five sign-ons a minute per visitor and letter, whichever node they reach");

        // The limit is the visitor's (X-Forwarded-For from HAProxy), not the proxy's: another visitor still signs.
        using var other = cluster.ClientOfProxy(from: "127.0.0.2");
        using var another = await SignOnClient.PostJsonAsync(other, SignOnClient.ValidJson("Rate Organisation Other", "other@rate.example.org"));
        Assert.That(another.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task KillingOneNodeUnderLoadLosesNoAcknowledgedSignOnAndTheOtherKeepsServing()
    {
        await using var cluster = await Cluster.StartAsync();
        using var load = new SignOnLoad(cluster, "Kill Organisation");
        var running = load.RunAsync(writers: 6);

        await load.WaitForAsync(30, TimeSpan.FromSeconds(60));
        cluster.Kill(0);
        var atKill = load.Acknowledged.Count;
        await load.WaitForAsync(atKill + 30, TimeSpan.FromSeconds(30));
        var afterKill = load.Acknowledged.Skip(atKill).ToList();
        await load.StopAsync();
        await running;

        // A reply node a gave just before the kill may be counted just after it, so only the latest ones are sure to be b's.
        Assert.That(afterKill.TakeLast(20).Select(a => a.Node), Has.All.EqualTo("b"), "node b keeps serving after node a is killed");
        using (var b = cluster.ClientOf(1))
        using (var health = await b.GetAsync("/healthz"))
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        TestContext.Out.WriteLine($"FIGURE multinode-kill: {load.Acknowledged.Count} acknowledged, {atKill} before the SIGKILL, {load.Failures} refused or cut off");
        await load.AssertNothingAcknowledgedLostAsync();
        await AssertNoEmailTwiceAsync(cluster);
    }

    /// <summary>
    /// Waits until every outbox row that no dead node holds a lease on has gone, then checks that the
    /// SMTP server saw each Message-ID once: no message was sent by two nodes, or twice by one.
    /// </summary>
    internal static async Task AssertNoEmailTwiceAsync(Cluster cluster)
    {
        await using var connection = await cluster.OpenDatabaseAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        long waiting;
        while ((waiting = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'pending' AND lease_until IS NULL")) > 0
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.That(waiting, Is.Zero, "the live nodes sent every unclaimed email within a minute");
        var sent = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'sent'");
        var leased = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'pending' AND lease_until IS NOT NULL");
        var ids = cluster.Smtp.Messages.Select(m => m.Message.MessageId).ToList();
        var twice = ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        TestContext.Out.WriteLine($"FIGURE multinode-email: {ids.Count} messages at the SMTP server, {sent} outbox rows sent, {leased} still leased, {twice.Count} Message-IDs twice");
        Assert.That(twice, Is.Empty, "no email was sent twice");
        Assert.That(ids, Has.Count.GreaterThanOrEqualTo(sent), "every row recorded as sent reached the server");
        // A message at the server but not recorded sent can only be one a killed node sent and died
        // before recording; its lease expires and it goes again (the one resend a crash may cost).
        Assert.That(ids.Count - sent, Is.LessThanOrEqualTo(leased), "the live nodes record what they send");
    }

    private static async Task<string> Signatories(HttpClient node) =>
        await node.GetStringAsync($"/api/petitions/{Slug}/signatories");

    [GeneratedRegex("https?://[^/\\s]+/confirm/([A-Za-z0-9_-]{43})")]
    private static partial Regex Link();
}

/// <summary>
/// Sign-ons through HAProxy from several writers until stopped, each with its own organisation and
/// address (the per-address email cap must not hold any back), remembering every acknowledged one.
/// </summary>
internal sealed class SignOnLoad(Cluster cluster, string prefix) : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private int failures;

    public ConcurrentQueue<(string Name, string? Node)> Acknowledged { get; } = new();

    public int Failures => failures;

    public Task RunAsync(int writers) => Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
    {
        using var client = cluster.ClientOfProxy();
        client.Timeout = TimeSpan.FromSeconds(30);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var name = $"{prefix} {w}-{i}";
            try
            {
                using var response = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson(name, $"w{w}i{i}@{prefix.Replace(' ', '-').ToLowerInvariant()}.example.org"));
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    Acknowledged.Enqueue((name, HaProxy.NodeOf(response)));
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // A connection cut by the kill: not acknowledged, so nothing is owed.
                Interlocked.Increment(ref failures);
            }
        }
    })));

    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Acknowledged.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{count} sign-ons were not acknowledged within {timeout} (got {Acknowledged.Count}, {failures} refused or cut off).");
            }

            await Task.Delay(20);
        }
    }

    public Task StopAsync() => stop.CancelAsync();

    public void Dispose() => stop.Dispose();

    /// <summary>Every acknowledged sign-on is in the database, with exactly one outbox row (one email).</summary>
    public async Task AssertNothingAcknowledgedLostAsync()
    {
        await using var connection = await cluster.OpenDatabaseAsync();
        var stored = (await connection.QueryAsync<(string Name, long Emails)>("""
            SELECT o.name, (SELECT count(*) FROM outbox x WHERE x.signature_id = s.id)
            FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name LIKE @prefix
            """, new { prefix = prefix + " %" })).ToDictionary(r => r.Name, r => r.Emails);
        var names = Acknowledged.Select(a => a.Name).ToList();
        TestContext.Out.WriteLine($"FIGURE {prefix}: {names.Count} acknowledged, {names.Count(n => !stored.ContainsKey(n))} missing");
        Assert.That(stored.Keys, Is.SupersetOf(names), "no acknowledged sign-on is lost");
        Assert.That(stored.Values, Has.All.EqualTo(1), "one outbox row per sign-on");
    }
}
