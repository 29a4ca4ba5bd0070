using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

public partial class ConfirmationTests
{
    private FakeTimeProvider clock = null!;
    private CapturedLogs logs = null!;
    private PetitionsApp app = null!;
    private HttpClient client = null!;

    [SetUp]
    public void StartApp()
    {
        clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));
        logs = new CapturedLogs();
        app = new PetitionsApp(services: s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddSingleton<ILoggerProvider>(logs);
        });
        client = app.CreateClient(new() { AllowAutoRedirect = false });
    }

    [TearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
        logs.Dispose();
    }

    private async Task<string> SignAndGetTokenAsync(string organisation = "Confirming Organisation", string email = "c@confirming.example.org")
    {
        using var response = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson(organisation, email));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        return (await Delivered.TokensAsync(app))[^1];
    }

    private Task<HttpResponseMessage> ConfirmAsync(string token) => client.PostAsJsonAsync("/api/confirmations", new { token });

    private async Task<string> StatusAsync(string organisation = "Confirming Organisation")
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<string>(
            "SELECT s.status FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = @organisation", new { organisation }) ?? "";
    }

    [Test]
    public async Task OpeningTheLinkShowsTheLetterAndAButtonButConfirmsNothing()
    {
        var token = await SignAndGetTokenAsync();

        using var response = await client.GetAsync($"/confirm/{token}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain("Petition to the International Association of Prosecutors"));
        Assert.That(html, Does.Contain("<button type=\"submit\">Confirm the signature</button>"));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(response.Headers.GetValues("Referrer-Policy"), Is.EqualTo(new[] { "no-referrer" }));
        Assert.That(await StatusAsync(), Is.EqualTo("pending"));
    }

    [Test]
    public async Task ThePostOfTheConfirmPageListsTheOrganisation()
    {
        var token = await SignAndGetTokenAsync();
        var page = await client.GetStringAsync($"/confirm/{token}");
        var antiforgery = SignOnClient.Antiforgery(page);

        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", antiforgery)]);
        using var response = await client.PostAsync($"/confirm/{token}", form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Thank you: the signature is confirmed"));
        Assert.That(await StatusAsync(), Is.EqualTo("listed"));
        var signatories = await client.GetStringAsync("/api/petitions/iap-2017/signatories");
        Assert.That(signatories, Does.Contain("\"organisation\":\"Confirming Organisation\""));
    }

    [Test]
    public async Task ThePostOfTheConfirmPageNeedsItsAntiforgeryToken()
    {
        var token = await SignAndGetTokenAsync();

        using var form = new FormUrlEncodedContent([]);
        using var response = await client.PostAsync($"/confirm/{token}", form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StatusAsync(), Is.EqualTo("pending"));
    }

    [Test]
    public async Task TheApiConfirmsOnceThenTheTokenIsUnknown()
    {
        var token = await SignAndGetTokenAsync();

        using var first = await ConfirmAsync(token);
        using var second = await ConfirmAsync(token);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString(), Is.EqualTo("listed"));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [TestCase("")]
    [TestCase("not-a-token")]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task AnUnknownTokenIs404(string token)
    {
        using var response = await ConfirmAsync(token);

        Assert.That(response.StatusCode, Is.EqualTo(token.Length == 0 ? HttpStatusCode.BadRequest : HttpStatusCode.NotFound));
    }

    [Test]
    public async Task ATokenWorksOneSecondBeforeItsDayIsOver()
    {
        var token = await SignAndGetTokenAsync();
        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));

        using var response = await ConfirmAsync(token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ATokenIsGoneOneSecondAfterItsDayIsOver()
    {
        var token = await SignAndGetTokenAsync();
        clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));

        using var api = await ConfirmAsync(token);
        using var page = await client.GetAsync($"/confirm/{token}");

        Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(await StatusAsync(), Is.EqualTo("pending"));
    }

    [Test]
    public async Task ALetterThatRequiresReviewConfirmsToConfirmedNotListed()
    {
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE petitions SET requires_review = true");
        }

        var token = await SignAndGetTokenAsync();
        using var response = await ConfirmAsync(token);

        Assert.That(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString(), Is.EqualTo("confirmed"));
        Assert.That(await client.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Not.Contain("Confirming Organisation"));
    }

    [Test]
    public async Task OnlyTheHashOfATokenIsStored()
    {
        var token = await SignAndGetTokenAsync();

        await using var connection = await app.Db.OpenAsync();
        var hashes = (await connection.QueryAsync<byte[]>("SELECT hash FROM tokens")).ToList();
        var everything = string.Join('\n', await connection.QueryAsync<string>(
            "SELECT coalesce(text_body, '') || coalesce(html_body, '') FROM outbox"));

        Assert.That(hashes, Has.Member(SHA256.HashData(Base64Url.DecodeFromChars(token))));
        Assert.That(hashes.Select(h => h.Length), Has.All.EqualTo(32));
        Assert.That(everything, Does.Not.Contain(token), "the email's copy is cleared once it is sent");
    }

    [Test]
    public async Task ConfirmingSendsTheYouAreListedEmail()
    {
        var token = await SignAndGetTokenAsync();
        using var _ = await ConfirmAsync(token);

        var messages = await Delivered.MessagesAsync(app);

        Assert.That(messages.Select(m => m.Subject), Is.EqualTo(new[]
        {
            "Confirm your signature: Petition to the International Association of Prosecutors",
            "Signed: Petition to the International Association of Prosecutors",
        }));
        Assert.That(messages[1].TextBody, Does.Contain("Confirming Organisation is now listed"));
        Assert.That(messages[1].HtmlBody, Does.Contain("Confirming Organisation is now listed"));
    }

    [Test]
    public async Task TokensAndLinksNeverAppearInTheLogs()
    {
        var token = await SignAndGetTokenAsync();
        using var _ = await client.GetAsync($"/confirm/{token}");
        using var __ = await ConfirmAsync(token);
        using var ___ = await ConfirmAsync(token);
        await Delivered.MessagesAsync(app);

        Assert.That(logs.Lines, Is.Not.Empty, "the capture works");
        Assert.That(logs.Lines, Has.None.Contains(token));
        Assert.That(logs.Lines, Has.None.Contains("/confirm/"));
    }

}
