using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Petitions.Coordinators;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>Sign-in links cannot flood a coordinator, lock them out, or tell anyone who coordinates.</summary>
public class SignInLinkTests
{
    private const string Email = "ana@coalition.example.org";

    private FakeTimeProvider clock = null!;
    private PetitionsApp app = null!;

    [SetUp]
    public async Task StartApp()
    {
        clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));
        // The per-client rate limit is off: the cap per address is what is tested.
        app = new PetitionsApp(
            settings: new Dictionary<string, string?> { ["RateLimiting:TokenAttemptsPerMinutePerIp"] = "0" },
            services: s => s.AddSingleton<TimeProvider>(clock));
        await app.Services.GetRequiredService<CoordinatorStore>().AddAsync(Email, "Ana", []);
    }

    [TearDown]
    public void StopApp() => app.Dispose();

    private async Task<int> LinksDeliveredToAsync(string address) =>
        (await Delivered.MessagesAsync(app)).Count(m => m.To.Mailboxes.Any(b => b.Address == address));

    [Test]
    public async Task FiveRequestsSendThreeLinksAndFifteenMinutesLaterOneMore()
    {
        using var browser = CoordinatorBrowser.Anonymous(app);
        for (var i = 0; i < 5; i++)
        {
            using var asked = await browser.PostFormAsync("/coordinators/sign-in", ("email", Email));
            Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await app.Services.GetRequiredService<SignInLinks>().WhenIdleAsync();
        Assert.That(await LinksDeliveredToAsync(Email), Is.EqualTo(3));

        // 15 minutes after the first three, the cap has room again.
        clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        using (var _ = await browser.PostFormAsync("/coordinators/sign-in", ("email", Email)))
        {
        }

        await app.Services.GetRequiredService<SignInLinks>().WhenIdleAsync();
        Assert.That(await LinksDeliveredToAsync(Email), Is.EqualTo(4));
    }

    [Test]
    public async Task ANewLinkLeavesTheEarlierOneValid()
    {
        using var browser = CoordinatorBrowser.Anonymous(app);
        var first = await CoordinatorBrowser.AskForALinkAsync(app, browser, Email);
        var second = await CoordinatorBrowser.AskForALinkAsync(app, browser, Email);
        Assert.That(second, Is.Not.EqualTo(first).And.Not.Empty);

        using var signedIn = await browser.PostFormAsync($"/coordinators/sign-in/{first}");

        Assert.That(signedIn.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther), "the first link, after the second was sent");
        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task TheAnswerIsTheSameForACoordinatorAndAStrangerAndWaitsForNoDatabase()
    {
        using var browser = CoordinatorBrowser.Anonymous(app);
        var page = await browser.Client.GetStringAsync("/coordinators/sign-in");
        var token = SignOnClient.Antiforgery(page);

        // Another writer holds the database: a request that looked the address up, or wrote a link,
        // would wait for it (and fail after the busy timeout). Queuing answers at once.
        byte[] coordinatorAnswer, strangerAnswer;
        HttpResponseMessage coordinatorResponse, strangerResponse;
        await using (var writer = await app.Db.OpenAsync())
        {
            await using var hold = global::Petitions.Data.Db.BeginWrite(writer);
            await writer.ExecuteAsync("UPDATE coordinators SET name = name", transaction: hold);

            coordinatorResponse = await Ask(Email);
            strangerResponse = await Ask("nobody@elsewhere.example.org");
            coordinatorAnswer = await coordinatorResponse.Content.ReadAsByteArrayAsync();
            strangerAnswer = await strangerResponse.Content.ReadAsByteArrayAsync();
        }

        using (coordinatorResponse)
        using (strangerResponse)
        {
            Assert.That(coordinatorResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(strangerResponse.StatusCode, Is.EqualTo(coordinatorResponse.StatusCode));
            Assert.That(strangerAnswer, Is.EqualTo(coordinatorAnswer), "byte for byte");
            Assert.That(Headers(strangerResponse), Is.EqualTo(Headers(coordinatorResponse)));
        }

        await app.Services.GetRequiredService<SignInLinks>().WhenIdleAsync();
        Assert.That(await LinksDeliveredToAsync(Email), Is.EqualTo(1), "the coordinator's link went out once the database was free");
        Assert.That(await LinksDeliveredToAsync("nobody@elsewhere.example.org"), Is.Zero);

        async Task<HttpResponseMessage> Ask(string email)
        {
            using var form = new FormUrlEncodedContent([new("email", email), new("__RequestVerificationToken", token)]);
            return await browser.Client.PostAsync("/coordinators/sign-in", form);
        }

        static List<string> Headers(HttpResponseMessage response) =>
            response.Headers.Concat(response.Content.Headers).Where(h => h.Key != "Date")
                .Select(h => $"{h.Key}: {string.Join(",", h.Value)}").Order(StringComparer.Ordinal).ToList();
    }

    [Test]
    public async Task ARemovedCoordinatorGetsNoLink()
    {
        await app.Services.GetRequiredService<CoordinatorStore>().RemoveAsync(Email);
        using var browser = CoordinatorBrowser.Anonymous(app);

        var token = await CoordinatorBrowser.AskForALinkAsync(app, browser, Email);

        Assert.That(token, Is.Empty);
    }
}
