using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Petitions.Tests.Support;

namespace Petitions.Tests.Security;

/// <summary>What must not leak: contact data in logs and error pages, who has signed through timing, and time itself.</summary>
public class LeakTests
{
    [Test]
    public async Task NoLogLineOrErrorPageCarriesAContactsNameEmailOrAToken()
    {
        var logs = new CapturedLogs();
        await using var smtp = await SmtpServer.StartNewAsync();
        using var app = new PetitionsApp(
            settings: smtp.AppSettings(),
            services: s => s.AddSingleton<ILoggerProvider>(logs));
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        smtp.SetMode(SmtpMode.PermFail);
        var body = SignOnClient.ValidJson("Marker Organisation", "zz.marker.person@marker.example.org");
        body["contactName"] = "Zelda Markerperson";

        using (var _ = await SignOnClient.PostJsonAsync(client, body))
        {
        }

        for (var i = 0; i < 100 && !logs.Lines.Any(l => l.Contains("failed permanently", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(100);
        }

        using (var _ = await client.GetAsync("/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        {
        }

        using var badJson = await client.PostAsync("/api/petitions/iap-2017/signatures",
            new StringContent("{\"contactEmail\": \"zz.marker.person@marker.example.org\", \"consent\": \"x\"}", System.Text.Encoding.UTF8, "application/json"));
        var errorPage = await badJson.Content.ReadAsStringAsync();

        Assert.That(logs.Lines.Any(l => l.Contains("failed permanently", StringComparison.Ordinal)), Is.True, "the failure was logged");
        Assert.That(logs.Lines, Has.None.Contains("zz.marker.person"));
        Assert.That(logs.Lines, Has.None.Contains("Markerperson"));
        Assert.That(errorPage, Does.Not.Contain("zz.marker.person"));
    }

    // Not timed (a shared machine's noise is larger than the difference that matters): a repeat
    // does what a new sign-on does, so it cannot be told apart by its time. The same answer, byte
    // for byte, and the same writing: one email queued and one fresh link, in a committed write.
    [Test]
    public async Task ARepeatAndANewSignOnGetTheSameAnswerAndDoTheSameWork()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var first = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson($"Timing Organisation {i}", $"t{i}@timing.example.org"));
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var fresh = new List<(string Answer, (long Outbox, long Tokens) Work)>();
        var repeat = new List<(string Answer, (long Outbox, long Tokens) Work)>();
        for (var i = 0; i < 3; i++)
        {
            fresh.Add(await SignOnWithWorkAsync(app, client, SignOnClient.ValidJson($"Timing Newcomer {i}", $"n{i}@timing-new.example.org")));
            repeat.Add(await SignOnWithWorkAsync(app, client, SignOnClient.ValidJson($"Timing Organisation {i}", $"t{i}@timing.example.org")));
        }

        Assert.That(fresh.Select(f => f.Answer).Distinct().ToList(), Has.Count.EqualTo(1), "every new sign-on gets the same answer");
        Assert.That(repeat.Select(r => r.Answer), Has.All.EqualTo(fresh[0].Answer), "a repeat gets it too, byte for byte");
        Assert.That(fresh.Select(f => f.Work), Has.All.EqualTo((1L, 1L)), "a new sign-on queues one email and issues one link");
        Assert.That(repeat.Select(r => r.Work), Has.All.EqualTo((1L, 1L)), "so does a repeat: the same work, not a shortcut");
    }

    /// <returns>The answer (status, content headers and body) and how many outbox rows and links it added.</returns>
    private static async Task<(string Answer, (long Outbox, long Tokens) Work)> SignOnWithWorkAsync(PetitionsApp app, HttpClient client, object body)
    {
        var before = await WorkAsync(app);
        using var response = await SignOnClient.PostJsonAsync(client, body);
        var after = await WorkAsync(app);
        var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key != "Date")
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}").Order(StringComparer.Ordinal));
        var answer = $"{(int)response.StatusCode}\n{headers}\n\n{await response.Content.ReadAsStringAsync()}";
        return (answer, (after.Outbox - before.Outbox, after.Tokens - before.Tokens));
    }

    private static async Task<(long Outbox, long Tokens)> WorkAsync(PetitionsApp app)
    {
        await using var connection = await app.Db.OpenAsync();
        return (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox"), await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM tokens"));
    }

    [Test]
    public async Task AClockSteppedBackDoesNotExtendAToken()
    {
        var clock = new SteppableClock(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        using var app = new PetitionsApp(services: s => s.AddSingleton<TimeProvider>(clock));
        using var client = app.CreateClient();
        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Clock Organisation", "c@clock.example.org")))
        {
        }

        var token = (await Delivered.TokensAsync(app))[0];
        // Stepped back two hours, and the app sees that time: the link is looked at then (still valid).
        clock.Set(clock.GetUtcNow() - TimeSpan.FromHours(2));
        using (var opened = await client.GetAsync($"/confirm/{token}"))
        {
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the link works while the clock is back");
        }

        // Then on to one second past the original day: the expiry did not move.
        clock.Set(new DateTimeOffset(2026, 11, 29, 12, 0, 1, TimeSpan.Zero));

        using var response = await client.PostAsJsonAsync("/api/confirmations", new { token });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
    }

}
