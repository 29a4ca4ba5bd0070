using System.Net;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>The letter page's form that sends a failed email again, given an id that is not a failed email of the letter.</summary>
public class ResendFormTests
{
    [TestCase("999999")]
    [TestCase("abc")]
    [TestCase("")]
    public async Task AnUnknownOrGarbageIdIs404WithThePageNotA500(string outboxId)
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);
        // The letter page has no resend form without a failed email: a token from another form of the same session.
        var page = await coordinator.GetStringAsync("/coordinators/petitions/iap-2017/edit");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = SignOnClient.Antiforgery(page),
            ["outboxId"] = outboxId,
            ["address"] = "corrected@example.org",
        });

        using var response = await coordinator.PostAsync("/coordinators/petitions/iap-2017?handler=resend", form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), await response.Content.ReadAsStringAsync());
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("There is no such failed email on this letter"));
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT count(*) FROM outbox"), Is.Zero, "nothing was queued");
    }
}
