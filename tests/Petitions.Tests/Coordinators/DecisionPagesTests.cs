using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>
/// Rejecting and recording a withdrawal on the console's pages: a reason is required, a page asks to
/// confirm before anything is recorded, and a decision in the review queue comes back to the queue.
/// </summary>
public sealed class DecisionPagesTests
{
    private const string Letter = "/coordinators/petitions/iap-2017";

    private PetitionsApp app = null!;
    private HttpClient coordinator = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        coordinator = await Coordinator.ClientAsync(app);
    }

    [TearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task RejectingWithoutAReasonIsRefusedNamingTheFieldAndChangesNothing()
    {
        var id = await Coordinator.SignatureInStateAsync(app, "confirmed", "Reasonless Organisation", "r@reasonless.example.org");

        using var response = await PostAsync($"{Letter}/signatures/{id}?handler=reject", ("reason", "  "), ("confirm", "yes"));
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("<a href=\"#reject-reason\">Give the reason for rejecting"));
        Assert.That(html, Does.Contain("id=\"reject-reason-error\""));
        Assert.That(await StatusAsync(id), Is.EqualTo("confirmed"));
    }

    [Test]
    public async Task RejectingAsksToConfirmFirstThenRecordsTheReason()
    {
        var id = await Coordinator.SignatureInStateAsync(app, "confirmed", "Doubtful Organisation", "d@doubtful.example.org");

        using var asked = await PostAsync($"{Letter}/signatures/{id}?handler=reject", ("reason", "Not an NGO"));
        var confirmation = WebUtility.HtmlDecode(await asked.Content.ReadAsStringAsync());

        Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(confirmation, Does.Contain("<h1>Reject Doubtful Organisation?</h1>"));
        Assert.That(confirmation, Does.Contain("<dd>Not an NGO</dd>"));
        Assert.That(confirmation, Does.Contain("<button type=\"submit\" class=\"danger\">Yes, reject it</button>"));
        Assert.That(await StatusAsync(id), Is.EqualTo("confirmed"), "nothing is recorded before the confirmation");

        using var confirmed = await PostAsync($"{Letter}/signatures/{id}?handler=reject", ("reason", "Not an NGO"), ("confirm", "yes"));

        Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(confirmed.Headers.Location?.ToString(), Is.EqualTo($"{Letter}/signatures/{id}?done=rejected"));
        Assert.That(await StatusAsync(id), Is.EqualTo("rejected"));
        var detail = await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/iap-2017/signatures/{id}");
        Assert.That(detail.GetProperty("signature").GetProperty("rejectionReason").GetString(), Is.EqualTo("Not an NGO"));
        var page = await coordinator.GetStringAsync(confirmed.Headers.Location!.ToString());
        Assert.That(page, Does.Contain("Rejected: the organisation is not listed"));
    }

    [Test]
    public async Task AWithdrawalIsConfirmedFirstAndOnlyOfferedForAListedSignature()
    {
        var listed = await Coordinator.SignatureInStateAsync(app, "listed", "Leaving Organisation", "l@leaving.example.org");
        var confirmed = await Coordinator.SignatureInStateAsync(app, "confirmed", "Never Listed Organisation", "n@never.example.org");

        Assert.That(await coordinator.GetStringAsync($"{Letter}/signatures/{confirmed}"), Does.Not.Contain("handler=withdraw"));
        Assert.That(await coordinator.GetStringAsync($"{Letter}/signatures/{listed}"), Does.Contain("handler=withdraw"));

        using var empty = await PostAsync($"{Letter}/signatures/{listed}?handler=withdraw", ("reason", ""), ("date", "2026-12-01"), ("confirm", "yes"));
        Assert.That(empty.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await empty.Content.ReadAsStringAsync(), Does.Contain("<a href=\"#withdraw-reason\">"));

        using var asked = await PostAsync($"{Letter}/signatures/{listed}?handler=withdraw", ("reason", "Board decision"), ("date", "2026-12-01"));
        var confirmation = WebUtility.HtmlDecode(await asked.Content.ReadAsStringAsync());
        Assert.That(confirmation, Does.Contain("Yes, record the withdrawal"));
        Assert.That(confirmation, Does.Contain("<input type=\"hidden\" name=\"date\" value=\"2026-12-01\">"));
        Assert.That(await StatusAsync(listed), Is.EqualTo("listed"));

        using var done = await PostAsync($"{Letter}/signatures/{listed}?handler=withdraw", ("reason", "Board decision"), ("date", "2026-12-01"), ("confirm", "yes"));
        Assert.That(done.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(await StatusAsync(listed), Is.EqualTo("withdrawn"));
    }

    [Test]
    public async Task TheQueueOffersApproveAndRejectPerRowSaysWhyAndComesBackAfterADecision()
    {
        var approve = await Coordinator.SignatureInStateAsync(app, "confirmed", "Queue Approve Organisation", "a@queue-approve.example.org");
        var reject = await Coordinator.SignatureInStateAsync(app, "confirmed", "Queue Reject Organisation", "b@queue-reject.example.org");

        var queue = await coordinator.GetStringAsync(Letter);
        Assert.That(queue, Does.Contain($"action=\"{Letter}/signatures/{approve}?handler=approve\""));
        Assert.That(queue, Does.Contain($"action=\"{Letter}/signatures/{reject}?handler=reject\""));
        Assert.That(queue, Does.Contain("Why it waits"));

        using var approved = await PostAsync($"{Letter}/signatures/{approve}?handler=approve", ("returnTo", "queue"));
        Assert.That(approved.Headers.Location?.ToString(), Is.EqualTo($"{Letter}?done=approved&id={approve}#review"));
        Assert.That(await coordinator.GetStringAsync($"{Letter}?done=approved&id={approve}"), Does.Contain("Approved: Queue Approve Organisation is listed."));

        using var rejected = await PostAsync($"{Letter}/signatures/{reject}?handler=reject", ("reason", "Duplicate"), ("returnTo", "queue"), ("confirm", "yes"));
        Assert.That(rejected.Headers.Location?.ToString(), Is.EqualTo($"{Letter}?done=rejected&id={reject}#review"));
        Assert.That(await StatusAsync(reject), Is.EqualTo("rejected"));
    }

    private async Task<HttpResponseMessage> PostAsync(string path, params (string Name, string Value)[] fields)
    {
        var page = await coordinator.GetStringAsync(Letter + "/edit");
        var values = fields.ToDictionary(f => f.Name, f => f.Value);
        values["__RequestVerificationToken"] = SignOnClient.Antiforgery(page);
        using var form = new FormUrlEncodedContent(values);
        return await coordinator.PostAsync(path, form);
    }

    private async Task<string> StatusAsync(long id) =>
        (await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/iap-2017/signatures/{id}")).GetProperty("signature").GetProperty("status").GetString()!;
}
