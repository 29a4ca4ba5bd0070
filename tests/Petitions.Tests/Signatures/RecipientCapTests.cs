using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>No address receives more than 5 sign-on emails a day, whatever the organisation or letter.</summary>
public class RecipientCapTests
{
    private const string Victim = "victim@target.example";

    private FakeTimeProvider clock = null!;
    private PetitionsApp app = null!;
    private HttpClient visitor = null!;

    [SetUp]
    public async Task StartApp()
    {
        clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));
        app = new PetitionsApp(services: s => s.AddSingleton<TimeProvider>(clock));
        visitor = app.CreateClient(new() { AllowAutoRedirect = false });
        await Coordinator.AddLetterAsync(app, "other-letter");
    }

    [TearDown]
    public void StopApp()
    {
        visitor.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task SixSignOnsNamingOneAddressAcrossTwoLettersDeliverFiveEmailsAndTheSixthSaysWhy()
    {
        var answers = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var slug = i % 2 == 0 ? SignOnClient.Slug : "other-letter";
            using var response = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson($"Prize Organisation {i}", Victim), slug);
            answers.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        // The same answer every time: nothing tells the sender the cap was reached.
        Assert.That(answers.Distinct().ToList(), Is.EqualTo(new[] { "202 {\"status\":\"pending\"}" }));
        var delivered = await Delivered.MessagesAsync(app);
        Assert.That(delivered.Count(m => m.To.Mailboxes.Any(a => a.Address == Victim)), Is.EqualTo(5));
        await using var connection = await app.Db.OpenAsync();
        var signatures = (await connection.QueryAsync<(long Id, string Slug, string Flags, string Status)>("""
            SELECT s.id, p.slug, s.flags, s.status FROM signatures s JOIN petitions p ON p.id = s.petition_id
            WHERE s.contact_email = @Victim ORDER BY s.id
            """, new { Victim })).ToList();
        Assert.That(signatures, Has.Count.EqualTo(7), "every sign-on is stored as before");
        Assert.That(signatures.Select(s => s.Flags.Split(' ').Contains("email-capped")), Is.EqualTo(new[] { false, false, false, false, false, true, true }));

        var sixth = signatures[5];
        using var coordinator = await Coordinator.ClientAsync(app);
        var detail = await coordinator.GetFromJsonAsync<JsonElement>($"/api/petitions/{sixth.Slug}/signatures/{sixth.Id}");
        Assert.That(detail.GetProperty("signature").GetProperty("flags").EnumerateArray().Select(f => f.GetString()), Does.Contain("email-capped"));
        var withheld = detail.GetProperty("history").EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "email-withheld");
        Assert.That(withheld.GetProperty("reason").GetString(), Does.Contain("5 sign-on emails in the last 24 hours"));
        var page = await coordinator.GetStringAsync($"/coordinators/petitions/{sixth.Slug}/signatures/{sixth.Id}");
        Assert.That(page, Does.Contain("email-capped").And.Contain("5 sign-on emails in the last 24 hours"));
    }

    [Test]
    public async Task TheCapCountsAddressesWhateverTheirCaseAndRepeatsAndFurtherContactsToo()
    {
        // A new signature, two repeats of it (a fresh link each), and a further contact of another organisation.
        var one = SignOnClient.ValidJson("Case Organisation", "Victim@Target.Example");
        (await SignOnClient.PostJsonAsync(visitor, one)).Dispose();
        (await SignOnClient.PostJsonAsync(visitor, one)).Dispose();
        (await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Case Organisation", "VICTIM@target.example"))).Dispose();
        (await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Other Organisation", "other@target.example"))).Dispose();
        (await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Other Organisation", Victim))).Dispose();
        (await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Third Organisation", Victim), "other-letter")).Dispose();
        using var capped = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Other Organisation", Victim));

        Assert.That(capped.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var delivered = await Delivered.MessagesAsync(app);
        Assert.That(delivered.Count(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, Victim, StringComparison.OrdinalIgnoreCase))), Is.EqualTo(5));
        await using var connection = await app.Db.OpenAsync();
        var flags = await connection.QuerySingleAsync<string>(
            "SELECT s.flags FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'Other Organisation'");
        Assert.That(flags.Split(' '), Does.Contain("email-capped"), "the further contact's email was the one withheld");
    }

    [Test]
    public async Task AfterADayTheAddressGetsItsEmailsAgain()
    {
        for (var i = 0; i < 6; i++)
        {
            (await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson($"Day Organisation {i}", Victim))).Dispose();
        }

        clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        (await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Next Day Organisation", Victim))).Dispose();

        var delivered = await Delivered.MessagesAsync(app);
        Assert.That(delivered.Count(m => m.To.Mailboxes.Any(a => a.Address == Victim)), Is.EqualTo(6));
        Assert.That(delivered.Count(m => m.TextBody?.Contains("Next Day Organisation", StringComparison.Ordinal) == true), Is.EqualTo(1));
    }
}
