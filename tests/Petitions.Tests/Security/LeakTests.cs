using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
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

    [Test]
    public async Task ARepeatAndANewSignOnTakeTheSameTime()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Timing Organisation", "t@timing.example.org")))
        {
        }

        var fresh = new List<double>();
        var repeat = new List<double>();
        for (var i = 0; i < 40; i++)
        {
            // Interleaved, so a noisy neighbour slows both alike.
            fresh.Add(await TimeAsync(client, SignOnClient.ValidJson($"Timing Newcomer {i}", $"n{i}@timing-new.example.org")));
            repeat.Add(await TimeAsync(client, SignOnClient.ValidJson("Timing Organisation", "t@timing.example.org")));
        }

        var difference = Math.Abs(Median(fresh) - Median(repeat));
        TestContext.Out.WriteLine($"FIGURE repeat-vs-new: median new {Median(fresh):F2} ms, repeat {Median(repeat):F2} ms");
        Assert.That(difference, Is.LessThan(15));
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
        // Stepped back two hours, then on to one second past the original day: the expiry did not move.
        clock.Set(clock.GetUtcNow() - TimeSpan.FromHours(2));
        clock.Set(new DateTimeOffset(2026, 11, 29, 12, 0, 1, TimeSpan.Zero));

        using var response = await client.PostAsJsonAsync("/api/confirmations", new { token });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
    }

    private static async Task<double> TimeAsync(HttpClient client, object body)
    {
        var watch = Stopwatch.StartNew();
        using var response = await SignOnClient.PostJsonAsync(client, body);
        watch.Stop();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
