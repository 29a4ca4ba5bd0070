using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>
/// A letter's coordinators choose an email per sign-on to review or one digest a day (at 07:00 UTC
/// by default) listing every sign-on waiting; of any number of runs, one sends a day's digest.
/// </summary>
public sealed class ReviewDigestTests() : ClockedAppWithCoordinator(new DateTimeOffset(2026, 11, 28, 6, 0, 0, TimeSpan.Zero))
{
    private const string Slug = "digest-letter";
    private const string Title = "A letter with a daily digest";
    private const string CoordinatorEmail = "coordinator@coalition.example.org";

    [Test]
    public async Task ADailyLetterSendsOneDigestADayListingEverySignOnWaitingAndNoAlertPerSignOn()
    {
        await CreateLetterAsync("daily");
        var letter = await visitor.GetFromJsonAsync<JsonElement>($"/api/petitions/{Slug}");
        Assert.That(letter.GetProperty("reviewAlerts").GetString(), Is.EqualTo("daily"));
        await SignAndConfirmAsync("First Waiting Organisation", "one@first.example.org");
        await SignAndConfirmAsync("Second Waiting Organisation", "two@second.example.org");

        Assert.That(Digests(await Delivered.MessagesAsync(app)), Is.Empty, "before 07:00 nothing is due for today");
        Assert.That(Subjects(await Delivered.MessagesAsync(app)).Where(s => s.StartsWith("To review: ", StringComparison.Ordinal)), Is.Empty,
            "no email per sign-on");

        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await app.Services.GetRequiredService<ReviewDigests>().RunOnceAsync();
        await app.Services.GetRequiredService<ReviewDigests>().RunOnceAsync();

        var first = Digests(await Delivered.MessagesAsync(app)).Single();
        Assert.That(first.To.ToString(), Is.EqualTo(CoordinatorEmail));
        Assert.That(first.Subject, Is.EqualTo($"To review: 2 sign-ons on {Title}"));
        Assert.That(first.TextBody, Does.Contain("First Waiting Organisation").And.Contain("Second Waiting Organisation"));
        Assert.That(first.TextBody, Does.Contain("(2 new since the last digest)"));
        Assert.That(first.TextBody, Does.Contain($"/coordinators/petitions/{Slug}#review"));
        Assert.That(first.TextBody.IndexOf("First Waiting", StringComparison.Ordinal),
            Is.LessThan(first.TextBody.IndexOf("Second Waiting", StringComparison.Ordinal)), "oldest first");
        await using (var connection = await app.Db.OpenAsync())
        {
            var rows = (await connection.QueryAsync<(string Day, long Recipients)>(
                "SELECT d.day, d.recipients FROM review_digests d JOIN petitions p ON p.id = d.petition_id WHERE p.slug = @Slug ORDER BY d.day",
                new { Slug })).ToList();
            Assert.That(rows, Does.Contain(("2026-11-28", 1L)));
        }

        // The next day: one more waits; the digest lists all three and counts the one that is new.
        clock.Advance(TimeSpan.FromHours(12));
        await SignAndConfirmAsync("Third Waiting Organisation", "three@third.example.org");
        clock.Advance(TimeSpan.FromHours(12));
        await app.Services.GetRequiredService<ReviewDigests>().RunOnceAsync();

        var second = Digests(await Delivered.MessagesAsync(app)).Last();
        Assert.That(Digests(await Delivered.MessagesAsync(app)), Has.Count.EqualTo(2));
        Assert.That(second.Subject, Is.EqualTo($"To review: 3 sign-ons on {Title}"));
        Assert.That(second.TextBody, Does.Contain("Third Waiting Organisation").And.Contain("(1 new since the last digest)"));
    }

    [Test]
    public async Task NothingWaitingSendsNoDigest()
    {
        await CreateLetterAsync("daily");
        var id = await SignAndConfirmAsync("Soon Approved Organisation", "soon@approved.example.org");
        using (var approved = await coordinator.PostAsJsonAsync($"/api/petitions/{Slug}/signatures/{id}/approve", new { }))
        {
            Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        clock.Advance(TimeSpan.FromHours(2));
        Assert.That(await app.Services.GetRequiredService<ReviewDigests>().RunOnceAsync(), Is.Zero);
        Assert.That(Digests(await Delivered.MessagesAsync(app)), Is.Empty);
    }

    [Test]
    public async Task RunsAtOnceSendOneDigest()
    {
        await CreateLetterAsync("daily");
        await SignAndConfirmAsync("Raced Organisation", "raced@raced.example.org");
        var digests = app.Services.GetRequiredService<ReviewDigests>();
        // The service's own loop stopped, so the four runs race alone: exactly one of them sends.
        await digests.StopAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(2));

        var sent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => digests.RunOnceAsync())));

        Assert.That(sent.Sum(), Is.EqualTo(1));
        Assert.That(Digests(await Delivered.MessagesAsync(app)), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task AnEachLetterAlertsPerSignOnAndSendsNoDigest()
    {
        await CreateLetterAsync("each");
        await SignAndConfirmAsync("Alerting Organisation", "alerting@alerting.example.org");
        clock.Advance(TimeSpan.FromHours(2));
        await app.Services.GetRequiredService<ReviewDigests>().RunOnceAsync();

        var messages = await Delivered.MessagesAsync(app);
        Assert.That(Subjects(messages), Does.Contain($"To review: Alerting Organisation signed {Title}"));
        Assert.That(Digests(messages), Is.Empty);
    }

    [Test]
    public async Task AnUnknownSettingIsA400NamingTheField()
    {
        using var response = await coordinator.PostAsJsonAsync("/api/petitions", Letter("weekly"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").TryGetProperty("reviewAlerts", out _), Is.True, problem.ToString());
        using var found = await visitor.GetAsync($"/api/petitions/{Slug}");
        Assert.That(found.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "nothing stored");
    }

    [Test]
    public async Task TheEditorOffersBothChoicesAndSavesTheOneTaken()
    {
        const string editor = "/coordinators/petitions/iap-2017/edit";
        var page = await coordinator.GetStringAsync(editor);
        Assert.That(page, Does.Contain("<legend>Tell coordinators of sign-ons to review</legend>"));
        Assert.That(page, Does.Match("<input type=\"radio\" id=\"reviewAlerts-each\" name=\"reviewAlerts\" value=\"each\" checked"));

        var letter = await visitor.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017");
        var values = new Dictionary<string, string>
        {
            ["title"] = letter.GetProperty("title").GetString()!, ["addressee"] = letter.GetProperty("addressee").GetString()!,
            ["place"] = letter.GetProperty("place").GetString()!, ["date"] = letter.GetProperty("date").GetString()!, ["status"] = "open",
            ["review"] = "flagged", ["reviewAlerts"] = "daily", ["closesAt"] = "", ["body"] = letter.GetProperty("body").GetString()!,
            ["demandGroups"] = string.Join("\n\n", letter.GetProperty("demandGroups").EnumerateArray().Select(g =>
                g.GetProperty("lead").GetString() + "\n" + string.Join("\n", g.GetProperty("demands").EnumerateArray().Select(d => "- " + d.GetString())))),
            ["footnotes"] = string.Join("\n", letter.GetProperty("footnotes").EnumerateArray().Select(f =>
                $"{f.GetProperty("number").GetInt32()}. {f.GetProperty("text").GetString()}")),
            ["__RequestVerificationToken"] = SignOnClient.Antiforgery(page),
        };
        using var form = new FormUrlEncodedContent(values);
        using var saved = await coordinator.PostAsync(editor, form);

        Assert.That((int)saved.StatusCode, Is.EqualTo(303).Or.EqualTo(302), await saved.Content.ReadAsStringAsync());
        var after = await visitor.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017");
        Assert.That(after.GetProperty("reviewAlerts").GetString(), Is.EqualTo("daily"));
        Assert.That(after.GetProperty("version").GetInt32(), Is.EqualTo(letter.GetProperty("version").GetInt32()), "a setting is not a new text");
        Assert.That(await coordinator.GetStringAsync(editor), Does.Match("id=\"reviewAlerts-daily\" name=\"reviewAlerts\" value=\"daily\" checked"));
    }

    private static Dictionary<string, object?> Letter(string alerts) => new()
    {
        ["slug"] = Slug, ["title"] = Title, ["status"] = "open", ["body"] = "We write.", ["review"] = "all", ["reviewAlerts"] = alerts,
    };

    private async Task CreateLetterAsync(string alerts)
    {
        using var created = await coordinator.PostAsJsonAsync("/api/petitions", Letter(alerts));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
    }

    /// <returns>The signature's id, confirmed and waiting for review.</returns>
    private async Task<long> SignAndConfirmAsync(string organisation, string email)
    {
        using (var signed = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson(organisation, email), Slug))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var token = Delivered.Tokens((await Delivered.MessagesAsync(app)).Where(m => m.To.ToString() == email)).Single();
        using (var confirmed = await visitor.PostAsJsonAsync("/api/confirmations", new { token }))
        {
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT s.id FROM signatures s WHERE s.contact_email = @email AND s.status = 'confirmed'", new { email });
    }

    private static List<MimeMessage> Digests(IEnumerable<MimeMessage> messages) =>
        messages.Where(m => System.Text.RegularExpressions.Regex.IsMatch(m.Subject ?? "", @"^To review: \d+ sign-ons? on ")).ToList();

    private static IEnumerable<string> Subjects(IEnumerable<MimeMessage> messages) => messages.Select(m => m.Subject ?? "");
}
