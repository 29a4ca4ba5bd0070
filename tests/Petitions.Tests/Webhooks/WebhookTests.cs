using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Petitions.Webhooks;
using Petitions.Tests.Support;

namespace Petitions.Tests.Webhooks;

/// <summary>
/// Webhooks end to end: subscriptions through the API, deliveries to a real receiver on 127.0.0.1 that
/// checks the HMAC and the timestamp, retries, redirects, disabling after a day (the fake clock), the
/// two consents for contact data, and letter.closed once.
/// </summary>
public class WebhookTests() : ClockedAppWithCoordinator(Start)
{
    private const string Secret = "a-shared-secret-of-some-length";
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private WebhookReceiver receiver = null!;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Webhooks:AllowPrivateAddresses"] = "true" };

    [SetUp]
    public void StartReceiver() => receiver = new WebhookReceiver();

    [TearDown]
    public void StopReceiver() => receiver.Dispose();

    private async Task<JsonElement> SubscribeAsync(string path, string[] events, bool includeContact = false, string slug = SignOnClient.Slug)
    {
        using var response = await coordinator.PostAsJsonAsync($"/api/petitions/{slug}/webhooks",
            new { url = receiver.Url(path), events, secret = Secret, includeContact });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> SubscriptionAsync(long id, string slug = SignOnClient.Slug) =>
        (await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/{slug}/webhooks")).EnumerateArray().Single(s => s.GetProperty("id").GetInt64() == id);

    private async Task SignAsync(string organisation, string email, bool shareContact = false, bool confirm = false)
    {
        var body = SignOnClient.ValidJson(organisation, email);
        body["shareContact"] = shareContact;
        using (var signed = await SignOnClient.PostJsonAsync(visitor, body))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        if (confirm)
        {
            var token = (await Delivered.TokensAsync(app))[^1];
            using var confirmed = await visitor.PostAsJsonAsync("/api/confirmations", new { token });
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
    }

    private async Task<long> ScalarAsync(string sql, object? parameters = null)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql, parameters);
    }

    /// <summary>Waits until the database says what the dispatcher recorded.</summary>
    private async Task UntilAsync(string sql, long expected, object? parameters = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await ScalarAsync(sql, parameters) != expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{sql} did not reach {expected}.");
            }

            await Task.Delay(50);
        }
    }

    [Test]
    public async Task ASubscriptionIsCreatedListedAndRemovedAndItsSecretIsNeverShownOrStoredAsSent()
    {
        using var created = await coordinator.PostAsJsonAsync("/api/petitions/iap-2017/webhooks",
            new { url = receiver.Url("/crm"), events = new[] { "signature.listed", "letter.closed" }, secret = Secret });
        var text = await created.Content.ReadAsStringAsync();

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
        Assert.That(text, Does.Not.Contain(Secret));
        var subscription = JsonDocument.Parse(text).RootElement;
        var id = subscription.GetProperty("id").GetInt64();
        Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/api/petitions/iap-2017/webhooks/{id}"));
        Assert.That(subscription.GetProperty("state").GetString(), Is.EqualTo("active"));
        Assert.That(subscription.GetProperty("events").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "signature.listed", "letter.closed" }));
        Assert.That(subscription.GetProperty("includeContact").GetBoolean(), Is.False);
        Assert.That(subscription.TryGetProperty("secret", out _), Is.False);
        var listed = await coordinator.GetStringAsync("/api/petitions/iap-2017/webhooks");
        Assert.That(listed, Does.Contain(receiver.Url("/crm")).And.Not.Contain(Secret));
        await using (var connection = await app.Db.OpenAsync())
        {
            var stored = await connection.ExecuteScalarAsync<string>("SELECT secret FROM webhook_subscriptions WHERE id = @id", new { id });
            Assert.That(stored, Does.Not.Contain(Secret), "kept as Data Protection's ciphertext");
        }

        Assert.That(await ScalarAsync("SELECT webhooks FROM petitions WHERE slug = 'iap-2017'"), Is.EqualTo(1));

        using var removed = await coordinator.DeleteAsync($"/api/petitions/iap-2017/webhooks/{id}");
        using var again = await coordinator.DeleteAsync($"/api/petitions/iap-2017/webhooks/{id}");

        Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await coordinator.GetStringAsync("/api/petitions/iap-2017/webhooks"), Is.EqualTo("[]"));
        Assert.That(await ScalarAsync("SELECT webhooks FROM petitions WHERE slug = 'iap-2017'"), Is.EqualTo(0));
    }

    [TestCase("not an address", "signature.listed", Secret, "url")]
    [TestCase("ftp://127.0.0.1/x", "signature.listed", Secret, "url")]
    [TestCase("", "signature.listed", Secret, "url")]
    [TestCase("http://127.0.0.1/x", "signature.confirmed", Secret, "events")]
    [TestCase("http://127.0.0.1/x", null, Secret, "events")]
    [TestCase("http://127.0.0.1/x", "signature.listed", "fifteen-chars..", "secret")]
    [TestCase("http://127.0.0.1/x", "signature.listed", null, "secret")]
    public async Task ABadFieldIs400NamingItAndStoresNothing(string url, string? @event, string? secret, string field)
    {
        using var response = await coordinator.PostAsJsonAsync("/api/petitions/iap-2017/webhooks",
            new { url, events = @event is null ? Array.Empty<string>() : new[] { @event }, secret });
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.That(errors.EnumerateObject().Select(e => e.Name), Is.EqualTo(new[] { field }), text);
        Assert.That(await ScalarAsync("SELECT count(*) FROM webhook_subscriptions"), Is.EqualTo(0));
    }

    [Test]
    public async Task WithoutSubscriptionsASignOnQueuesNoDelivery()
    {
        await SignAsync("Quiet Organisation", "q@quiet.example.org", confirm: true);

        Assert.That(await ScalarAsync("SELECT webhooks FROM petitions WHERE slug = 'iap-2017'"), Is.EqualTo(0));
        Assert.That(await ScalarAsync("SELECT count(*) FROM webhook_deliveries"), Is.EqualTo(0));
    }

    [Test]
    public async Task APartnersSubscriptionReceivesOnlyTheSignOnsItsLinkBroughtAndIsTheOnlyOneItsCoordinatorSees()
    {
        using (var added = await coordinator.PostAsJsonAsync("/api/petitions/iap-2017/partners", new { code = "acme", name = "Acme Network" }))
        {
            Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.Created), await added.Content.ReadAsStringAsync());
        }

        var letterWide = await SubscribeAsync("/coalition", ["signature.pending"]);
        var letterId = await ScalarAsync("SELECT id FROM petitions WHERE slug = 'iap-2017'");
        var (_, token) = await app.Services.GetRequiredService<global::Petitions.Coordinators.CoordinatorStore>()
            .AddAsync("crm@acme.example.org", null, [letterId], "acme");
        using var partner = app.CreateClient();
        partner.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var subscribed = await partner.PostAsJsonAsync("/api/petitions/iap-2017/webhooks",
            new { url = receiver.Url("/acme"), events = new[] { "signature.pending" }, secret = Secret });
        var own = await subscribed.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(subscribed.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(own.GetProperty("partner").GetString(), Is.EqualTo("acme"));
        var seen = await partner.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/webhooks");
        Assert.That(seen.EnumerateArray().Select(w => w.GetProperty("id").GetInt64()), Is.EqualTo(new[] { own.GetProperty("id").GetInt64() }),
            "the letter's own subscription is not the partner's to see");
        var letterWideId = letterWide.GetProperty("id").GetInt64();
        using (var deleted = await partner.DeleteAsync($"/api/petitions/iap-2017/webhooks/{letterWideId}"))
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "nor to remove");
        }

        var body = SignOnClient.ValidJson("Brought By Acme", "a@brought.example.org");
        body["ref"] = "acme";
        using (var signed = await SignOnClient.PostJsonAsync(visitor, body))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await SignAsync("Came On Its Own", "o@own.example.org");

        var coalition = await receiver.WaitForAsync(2, "/coalition");
        var acme = await receiver.WaitForAsync(1, "/acme");
        Assert.That(coalition.Select(d => d.Json.GetProperty("signature").GetProperty("organisation").GetString()),
            Is.EquivalentTo(new[] { "Brought By Acme", "Came On Its Own" }));
        Assert.That(acme.Single().Json.GetProperty("signature").GetProperty("organisation").GetString(), Is.EqualTo("Brought By Acme"));
        Assert.That(acme.Single().Json.GetProperty("signature").GetProperty("ref").GetString(), Is.EqualTo("acme"));
        Assert.That(await ScalarAsync("SELECT count(*) FROM webhook_deliveries d JOIN webhook_subscriptions w ON w.id = d.subscription_id WHERE w.partner_id IS NOT NULL"),
            Is.EqualTo(1), "nothing was queued for the partner of the sign-on that came on its own");

        // The partner removed: its subscriptions go, and its coordinator cannot make one that would be the whole letter's.
        using (var removed = await coordinator.DeleteAsync("/api/petitions/iap-2017/partners/acme"))
        {
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        Assert.That(await ScalarAsync("SELECT count(*) FROM webhook_subscriptions WHERE partner_id IS NOT NULL"), Is.Zero);
        using var refused = await partner.PostAsJsonAsync("/api/petitions/iap-2017/webhooks",
            new { url = receiver.Url("/acme"), events = new[] { "signature.pending" }, secret = Secret });
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), await refused.Content.ReadAsStringAsync());
        Assert.That(await ScalarAsync("SELECT count(*) FROM webhook_subscriptions"), Is.EqualTo(1), "only the letter's own");
        Assert.That(await ScalarAsync("SELECT webhooks FROM petitions WHERE slug = 'iap-2017'"), Is.EqualTo(1));
    }

    [Test]
    public async Task ImportedOrganisationsAreDeliveredAsListedAndMergedOnesAreNot()
    {
        await SubscribeAsync("/import", ["signature.listed"]);
        using var list = new StringContent("Amnesty International, London\nFirst Imported Network, Tbilisi\nSecond Imported Network, Yerevan\n",
            Encoding.UTF8, "text/plain");

        using var imported = await coordinator.PostAsync("/api/petitions/iap-2017/signatures/import", list);
        var result = await imported.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(result.GetProperty("imported").GetInt32(), Is.EqualTo(2), await imported.Content.ReadAsStringAsync());
        Assert.That(result.GetProperty("merged").GetInt32(), Is.EqualTo(1), "Amnesty International signed already");
        var received = await receiver.WaitForAsync(2, "/import");
        Assert.That(received.Select(d => d.Json.GetProperty("signature").GetProperty("organisation").GetString()),
            Is.EquivalentTo(new[] { "First Imported Network", "Second Imported Network" }));
        Assert.That(received.Select(d => d.Event), Has.All.EqualTo("signature.listed"));
        Assert.That(await ScalarAsync("SELECT count(*) FROM webhook_deliveries"), Is.EqualTo(2), "nothing for the row merged into its signature");
    }

    [Test]
    public async Task EachDeliveryIsSignedOverItsExactBodyWithATimestampInsideAndNoContactByDefault()
    {
        await SubscribeAsync("/crm", ["signature.pending", "signature.listed"], includeContact: true);

        await SignAsync("Signed Organisation", "s@signed.example.org", shareContact: false, confirm: true);

        var received = await receiver.WaitForAsync(2, "/crm");
        Assert.That(received.Select(r => r.Event), Is.EquivalentTo(new[] { "signature.pending", "signature.listed" }));
        foreach (var delivery in received)
        {
            Assert.That(delivery.IsSignedWith(Secret), Is.True, "HMAC-SHA256 of the exact bytes with the secret");
            Assert.That(delivery.IsSignedWith(Secret + "x"), Is.False);
            Assert.That(delivery.Signature, Does.Match("^sha256=[0-9a-f]{64}$"));
            Assert.That(delivery.ContentType, Does.StartWith("application/json"));
            var json = delivery.Json;
            Assert.That(delivery.Timestamp, Is.EqualTo(json.GetProperty("timestamp").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)),
                "the timestamp header is inside the signed body, so a replay shows its age");
            Assert.That(json.GetProperty("timestamp").GetInt64(), Is.EqualTo(clock.GetUtcNow().ToUnixTimeSeconds()).Within(5));
            Assert.That(delivery.DeliveryId, Is.EqualTo(json.GetProperty("delivery_id").GetString()).And.Not.Empty);
            Assert.That(json.GetProperty("event").GetString(), Is.EqualTo(delivery.Event));
            Assert.That(json.GetProperty("letter").GetProperty("slug").GetString(), Is.EqualTo("iap-2017"));
            var signature = json.GetProperty("signature");
            Assert.That(signature.GetProperty("status").GetString(), Is.EqualTo(delivery.Event!["signature.".Length..]));
            Assert.That(signature.GetProperty("organisation").GetString(), Is.EqualTo("Signed Organisation"));
            Assert.That(signature.GetProperty("city").GetString(), Is.EqualTo("Utrecht"));
            Assert.That(signature.GetProperty("country").GetString(), Is.EqualTo("NL"));
            Assert.That(signature.GetProperty("identifiers")[0].GetString(), Does.StartWith("petitions:"));
            Assert.That(signature.GetProperty("created_date").GetString(), Is.EqualTo("2026-12-06T12:00:00Z"));
            Assert.That(signature.TryGetProperty("person", out _), Is.False, "the signer did not agree to share its contact");
            Assert.That(Encoding.UTF8.GetString(delivery.Body), Does.Not.Contain("s@signed.example.org").And.Not.Contain("Anna de Vries"));
        }

        Assert.That(received.Select(r => r.DeliveryId).Distinct().Count(), Is.EqualTo(2));
    }

    [Test]
    public async Task ContactDataGoesOnlyWhereTheSubscriptionAskedTheSignerTickedTheSecondBoxAndTheAddressIsConfirmed()
    {
        await SubscribeAsync("/with", ["signature.pending", "signature.listed"], includeContact: true);
        await SubscribeAsync("/without", ["signature.listed"], includeContact: false);
        var page = await visitor.GetStringAsync("/petitions/iap-2017");
        Assert.That(page, Does.Contain("name=\"shareContact\""));
        Assert.That(page, Does.Contain("with Petitions"), "the second box names the coalition (Petitions:SiteName)");

        await SignAsync("Harbour Alliance", "share@harbour.example.org", shareContact: true, confirm: true);
        await SignAsync("Quiet Foundation", "p@quiet.example.org", shareContact: false);
        var form = new Dictionary<string, object?>(SignOnClient.ValidJson("Meadow Trust", "f@meadow.example.org")) { ["shareContact"] = true };
        using (var posted = await SignOnClient.PostFormAsync(visitor, form))
        {
            Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        }

        var with = await receiver.WaitForAsync(4, "/with");
        var without = await receiver.WaitForAsync(1, "/without");
        JsonElement Listed(string organisation) =>
            with.Where(d => d.Event == "signature.listed").Select(d => d.Json.GetProperty("signature"))
                .Single(s => s.GetProperty("organisation").GetString() == organisation);

        var person = Listed("Harbour Alliance").GetProperty("person");
        Assert.That(person.GetProperty("name").GetString(), Is.EqualTo("Anna de Vries"));
        Assert.That(person.GetProperty("role").GetString(), Is.EqualTo("Director"));
        Assert.That(person.GetProperty("email_addresses")[0].GetProperty("address").GetString(), Is.EqualTo("share@harbour.example.org"));
        // The payload is made when it is sent: Harbour Alliance's pending event may already find its address confirmed.
        var meadow = with.Single(d => d.Event == "signature.pending" && d.Json.GetProperty("signature").GetProperty("organisation").GetString() == "Meadow Trust");
        Assert.That(Encoding.UTF8.GetString(meadow.Body), Does.Not.Contain("@"),
            "the form's box was ticked, but an address not yet confirmed may be a stranger's: nothing of the contact goes out");
        Assert.That(without.Select(d => Encoding.UTF8.GetString(d.Body)), Has.None.Contain("@"), "the subscription did not ask for contact data");
        Assert.That(await ScalarAsync("SELECT count(*) FROM signatures WHERE share_contact = 1"), Is.EqualTo(2), "the JSON's and the form's box");
    }

    [Test]
    public async Task A500IsRetriedWithBackoffAndThenDeliveredUnderTheSameDeliveryId()
    {
        receiver.Answer = (_, before) => before == 0 ? 500 : 200;
        var id = (await SubscribeAsync("/flaky", ["signature.pending"])).GetProperty("id").GetInt64();

        await SignAsync("Retried Organisation", "r@retried.example.org");
        await receiver.WaitForAsync(1, "/flaky");
        await UntilAsync("SELECT count(*) FROM webhook_deliveries WHERE attempts = 1 AND status = 'pending'", 1);
        var failing = await SubscriptionAsync(id);
        Assert.That(failing.GetProperty("lastError").GetString(), Is.EqualTo("HTTP 500"));
        Assert.That(failing.GetProperty("failingSince").GetDateTimeOffset(), Is.EqualTo(Start));
        Assert.That(failing.GetProperty("state").GetString(), Is.EqualTo("active"));
        Assert.That(failing.GetProperty("pendingDeliveries").GetInt64(), Is.EqualTo(1));

        await Task.Delay(1500);
        Assert.That(receiver.Received, Has.Count.EqualTo(1), "not before its backoff has passed");
        clock.Advance(WebhookDispatcher.FirstRetry + TimeSpan.FromSeconds(1));
        var received = await receiver.WaitForAsync(2, "/flaky");

        Assert.That(received[1].DeliveryId, Is.EqualTo(received[0].DeliveryId));
        Assert.That(received.All(r => r.IsSignedWith(Secret)), Is.True);
        await UntilAsync("SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered' AND attempts = 2", 1);
        var recovered = await SubscriptionAsync(id);
        Assert.That(recovered.GetProperty("lastSuccessAt").GetDateTimeOffset(), Is.EqualTo(clock.GetUtcNow()));
        Assert.That(recovered.GetProperty("failingSince").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(recovered.GetProperty("lastFailureAt").GetDateTimeOffset(), Is.EqualTo(Start), "the last failure stays shown");
    }

    [Test]
    public async Task ARedirectIsAFailureAndIsNotFollowed()
    {
        receiver.Answer = (path, _) => path == "/moved" ? 307 : 200;
        var id = (await SubscribeAsync("/moved", ["signature.pending"])).GetProperty("id").GetInt64();

        await SignAsync("Redirected Organisation", "d@redirected.example.org");
        await receiver.WaitForAsync(1, "/moved");
        await UntilAsync("SELECT count(*) FROM webhook_deliveries WHERE attempts = 1 AND status = 'pending'", 1);

        Assert.That((await SubscriptionAsync(id)).GetProperty("lastError").GetString(), Does.Contain("307").And.Contain("redirects are not followed"));
        await Task.Delay(1000);
        Assert.That(receiver.Received.Select(r => r.Path), Has.None.EqualTo("/redirected"));
    }

    [Test]
    public async Task ASubscriptionFailingForADayIsDisabledShownSoAndEnabledAgainDeliversWhatItHeld()
    {
        receiver.Answer = (_, _) => 500;
        var id = (await SubscribeAsync("/down", ["signature.pending"])).GetProperty("id").GetInt64();
        await SignAsync("Patient Organisation", "p@patient.example.org");
        await receiver.WaitForAsync(1, "/down");
        await UntilAsync("SELECT attempts FROM webhook_deliveries", 1);

        clock.Advance(TimeSpan.FromHours(12));
        await receiver.WaitForAsync(2, "/down");
        await UntilAsync("SELECT attempts FROM webhook_deliveries", 2);
        Assert.That((await SubscriptionAsync(id)).GetProperty("state").GetString(), Is.EqualTo("active"), "twelve hours of failures are not a day");

        clock.Advance(TimeSpan.FromHours(12));
        await receiver.WaitForAsync(3, "/down");
        await UntilAsync("SELECT attempts FROM webhook_deliveries", 3);
        var disabled = await SubscriptionAsync(id);
        Assert.That(disabled.GetProperty("state").GetString(), Is.EqualTo("disabled"));
        Assert.That(disabled.GetProperty("disabledAt").GetDateTimeOffset(), Is.EqualTo(Start + TimeSpan.FromDays(1)));
        Assert.That(disabled.GetProperty("failingSince").GetDateTimeOffset(), Is.EqualTo(Start));

        using (var browser = await CookieSession.SignInAsync(app, "console@coalition.example.org", "iap-2017"))
        {
            var console = await browser.GetStringAsync("/coordinators/petitions/iap-2017");
            Assert.That(console, Does.Contain(receiver.Url("/down")).And.Contain("Disabled").And.Contain("HTTP 500"));
        }

        clock.Advance(TimeSpan.FromHours(2));
        await Task.Delay(1500);
        Assert.That(receiver.Received, Has.Count.EqualTo(3), "a disabled subscription is not called");

        receiver.Answer = (_, _) => 200;
        using var enabled = await coordinator.PostAsync($"/api/petitions/iap-2017/webhooks/{id}/enable", null);
        Assert.That(enabled.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await enabled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString(), Is.EqualTo("active"));
        await receiver.WaitForAsync(4, "/down");
        await UntilAsync("SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'", 1);
    }

    [Test]
    public async Task ReviewAndWithdrawalSendTheirEvents()
    {
        await SubscribeAsync("/review", ["signature.listed", "signature.rejected", "signature.withdrawn"]);
        var approved = await Coordinator.SignatureInStateAsync(app, "confirmed", "Approved Organisation", "a@approved.example.org");
        var rejected = await Coordinator.SignatureInStateAsync(app, "confirmed", "Rejected Organisation", "r@rejected.example.org");

        foreach (var (id, action) in new[] { (approved, "approve"), (rejected, "reject"), (approved, "withdraw") })
        {
            using var response = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/{action}", new { reason = "Because." });
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var received = await receiver.WaitForAsync(3, "/review");
        Assert.That(received.Select(r => (r.Event, r.Json.GetProperty("signature").GetProperty("organisation").GetString())), Is.EquivalentTo(new[]
        {
            ("signature.listed", "Approved Organisation"), ("signature.rejected", "Rejected Organisation"), ("signature.withdrawn", "Approved Organisation"),
        }));
    }

    [Test]
    public async Task ALetterClosedByItsCoordinatorIsAnnouncedOnce()
    {
        var letter = new
        {
            slug = "closing-letter", title = "A letter that closes", addressee = "Someone", place = "Geneva", date = "2026-12-01", status = "open",
            body = "We write.", closesAt = "2027-01-31T23:59:59Z",
        };
        using (var created = await coordinator.PostAsJsonAsync("/api/petitions", letter))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        await SubscribeAsync("/closed", ["letter.closed"], slug: "closing-letter");
        await SubscribeAsync("/other", ["signature.pending"], slug: "closing-letter");

        using (var closed = await coordinator.PutAsJsonAsync("/api/petitions/closing-letter", letter with { status = "closed" }))
        {
            Assert.That(closed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using (var again = await coordinator.PutAsJsonAsync("/api/petitions/closing-letter", letter with { status = "closed", title = "A letter that closed" }))
        {
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var received = await receiver.WaitForAsync(1, "/closed");
        await Task.Delay(1500);
        Assert.That(receiver.Received, Has.Count.EqualTo(1));
        var json = received[0].Json;
        Assert.That(json.GetProperty("event").GetString(), Is.EqualTo("letter.closed"));
        Assert.That(json.GetProperty("letter").GetProperty("slug").GetString(), Is.EqualTo("closing-letter"));
        Assert.That(json.GetProperty("letter").GetProperty("closed_at").GetString(), Is.EqualTo("2026-12-06T12:00:00Z"));
        Assert.That(json.TryGetProperty("signature", out _), Is.False);
        Assert.That(received[0].IsSignedWith(Secret), Is.True);
    }

    [Test]
    public async Task APassedClosesAtIsAnnouncedOnceByTwoNodesOnOneDatabase()
    {
        // One key ring for the three (PostgreSQL keeps it in the database anyway), so each node can read the secret to sign.
        var keys = app.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Petitions:KeysDirectory"];
        var settings = new Dictionary<string, string?> { ["Webhooks:AllowPrivateAddresses"] = "true", ["Petitions:KeysDirectory"] = keys };
        using var first = new PetitionsApp(app.DatabasePath, settings, s => s.AddSingleton<TimeProvider>(clock));
        using var second = new PetitionsApp(app.DatabasePath, settings, s => s.AddSingleton<TimeProvider>(clock));
        using var client = await Coordinator.ClientAsync(first, "nodes@coalition.example.org");
        second.CreateClient().Dispose();
        using (var subscribed = await client.PostAsJsonAsync("/api/petitions/iap-2017/webhooks",
            new { url = receiver.Url("/closed"), events = new[] { "letter.closed" }, secret = Secret }))
        {
            Assert.That(subscribed.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE petitions SET closes_at = @at WHERE slug = 'iap-2017'",
                new { at = global::Petitions.Data.Time.Format(Start + TimeSpan.FromHours(1)) });
        }

        await Task.Delay(1500);
        Assert.That(receiver.Received, Is.Empty, "not before it closes");
        clock.Advance(TimeSpan.FromHours(2));

        var received = await receiver.WaitForAsync(1, "/closed");
        await Task.Delay(2500);
        Assert.That(receiver.Received, Has.Count.EqualTo(1), "three dispatchers swept; one claimed the closing");
        Assert.That(received[0].IsSignedWith(Secret), Is.True);
        Assert.That(received[0].Json.GetProperty("letter").GetProperty("closed_at").GetString(), Is.EqualTo("2026-12-06T13:00:00Z"));
        Assert.That(received[0].Json.GetProperty("letter").GetProperty("signatory_count").GetInt64(), Is.EqualTo(130));
        Assert.That(await ScalarAsync("SELECT count(*) FROM letter_closings"), Is.EqualTo(1));
    }
}

/// <summary>The OpenAPI document describes the routes and what an endpoint receives.</summary>
public class WebhookApiDescriptionTests : AppWithCoordinator
{
    [Test]
    public async Task TheDocumentDescribesTheRoutesTheHeadersAndThePayload()
    {
        var document = await visitor.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        Assert.That(document.GetProperty("paths").TryGetProperty("/api/petitions/{slug}/webhooks", out var subscriptions), Is.True);
        Assert.That(subscriptions.GetProperty("post").GetProperty("responses").TryGetProperty("201", out _), Is.True);
        var delivery = document.GetProperty("webhooks").GetProperty("petitionsEvent").GetProperty("post");
        Assert.That(delivery.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()),
            Is.SupersetOf(new[] { "X-Petitions-Signature", "X-Petitions-Timestamp", "X-Petitions-Delivery" }));
        var body = delivery.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        Assert.That(body.GetProperty("schema").GetProperty("properties").GetProperty("signature").GetProperty("properties").TryGetProperty("person", out _), Is.True);
        Assert.That(body.GetProperty("example").GetProperty("event").GetString(), Is.EqualTo("signature.listed"));
        var tag = document.GetProperty("tags").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Webhooks");
        Assert.That(tag.GetProperty("description").GetString(), Does.Contain("HMAC-SHA256"));
    }
}

/// <summary>Endpoints on loopback and private ranges are refused unless Webhooks:AllowPrivateAddresses is true.</summary>
public class WebhookAddressTests : AppWithCoordinator
{
    [TestCase("https://127.0.0.1/hook")]
    [TestCase("https://localhost/hook")]
    [TestCase("https://10.0.0.8/hook")]
    [TestCase("https://172.20.1.1/hook")]
    [TestCase("https://192.168.1.1/hook")]
    [TestCase("https://169.254.169.254/latest/meta-data")]
    [TestCase("https://100.64.0.1/hook")]
    [TestCase("https://0.0.0.0/hook")]
    [TestCase("https://[::1]/hook")]
    [TestCase("https://[fd00::1]/hook")]
    [TestCase("https://[fe80::1]/hook")]
    [TestCase("https://[::ffff:127.0.0.1]/hook")]
    [TestCase("https://[64:ff9b::a00:1]/hook")]
    [TestCase("http://example.org/hook")]
    [TestCase("https://user:password@example.org/hook")]
    public async Task AnEndpointThatIsNotPublicHttpsIs400Url(string url)
    {
        using var response = await coordinator.PostAsJsonAsync("/api/petitions/iap-2017/webhooks",
            new { url, events = new[] { "signature.listed" }, secret = "a-shared-secret-of-some-length" });
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name), Is.EqualTo(new[] { "url" }));
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM webhook_subscriptions"), Is.EqualTo(0));
    }

    [TestCase("93.184.215.14", false)]
    [TestCase("1.1.1.1", false)]
    [TestCase("2606:4700:4700::1111", false)]
    [TestCase("172.32.0.1", false)]
    [TestCase("127.8.8.8", true)]
    [TestCase("198.18.0.1", true)]
    [TestCase("224.0.0.1", true)]
    [TestCase("::", true)]
    [TestCase("2002:c0a8:0101::1", true)]
    [TestCase("64:ff9b:1::5db8:d70e", true)]
    [TestCase("2001:0:4136:e378:8000:63bf:3fff:fdd2", true)]
    [TestCase("2001:4860:4860::8888", false)]
    public void PrivateRangesAreKnown(string address, bool isPrivate) =>
        Assert.That(WebhookAddress.IsPrivate(IPAddress.Parse(address)), Is.EqualTo(isPrivate));

    // A subscription whose name resolved to a public address when it was made may resolve to a private
    // one later (DNS rebinding): the connection itself is refused. Stored here past the subscribe check.
    [Test]
    public async Task TheConnectionToAPrivateAddressIsRefusedEvenForAStoredSubscription()
    {
        using var receiver = new WebhookReceiver();
        var store = app.Services.GetRequiredService<WebhookStore>();
        long petitionId;
        await using (var connection = await app.Db.OpenAsync())
        {
            petitionId = await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = 'iap-2017'");
        }

        var id = (await store.CreateAsync(petitionId, new WebhookInput
        {
            Url = $"https://localhost:{receiver.Port}/rebound", Events = ["signature.pending"], Secret = "a-shared-secret-of-some-length",
        }, "test", DateTimeOffset.UtcNow, null, CancellationToken.None)) ?? throw new InvalidOperationException("not subscribed");

        using (var signed = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Rebinding Organisation", "r@rebinding.example.org")))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        WebhookSubscription? subscription;
        while ((subscription = await store.FindAsync(petitionId, id, null, CancellationToken.None))!.LastError is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.That(subscription!.LastError, Does.Contain("loopback or private"));
        Assert.That(receiver.Received, Is.Empty);
    }
}
