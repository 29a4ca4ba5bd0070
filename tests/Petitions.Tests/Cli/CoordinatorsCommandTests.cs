using System.Net;
using System.Net.Http.Headers;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Petitions.Coordinators;
using Petitions.Tests.Support;
using Coordinator = Petitions.Tests.Support.Coordinator;

namespace Petitions.Tests.Cli;

/// <summary>`coordinators revoke` and `remove` end tokens and browser sessions of a running service; tokens expire.</summary>
public class CoordinatorsCommandTests
{
    private const string Email = "ana@coalition.example.org";

    private PetitionsApp app = null!;

    [SetUp]
    public void StartApp()
    {
        app = new PetitionsApp();
        app.CreateClient().Dispose();
    }

    [TearDown]
    public void StopApp() => app.Dispose();

    private HttpClient WithToken(string token)
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path = "/api/petitions/iap-2017/signatures")
    {
        using var response = await client.GetAsync(path);
        return response.StatusCode;
    }

    private async Task<string> TokenAsync()
    {
        var (_, token) = await app.Services.GetRequiredService<CoordinatorStore>().AddAsync(Email, "Ana", []);
        return token;
    }

    [Test]
    public async Task RevokeByEmailEndsEveryTokenAndSessionOfThatCoordinator()
    {
        using var bearer = WithToken(await TokenAsync());
        using var browser = await CoordinatorBrowser.SignInAsync(app, Email);
        using var other = await Coordinator.ClientAsync(app, "other@coalition.example.org");
        Assert.That(await StatusAsync(bearer), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.OK));

        var result = await CliProcess.RunAsync(app.DatabasePath, "coordinators", "revoke", Email);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain("revoked 1 API token(s) and 1 session(s)"));
        Assert.That(await StatusAsync(bearer), Is.EqualTo(HttpStatusCode.Unauthorized), "the token");
        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.Unauthorized), "the session");
        Assert.That(await StatusAsync(other), Is.EqualTo(HttpStatusCode.OK), "another coordinator's token");
    }

    [Test]
    public async Task RevokeByPrefixEndsThatTokenOnly()
    {
        var first = await TokenAsync();
        var second = await TokenAsync();
        using var firstClient = WithToken(first);
        using var secondClient = WithToken(second);

        var result = await CliProcess.RunAsync(app.DatabasePath, "coordinators", "revoke", first[..8]);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(await StatusAsync(firstClient), Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await StatusAsync(secondClient), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task RemovedCoordinatorsCanNoLongerActAndTheHistoryStillNamesThem()
    {
        using var bearer = WithToken(await TokenAsync());
        using var browser = await CoordinatorBrowser.SignInAsync(app, Email);
        var id = await Coordinator.SignatureInStateAsync(app, "confirmed");
        using (var approved = await bearer.PostAsync($"/api/petitions/iap-2017/signatures/{id}/approve", null))
        {
            Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var result = await CliProcess.RunAsync(app.DatabasePath, "coordinators", "remove", Email);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(await StatusAsync(bearer), Is.EqualTo(HttpStatusCode.Unauthorized), "the token");
        Assert.That(await browser.StatusOfAsync("/coordinators"), Is.EqualTo(HttpStatusCode.Unauthorized), "the session");
        var links = (await Delivered.TokensAsync(app, "coordinators/sign-in")).Count;
        using (var anonymous = CoordinatorBrowser.Anonymous(app))
        {
            await CoordinatorBrowser.AskForALinkAsync(app, anonymous, Email);
        }

        Assert.That(await Delivered.TokensAsync(app, "coordinators/sign-in"), Has.Count.EqualTo(links), "no new sign-in link");
        await using var connection = await app.Db.OpenAsync();
        var coordinatorId = await connection.ExecuteScalarAsync<long>("SELECT id FROM coordinators WHERE email = @Email", new { Email });
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT actor FROM events WHERE signature_id = @id AND to_status = 'listed'", new { id }),
            Is.EqualTo($"coordinator:{coordinatorId}"));
    }

    [Test]
    public async Task ATokenExpiresAfterTheDaysItWasGiven()
    {
        var result = await CliProcess.RunAsync(app.DatabasePath, "coordinators", "add", Email, "--expires-days", "2");
        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var token = result.Output.TrimEnd('\n').Split('\n')[^1];
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var later = new PetitionsApp(app.DatabasePath, services: s => s.AddSingleton<TimeProvider>(clock));
        using var client = later.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        clock.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(5));
        Assert.That(await StatusAsync(client), Is.EqualTo(HttpStatusCode.OK), "a day and 23 hours on");
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.That(await StatusAsync(client), Is.EqualTo(HttpStatusCode.Unauthorized), "two days on");
    }

    [TestCase(new[] { "coordinators", "revoke" }, "revoke needs a TOKEN-PREFIX or an EMAIL")]
    [TestCase(new[] { "coordinators", "revoke", "abc" }, "at least 8 characters")]
    [TestCase(new[] { "coordinators", "revoke", "AAAAAAAAAA" }, "no live token starts with")]
    [TestCase(new[] { "coordinators", "revoke", "nobody@elsewhere.example.org" }, "no coordinator nobody@elsewhere.example.org")]
    [TestCase(new[] { "coordinators", "revoke", "a@b.example.org", "--name", "X" }, "revoke takes no option --name")]
    [TestCase(new[] { "coordinators", "remove" }, "remove needs an EMAIL")]
    [TestCase(new[] { "coordinators", "remove", "not-an-email" }, "is not an email address")]
    [TestCase(new[] { "coordinators", "remove", "nobody@elsewhere.example.org" }, "no coordinator nobody@elsewhere.example.org")]
    [TestCase(new[] { "coordinators", "add", "a@b.example.org", "--expires-days", "0" }, "--expires-days must be a whole number of days from 1 to 3650")]
    [TestCase(new[] { "coordinators", "add", "a@b.example.org", "--expires-days", "soon" }, "--expires-days must be a whole number")]
    public async Task BadArgumentsAreOneLineOnStandardErrorAndExitCodeTwo(string[] args, string message)
    {
        var result = await CliProcess.RunAsync(app.DatabasePath, args);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output, Is.Empty);
        var errorLines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("info:", StringComparison.Ordinal) && !l.StartsWith("      ", StringComparison.Ordinal)).ToList();
        Assert.That(errorLines, Has.Count.EqualTo(1), result.Error);
        Assert.That(errorLines[0], Does.Contain(message));
    }
}
