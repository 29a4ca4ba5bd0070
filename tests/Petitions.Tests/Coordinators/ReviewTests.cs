using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>The state machine through the coordinators' API, every action from every state; withdrawals as events.</summary>
public class ReviewTests : AppWithCoordinator
{
    [TestCase("approve", "pending", HttpStatusCode.Conflict, "pending")]
    [TestCase("approve", "confirmed", HttpStatusCode.OK, "listed")]
    [TestCase("approve", "listed", HttpStatusCode.Conflict, "listed")]
    [TestCase("approve", "rejected", HttpStatusCode.Conflict, "rejected")]
    [TestCase("approve", "withdrawn", HttpStatusCode.Conflict, "withdrawn")]
    [TestCase("reject", "pending", HttpStatusCode.OK, "rejected")]
    [TestCase("reject", "confirmed", HttpStatusCode.OK, "rejected")]
    [TestCase("reject", "listed", HttpStatusCode.Conflict, "listed")]
    [TestCase("reject", "rejected", HttpStatusCode.Conflict, "rejected")]
    [TestCase("reject", "withdrawn", HttpStatusCode.Conflict, "withdrawn")]
    [TestCase("withdraw", "pending", HttpStatusCode.Conflict, "pending")]
    [TestCase("withdraw", "confirmed", HttpStatusCode.OK, "withdrawn")]
    [TestCase("withdraw", "listed", HttpStatusCode.OK, "withdrawn")]
    [TestCase("withdraw", "rejected", HttpStatusCode.Conflict, "rejected")]
    [TestCase("withdraw", "withdrawn", HttpStatusCode.Conflict, "withdrawn")]
    public async Task EachActionFromEachState(string action, string from, HttpStatusCode expected, string after)
    {
        var id = await Coordinator.SignatureInStateAsync(app, from);

        using var response = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/{action}", new { reason = "Because." });

        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        var record = await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/iap-2017/signatures/{id}");
        Assert.That(record.GetProperty("signature").GetProperty("status").GetString(), Is.EqualTo(after));
        if (expected == HttpStatusCode.OK)
        {
            var last = record.GetProperty("history").EnumerateArray().Last();
            Assert.That(last.GetProperty("from").GetString(), Is.EqualTo(from));
            Assert.That(last.GetProperty("to").GetString(), Is.EqualTo(after));
            Assert.That(last.GetProperty("actor").GetString(), Does.StartWith("coordinator:"));
            Assert.That(last.GetProperty("reason").GetString(), Is.EqualTo("Because."));
        }
    }

    [Test]
    public async Task AnUnknownSignatureIs404()
    {
        using var response = await coordinator.PostAsJsonAsync("/api/petitions/iap-2017/signatures/999999/approve", new { });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task AWithdrawalRecordedByACoordinatorLeavesTheListAndStaysInTheExportWithItsDateAndReason()
    {
        var id = await Coordinator.SeedSignatureIdAsync(app, "Fair Trials");

        using var response = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/withdraw",
            new { reason = "Letter of the director, 3 May 2026", at = "2026-05-03T00:00:00Z" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await visitor.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Not.Contain("Fair Trials"));
        Assert.That(await visitor.GetStringAsync("/petitions/iap-2017"), Does.Not.Contain("Fair Trials").And.Contain("129 organisations have signed"));
        var summary = await visitor.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017");
        Assert.That(summary.GetProperty("signatoryCount").GetInt32(), Is.EqualTo(129));
        var csv = await coordinator.GetStringAsync("/api/petitions/iap-2017/signatures.csv?status=withdrawn");
        Assert.That(csv, Does.Contain("\"Fair Trials\",\"London\",\"GB\",\"United Kingdom\""));
        Assert.That(csv, Does.Contain("\"withdrawn\""));
        Assert.That(csv, Does.Contain("\"2026-05-03T00:00:00Z\",\"Letter of the director, 3 May 2026\""));
        var alerts = await Delivered.MessagesAsync(app);
        Assert.That(alerts.Select(m => (m.To.ToString(), m.Subject)), Does.Contain(("coordinator@coalition.example.org",
            "Withdrawal: Fair Trials from Petition to the International Association of Prosecutors")));
    }

    [Test]
    public async Task ASignatoryWithdrawsByTheLinkInItsListedEmail()
    {
        using (var signed = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Withdrawing Organisation", "w@withdrawing.example.org")))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        using (var confirmed = await visitor.PostAsJsonAsync("/api/confirmations", new { token = (await Delivered.TokensAsync(app))[0] }))
        {
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(await visitor.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Contain("Withdrawing Organisation"));
        var withdrawToken = (await Delivered.TokensAsync(app, "withdraw")).Single();

        var page = await visitor.GetStringAsync($"/withdraw/{withdrawToken}");
        Assert.That(page, Does.Contain("Withdrawing Organisation").And.Contain("Withdraw our signature"));
        Assert.That(await visitor.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Contain("Withdrawing Organisation"), "GET changes nothing");

        var antiforgery = SignOnClient.Antiforgery(page);
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", antiforgery), new("reason", "Our board decided so.")]);
        using var withdrawn = await visitor.PostAsync($"/withdraw/{withdrawToken}", form);
        using var again = await visitor.GetAsync($"/withdraw/{withdrawToken}");

        Assert.That(withdrawn.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await withdrawn.Content.ReadAsStringAsync(), Does.Contain("Your signature is withdrawn"));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await visitor.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Not.Contain("Withdrawing Organisation"));
        var csv = await coordinator.GetStringAsync("/api/petitions/iap-2017/signatures.csv?status=withdrawn");
        Assert.That(csv, Does.Contain("\"Withdrawing Organisation\"").And.Contain("\"Our board decided so.\""));
        var subjects = (await Delivered.MessagesAsync(app)).Select(m => (m.To.ToString(), m.Subject)).ToList();
        Assert.That(subjects, Does.Contain(("w@withdrawing.example.org", "Withdrawn: Petition to the International Association of Prosecutors")));
        Assert.That(subjects, Does.Contain(("coordinator@coalition.example.org", "Withdrawal: Withdrawing Organisation from Petition to the International Association of Prosecutors")));
    }

    [Test]
    public async Task ASignOnAwaitingReviewAlertsTheCoordinatorsAndWaitsOffTheList()
    {
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE petitions SET requires_review = true");
        }

        var reviewed = SignOnClient.ValidJson("Reviewed Organisation", "r@reviewed.example.org");
        reviewed["website"] = "https://www.testorganisatie.nl";
        using (var _ = await SignOnClient.PostJsonAsync(visitor, reviewed))
        {
        }

        using (var __ = await visitor.PostAsJsonAsync("/api/confirmations", new { token = (await Delivered.TokensAsync(app))[0] }))
        {
        }

        var queue = await coordinator.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/signatures?status=confirmed");
        var waiting = queue.EnumerateArray().Single();
        Assert.That(waiting.GetProperty("organisation").GetString(), Is.EqualTo("Reviewed Organisation"));
        Assert.That(waiting.GetProperty("contactEmail").GetString(), Is.EqualTo("r@reviewed.example.org"));
        Assert.That(waiting.GetProperty("flags").EnumerateArray().Select(f => f.GetString()), Does.Contain("domain-mismatch"));
        Assert.That(await visitor.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Not.Contain("Reviewed Organisation"));
        var page = await coordinator.GetStringAsync("/coordinators/petitions/iap-2017");
        Assert.That(page, Does.Contain("Waiting for review (1)").And.Contain("Reviewed Organisation"));
        var alerts = (await Delivered.MessagesAsync(app)).Where(m => m.To.ToString() == "coordinator@coalition.example.org").Select(m => m.Subject);
        Assert.That(alerts, Does.Contain("To review: Reviewed Organisation signed Petition to the International Association of Prosecutors"));

        using var approved = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{waiting.GetProperty("id").GetInt64()}/approve", new { });

        Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        // One change, made by a person: on the next load, however slow the list's last read was.
        var listed = await visitor.GetStringAsync("/api/petitions/iap-2017/signatories");
        Assert.That(listed, Does.Contain("Reviewed Organisation"));
    }

    [Test]
    public async Task TheSignatoryPageShowsContactDomainCheckAndHistory()
    {
        var id = await Coordinator.SignatureInStateAsync(app, "confirmed", "History Organisation", "h@history.example.org");
        using (var _ = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/approve", new { reason = "Known to us" }))
        {
        }

        var page = System.Net.WebUtility.HtmlDecode(await coordinator.GetStringAsync($"/coordinators/petitions/iap-2017/signatures/{id}"));

        Assert.That(page, Does.Contain("Kari Nordmann, Director"));
        Assert.That(page, Does.Contain("h@history.example.org"));
        Assert.That(page, Does.Contain("Domain check"));
        // The actor by address, not as "coordinator:N".
        Assert.That(page, Does.Contain("<td>Test Coordinator (coordinator@coalition.example.org)</td><td>status</td><td>confirmed</td><td>listed</td><td>Known to us</td>"));
    }

    [Test]
    public async Task APermanentlyFailedEmailIsShownAndCanBeSentAgainToACorrectedAddress()
    {
        var id = await Coordinator.SignatureInStateAsync(app, "pending", "Bounced Organisation", "typo@bounced.example.org");
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO outbox (kind, petition_id, signature_id, to_address, subject, text_body, html_body, message_id, status, attempts, created_at, due_at, failed_at, last_error)
                VALUES ('confirm-sign-on', (SELECT id FROM petitions WHERE slug = 'iap-2017'), @id, 'typo@bounced.example.org', 'Confirm your signature', 'text', '<p>html</p>',
                        'failed-1@petitions', 'failed', 1, '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:01.0000000Z', '550 5.1.1 no such user')
                """, new { id });
        }

        var failed = await coordinator.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/emails/failed");
        Assert.That(failed.GetArrayLength(), Is.EqualTo(1));
        Assert.That(await coordinator.GetStringAsync("/coordinators/petitions/iap-2017"), Does.Contain("550 5.1.1 no such user"));

        using var resent = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/emails/{failed[0].GetProperty("id").GetInt64()}/resend",
            new { address = "right@bounced.example.org" });

        Assert.That(resent.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var delivered = await Delivered.MessagesAsync(app);
        Assert.That(delivered.Select(m => m.To.ToString()), Does.Contain("right@bounced.example.org"));
        var record = await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/iap-2017/signatures/{id}");
        Assert.That(record.GetProperty("signature").GetProperty("contactEmail").GetString(), Is.EqualTo("right@bounced.example.org"));
    }
}
