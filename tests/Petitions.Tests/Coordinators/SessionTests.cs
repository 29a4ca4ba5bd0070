using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Coordinators;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>Browser sessions live on the server: sign-out ends a saved cookie, idle and absolute limits hold, a clock set back extends nothing.</summary>
public class SessionTests
{
    private const string Email = "ana@coalition.example.org";
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private SteppableClock clock = null!;
    private PetitionsApp app = null!;

    [SetUp]
    public async Task StartApp()
    {
        clock = new SteppableClock(Start);
        app = new PetitionsApp(services: s => s.AddSingleton<TimeProvider>(clock));
        await app.Services.GetRequiredService<CoordinatorStore>().AddAsync(Email, "Ana", []);
    }

    [TearDown]
    public void StopApp() => app.Dispose();

    private void Advance(TimeSpan by) => clock.Set(clock.GetUtcNow() + by);

    [Test]
    public async Task ASavedCopyOfTheCookieStopsWorkingAtSignOut()
    {
        using var browser = await CoordinatorBrowser.SignInAsync(app, Email);
        using var copy = CoordinatorBrowser.WithCookie(app, browser.SessionCookie);
        using (var before = await copy.GetAsync("/coordinators"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the copy works while the session lasts");
        }

        using var signedOut = await browser.PostFormAsync("/coordinators/sign-out");
        Assert.That(signedOut.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));

        using var after = await copy.GetAsync("/coordinators");
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM coordinator_sessions WHERE revoked_at IS NOT NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task ASessionIdleForThirtyOneMinutesEnds()
    {
        using var browser = await CoordinatorBrowser.SignInAsync(app, Email);
        Advance(TimeSpan.FromMinutes(29));
        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.OK), "29 minutes idle");

        Advance(TimeSpan.FromMinutes(31));

        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.Unauthorized), "31 minutes idle");
    }

    [Test]
    public async Task TwelveHoursOfActivityEveryTenMinutesEndsAtTwelveHours()
    {
        using var browser = await CoordinatorBrowser.SignInAsync(app, Email);
        using var copy = CoordinatorBrowser.WithCookie(app, browser.SessionCookie);
        for (var minutes = 10; minutes < 12 * 60; minutes += 10)
        {
            Advance(TimeSpan.FromMinutes(10));
            Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.OK), $"after {minutes} minutes");
        }

        Advance(TimeSpan.FromMinutes(10));

        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.Unauthorized), "at 12 hours");
        using var saved = await copy.GetAsync("/coordinators");
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a copy of the first cookie, at 12 hours");
    }

    [Test]
    public async Task AClockSetBackDoesNotExtendTheTwelveHours()
    {
        using var browser = await CoordinatorBrowser.SignInAsync(app, Email);
        for (var minutes = 10; minutes <= 11 * 60 + 50; minutes += 10)
        {
            Advance(TimeSpan.FromMinutes(10));
            Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.OK), $"after {minutes} minutes");
        }

        // Set back six hours (NTP, or by hand), with requests on either side of the step.
        clock.Set(Start + TimeSpan.FromHours(6));
        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.OK), "right after the step: 11 h 50 in use");
        Advance(TimeSpan.FromMinutes(10));

        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.Unauthorized), "12 hours in use, though the clock says 6 h 10");
    }

    [Test]
    public async Task AClockSetBackDoesNotRestartTheIdleTimeout()
    {
        using var browser = await CoordinatorBrowser.SignInAsync(app, Email);
        Advance(TimeSpan.FromMinutes(20));
        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.OK));

        // Back an hour, then on to 31 minutes after the last request: idle is counted from that request.
        clock.Set(Start - TimeSpan.FromHours(1));
        clock.Set(Start + TimeSpan.FromMinutes(20 + 31));

        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
