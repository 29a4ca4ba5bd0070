using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Coordinators;
using Petitions.Data;
using Petitions.Privacy;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.MultiNode;

/// <summary>What one node gives or counts, the other honours: keys, sessions, rate limits, caps, the purge.</summary>
[Category("MultiNode")]
public class SharedStateAcrossNodesTests
{
    private const string CoordinatorEmail = "ana@coalition.example.org";

    [Test]
    public async Task AFormServedByOneNodePostsToTheOther()
    {
        await using var nodes = await Nodes.StartAsync();
        using var a = nodes.A.CreateClient(new() { HandleCookies = false });
        using var b = nodes.B.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        using var page = await a.GetAsync("/coordinators/sign-in");
        var token = SignOnClient.Antiforgery(await page.Content.ReadAsStringAsync());
        var cookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)).Split(';')[0];

        using var posted = await PostAsync(b, "/coordinators/sign-in", cookie, ("email", CoordinatorEmail), ("__RequestVerificationToken", token));
        using var forged = await PostAsync(b, "/coordinators/sign-in", cookie, ("email", CoordinatorEmail), ("__RequestVerificationToken", token[..^4] + "AAAA"));

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.OK), "B reads the token A signed");
        Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "and still checks it");
        await using var connection = await nodes.A.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM data_protection_keys"), Is.EqualTo(1), "one key ring, in the database");
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string cookie, params (string Name, string Value)[] fields)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        };
        post.Headers.Add("Cookie", cookie);
        return await client.SendAsync(post);
    }

    [Test]
    public async Task ACoordinatorsCookieFromOneNodeWorksOnTheOtherUntilSignOutOnEither()
    {
        await using var nodes = await Nodes.StartAsync();
        await nodes.A.Services.GetRequiredService<CoordinatorStore>().AddAsync(CoordinatorEmail, "Ana", []);
        using var browser = await CoordinatorBrowser.SignInAsync(nodes.A, CoordinatorEmail);
        using var onB = CoordinatorBrowser.WithCookie(nodes.B, browser.SessionCookie);
        using (var before = await onB.GetAsync("/coordinators"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK), "A's cookie works on B");
        }

        using (var signedOut = await browser.PostFormAsync("/coordinators/sign-out"))
        {
            Assert.That(signedOut.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        }

        using var after = await onB.GetAsync("/coordinators");
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the session ended on A is refused on B");
    }

    [Test]
    public async Task TheSignOnLimitCountsSignOnsOnEveryNode()
    {
        // Mid-minute, held there: the five and the sixth fall in one window.
        var clock = new SteppableClock(new DateTimeOffset(2026, 12, 1, 10, 0, 30, TimeSpan.Zero));
        await using var nodes = await Nodes.StartAsync(
            new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "5" }, s => s.AddSingleton<TimeProvider>(clock));
        using var a = nodes.A.CreateClient();
        using var b = nodes.B.CreateClient();
        for (var i = 1; i <= 5; i++)
        {
            using var accepted = await SignOnClient.PostJsonAsync(a, SignOnClient.ValidJson($"Limited Organisation {i}", $"person{i}@limited{i}.example.org"));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), $"sign-on {i} on A");
        }

        using var refused = await SignOnClient.PostJsonAsync(b, SignOnClient.ValidJson("Limited Organisation 6", "person6@limited6.example.org"));

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "the sixth, on B");
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(30)), "until the window ends");
        await using var connection = await nodes.A.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM signatures WHERE contact_email LIKE 'person%'"), Is.EqualTo(5), "nothing stored for the sixth");
    }

    [Test]
    public async Task TheRecipientEmailCapCountsEmailsQueuedThroughEveryNode()
    {
        await using var nodes = await Nodes.StartAsync();
        using var a = nodes.A.CreateClient();
        using var b = nodes.B.CreateClient();
        const string email = "many@capped.example.org";
        for (var i = 1; i <= SignOn.MaxSignOnEmailsPerRecipientPerDay + 1; i++)
        {
            using var accepted = await SignOnClient.PostJsonAsync(i % 2 == 0 ? b : a, SignOnClient.ValidJson($"Capped Organisation {i}", email));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), $"sign-on {i}");
        }

        await using var connection = await nodes.A.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE to_address = @email", new { email }),
            Is.EqualTo(SignOn.MaxSignOnEmailsPerRecipientPerDay), "A and B together reach the cap once");
    }

    [Test]
    public async Task TheRecipientEmailCapHoldsForSignOnsArrivingAtEveryNodeAtOnce()
    {
        // Each node batches its sign-ons in one transaction: without a lock across nodes, each would see
        // none of the other's emails and both would queue up to the cap.
        await using var nodes = await Nodes.StartAsync(new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "0" });
        using var a = nodes.A.CreateClient();
        using var b = nodes.B.CreateClient();
        const string email = "together@capped.example.org";
        var answers = await Task.WhenAll(Enumerable.Range(1, 24).Select(async i =>
        {
            using var answer = await SignOnClient.PostJsonAsync(i % 2 == 0 ? b : a, SignOnClient.ValidJson($"Together Organisation {i}", email));
            return answer.StatusCode;
        }));

        Assert.That(answers, Is.All.EqualTo(HttpStatusCode.Accepted));
        await using var connection = await nodes.A.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE to_address = @email", new { email }),
            Is.EqualTo(SignOn.MaxSignOnEmailsPerRecipientPerDay), "24 sign-ons at once through two nodes queue the cap's emails, no more");
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM signatures WHERE contact_email = @email", new { email }),
            Is.EqualTo(24), "every sign-on is stored");
    }

    [Test]
    public async Task TheSignInLinkCapCountsLinksAskedOfEveryNode()
    {
        await using var nodes = await Nodes.StartAsync();
        var (coordinator, _) = await nodes.A.Services.GetRequiredService<CoordinatorStore>().AddAsync(CoordinatorEmail, "Ana", []);
        foreach (var node in new[] { nodes.A, nodes.B, nodes.A, nodes.B, nodes.B })
        {
            using var browser = CoordinatorBrowser.Anonymous(node);
            using var asked = await browser.PostFormAsync("/coordinators/sign-in", ("email", CoordinatorEmail));
            Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await node.Services.GetRequiredService<SignInLinks>().WhenIdleAsync();
        }

        await using var connection = await nodes.A.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM tokens WHERE subject_id = @id AND purpose = @purpose",
            new { id = coordinator.Id, purpose = Tokens.SignIn }), Is.EqualTo(SignInLinks.MaxLinks), "three links in all, asked of two nodes");
    }

    [Test]
    public async Task OnlyTheNodeHoldingThePurgeLockPurges()
    {
        await using var nodes = await Nodes.StartAsync();
        var stale = await Support.Coordinator.SignatureInStateAsync(nodes.A, "pending", "Forgotten Organisation", "gone@forgotten.example.org");
        await using var holder = await nodes.Database.OpenAsync();
        await holder.ExecuteAsync("UPDATE signatures SET signed_at = @at WHERE id = @stale", new { at = Time.Format(DateTimeOffset.UtcNow.AddDays(-30)), stale });
        await holder.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = Purge.LockKey });

        Assert.That(await nodes.B.Services.GetRequiredService<Purge>().RunOnceAsync(), Is.EqualTo(0), "another node holds the lock");
        Assert.That(await holder.ExecuteScalarAsync<long>("SELECT count(*) FROM signatures WHERE id = @stale", new { stale }), Is.EqualTo(1));

        await holder.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = Purge.LockKey });
        Assert.That(await nodes.B.Services.GetRequiredService<Purge>().RunOnceAsync(), Is.EqualTo(1), "free again: B purges");
        Assert.That(await holder.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@key)", new { key = Purge.LockKey }), Is.True, "B let the lock go");
    }
}
