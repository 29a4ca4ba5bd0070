using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>What a person agreed to, and when, is there for the letter's coordinators: in the JSON and on the page.</summary>
public class ConsentTests
{
    [Test]
    public async Task CoordinatorsSeeTheConsentVersionAndTimeOfASignOn()
    {
        var signedAt = new DateTimeOffset(2026, 11, 28, 9, 41, 7, TimeSpan.Zero);
        var clock = new FakeTimeProvider(signedAt);
        using var app = new PetitionsApp(services: s => s.AddSingleton<TimeProvider>(clock));
        using var client = app.CreateClient();
        using (var signed = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Consent Organisation", "c@consent.example.org")))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var id = await Coordinator.SeedSignatureIdAsync(app, "Consent Organisation");
        using var coordinator = await Coordinator.ClientAsync(app, "consent@coalition.example.org", SignOnClient.Slug);

        var detail = await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/{SignOnClient.Slug}/signatures/{id}");
        var listed = (await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/{SignOnClient.Slug}/signatures")).EnumerateArray()
            .Single(s => s.GetProperty("id").GetInt64() == id);
        var page = await coordinator.GetStringAsync($"/coordinators/petitions/{SignOnClient.Slug}/signatures/{id}");

        var signature = detail.GetProperty("signature");
        Assert.That(signature.GetProperty("consentVersion").GetString(), Is.EqualTo(SignOn.ConsentVersion));
        Assert.That(signature.GetProperty("consentedAt").GetDateTimeOffset(), Is.EqualTo(signedAt));
        Assert.That(listed.GetProperty("consentVersion").GetString(), Is.EqualTo(SignOn.ConsentVersion));
        Assert.That(listed.GetProperty("consentedAt").GetDateTimeOffset(), Is.EqualTo(signedAt));
        // The text agreed to, not its version code.
        Assert.That(System.Net.WebUtility.HtmlDecode(page), Does.Contain($"Agreed on 2026-11-28 09:41 UTC to: “{SignOn.ConsentText}”"));
    }

    [Test]
    public async Task TheConsentVersionStoredIsTheTextTheFormShows()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();

        var form = System.Net.WebUtility.HtmlDecode(await client.GetStringAsync($"/petitions/{SignOnClient.Slug}"));

        Assert.That(form, Does.Contain(SignOn.ConsentText));
    }
}
