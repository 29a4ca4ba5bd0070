using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Petitions.Tests.Support;

namespace Petitions.Tests.Updates;

/// <summary>
/// Updates to signatories: to the confirmed contacts who ticked "Send me updates", in the language
/// they signed in, through the outbox at Updates:PerMinute, to a real SMTP server, each with a
/// one-click unsubscribe (RFC 8058) that the next update honours.
/// </summary>
public sealed partial class UpdatesTests
{
    private const string Slug = "updated-letter";
    private const string Api = $"/api/petitions/{Slug}";

    private SmtpServer smtp = null!;
    private FakeTimeProvider clock = null!;
    private PetitionsApp app = null!;
    private HttpClient visitor = null!;
    private HttpClient coordinator = null!;

    [SetUp]
    public async Task StartAsync()
    {
        smtp = await SmtpServer.StartNewAsync();
        clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        app = new PetitionsApp(
            settings: smtp.AppSettings(("Smtp:TimeoutSeconds", "5"), ("Updates:PerMinute", "60")),
            services: s => s.AddSingleton<TimeProvider>(clock));
        visitor = app.CreateClient(new() { AllowAutoRedirect = false });
        coordinator = await Coordinator.ClientAsync(app);
        using var created = await coordinator.PostAsJsonAsync("/api/petitions", new Dictionary<string, object?>
        {
            ["slug"] = Slug, ["title"] = "A letter with news", ["addressee"] = "The Minister", ["place"] = "Geneva", ["status"] = "open",
            ["body"] = "We write to you.", ["review"] = "none", ["language"] = "en",
            ["demandGroups"] = new[] { new { lead = "We ask you to:", demands = new[] { "act." } } },
        });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        using var french = await coordinator.PutAsJsonAsync($"{Api}/translations/fr", new Dictionary<string, object?>
        {
            ["title"] = "Une lettre avec des nouvelles", ["addressee"] = "Le Ministre", ["place"] = "Genève", ["body"] = "Nous vous écrivons.",
            ["status"] = "published", ["demandGroups"] = new[] { new { lead = "Nous vous demandons :", demands = new[] { "d’agir." } } },
        });
        Assert.That(french.StatusCode, Is.EqualTo(HttpStatusCode.Created), await french.Content.ReadAsStringAsync());
    }

    [TearDown]
    public async Task StopAsync()
    {
        coordinator.Dispose();
        visitor.Dispose();
        app.Dispose();
        await smtp.DisposeAsync();
    }

    private static readonly object Update = new
    {
        subject = "The letter is delivered",
        body = "We handed the letter to the **Minister** today.\n\nThank you for signing.",
        translations = new Dictionary<string, object> { ["fr"] = new { subject = "La lettre est remise", body = "Nous avons remis la lettre au **Ministre** aujourd’hui." } },
    };

    [Test]
    public async Task AnUpdateReachesTheOptedInSignersInTheirLanguageWithOneClickUnsubscribeThatTheNextUpdateHonours()
    {
        await SignAndConfirmAsync("English Updates Organisation", "anna@english-updates.example.org", "en", wantsUpdates: true);
        await SignAndConfirmAsync("French Updates Organisation", "marie@french-updates.example.org", "fr", wantsUpdates: true);
        await SignAndConfirmAsync("Quiet Organisation", "quiet@quiet-updates.example.org", "en", wantsUpdates: false);
        var before = smtp.Messages.Count;

        using (var sent = await coordinator.PostAsJsonAsync($"{Api}/updates", Update))
        {
            Assert.That(sent.StatusCode, Is.EqualTo(HttpStatusCode.Created), await sent.Content.ReadAsStringAsync());
            var document = await sent.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(document.GetProperty("recipients").GetInt64(), Is.EqualTo(2));
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        var updates = (await smtp.WaitForMessagesAsync(before + 2, TimeSpan.FromSeconds(30))).Skip(before).ToList();
        Assert.That(updates.SelectMany(m => m.Recipients), Is.EquivalentTo(new[] { "anna@english-updates.example.org", "marie@french-updates.example.org" }));
        var english = updates.Single(m => m.Recipients.Contains("anna@english-updates.example.org")).Message;
        var french = updates.Single(m => m.Recipients.Contains("marie@french-updates.example.org")).Message;
        Assert.That(english.Subject, Is.EqualTo("The letter is delivered"));
        Assert.That(english.HtmlBody, Does.Contain("<strong>Minister</strong>"));
        Assert.That(english.TextBody, Does.Contain("Thank you for signing."));
        Assert.That(french.Subject, Is.EqualTo("La lettre est remise"));
        Assert.That(french.HtmlBody, Does.Contain("<strong>Ministre</strong>").And.Contain("lang=\"fr\""));
        foreach (var message in new[] { english, french })
        {
            Assert.That(message.Headers["List-Unsubscribe"], Does.Match(@"^<http://localhost/unsubscribe/[A-Za-z0-9_-]{43}>$"));
            Assert.That(message.Headers["List-Unsubscribe-Post"], Is.EqualTo("List-Unsubscribe=One-Click"));
            Assert.That(message.TextBody, Does.Contain(message.Headers["List-Unsubscribe"]!.Trim('<', '>')), "the link is in the text too");
        }

        // A mail program's one-click: a POST without cookies or antiforgery token.
        var link = new Uri(french.Headers["List-Unsubscribe"]!.Trim('<', '>'));
        using (var mailProgram = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false }))
        using (var oneClick = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]))
        using (var unsubscribed = await mailProgram.PostAsync(link.AbsolutePath, oneClick))
        {
            Assert.That(unsubscribed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await unsubscribed.Content.ReadAsStringAsync());
        }

        var afterFirst = smtp.Messages.Count;
        using (var second = await coordinator.PostAsJsonAsync($"{Api}/updates", new { subject = "The Minister answered", body = "Read the answer." }))
        {
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Created), await second.Content.ReadAsStringAsync());
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        var next = (await smtp.WaitForMessagesAsync(afterFirst + 1, TimeSpan.FromSeconds(30))).Skip(afterFirst).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.That(smtp.Messages.Skip(afterFirst).SelectMany(m => m.Recipients), Is.EqualTo(new[] { "anna@english-updates.example.org" }), "the unsubscribed address is skipped");
        Assert.That(next[0].Message.Subject, Is.EqualTo("The Minister answered"));

        var list = await coordinator.GetFromJsonAsync<JsonElement>($"{Api}/updates");
        Assert.That(list.GetArrayLength(), Is.EqualTo(2));
        Assert.That(list[0].GetProperty("subject").GetString(), Is.EqualTo("The Minister answered"), "newest first");
        Assert.That(list[1].GetProperty("recipients").GetInt64(), Is.EqualTo(2));
        Assert.That(list[1].GetProperty("sent").GetInt64(), Is.EqualTo(2));
        Assert.That(list[1].GetProperty("unsubscribed").GetInt64(), Is.EqualTo(1));
        Assert.That(list[0].GetProperty("recipients").GetInt64(), Is.EqualTo(1));
        Assert.That(list[0].GetProperty("unsubscribed").GetInt64(), Is.EqualTo(0));
    }

    [Test]
    public async Task TheLinksGetShowsAButtonAndUnsubscribesNoOne()
    {
        await SignAndConfirmAsync("Scanned Organisation", "scanned@scanned-updates.example.org", "en", wantsUpdates: true);
        var before = smtp.Messages.Count;
        using (var sent = await coordinator.PostAsJsonAsync($"{Api}/updates", Update))
        {
            Assert.That(sent.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        var message = (await smtp.WaitForMessagesAsync(before + 1, TimeSpan.FromSeconds(30)))[before].Message;
        var path = new Uri(message.Headers["List-Unsubscribe"]!.Trim('<', '>')).AbsolutePath;

        using (var scanned = await visitor.GetAsync(path))
        {
            Assert.That(scanned.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var page = await scanned.Content.ReadAsStringAsync();
            Assert.That(page, Does.Contain("<form method=\"post\"").And.Contain("A letter with news"));
            Assert.That(scanned.Headers.CacheControl?.NoStore, Is.True);
        }

        Assert.That(await StoppedAsync("scanned@scanned-updates.example.org"), Is.False, "a GET changes nothing");
        using (var pressed = await visitor.PostAsync(path, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")])))
        {
            Assert.That(pressed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await pressed.Content.ReadAsStringAsync(), Does.Contain("You are unsubscribed"));
        }

        Assert.That(await StoppedAsync("scanned@scanned-updates.example.org"), Is.True);
        using var unknown = await visitor.PostAsync("/unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task OnlyConfirmedContactsWhoOptedInReceiveOneEmailPerAddress()
    {
        var letter = await LetterIdAsync();
        foreach (var (status, email) in new[]
        {
            ("pending", "pending@states.example.org"), ("confirmed", "confirmed@states.example.org"), ("listed", "listed@states.example.org"),
            ("rejected", "rejected@states.example.org"), ("withdrawn", "withdrawn@states.example.org"),
        })
        {
            var id = await Coordinator.SignatureInStateAsync(app, status, $"Organisation {status}", email, slug: Slug);
            await ExecuteAsync("UPDATE signatures SET wants_updates = @yes WHERE id = @id", new { yes = true, id });
        }

        await Coordinator.SignatureInStateAsync(app, "listed", "Organisation without updates", "silent@states.example.org", slug: Slug);
        // The same person for a second organisation: one email.
        var twice = await Coordinator.SignatureInStateAsync(app, "listed", "Organisation listed twice", "LISTED@states.example.org", slug: Slug);
        await ExecuteAsync("UPDATE signatures SET wants_updates = @yes WHERE id = @twice", new { yes = true, twice });
        var at = global::Petitions.Data.Time.Format(clock.GetUtcNow());
        await ExecuteAsync("""
            INSERT INTO contacts (signature_id, name, role, email, created_at, confirmed_at, wants_updates)
            VALUES (@twice, 'Further', 'Member', 'further@states.example.org', @at, @at, @yes),
                   (@twice, 'Unconfirmed', 'Member', 'unconfirmed@states.example.org', @at, NULL, @yes),
                   (@twice, 'Uninterested', 'Member', 'uninterested@states.example.org', @at, @at, @no)
            """, new { twice, at, yes = true, no = false });

        using var sent = await coordinator.PostAsJsonAsync($"{Api}/updates", new { subject = "News", body = "Some news." });
        Assert.That(sent.StatusCode, Is.EqualTo(HttpStatusCode.Created), await sent.Content.ReadAsStringAsync());

        await using var connection = await app.Db.OpenAsync();
        var addresses = await connection.QueryAsync<string>(
            "SELECT to_address FROM outbox WHERE kind = 'letter-update' AND petition_id = @letter", new { letter });
        Assert.That(addresses.Select(a => a.ToLowerInvariant()), Is.EquivalentTo(new[]
        {
            "confirmed@states.example.org", "listed@states.example.org", "further@states.example.org",
        }));
    }

    [Test]
    public async Task UpdatesLeaveAtTheConfiguredPaceAcrossUpdates()
    {
        for (var i = 0; i < 4; i++)
        {
            var id = await Coordinator.SignatureInStateAsync(app, "listed", $"Paced Organisation {i}", $"paced{i}@paced.example.org", slug: Slug);
            await ExecuteAsync("UPDATE signatures SET wants_updates = @yes WHERE id = @id", new { yes = true, id });
        }

        var start = clock.GetUtcNow();
        var before = smtp.Messages.Count;
        using (var first = await coordinator.PostAsJsonAsync($"{Api}/updates", new { subject = "First", body = "One." }))
        using (var second = await coordinator.PostAsJsonAsync($"{Api}/updates", new { subject = "Second", body = "Two." }))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        await using (var connection = await app.Db.OpenAsync())
        {
            var due = (await connection.QueryAsync<string>("SELECT due_at FROM outbox WHERE kind = 'letter-update' ORDER BY due_at"))
                .Select(global::Petitions.Data.Time.Parse).ToList();
            // 60 a minute: one a second, the second update after the first, not beside it.
            Assert.That(due, Is.EqualTo(Enumerable.Range(0, 8).Select(i => start + TimeSpan.FromSeconds(i)).ToList()));
        }

        // The clock stands still: only what is due now goes.
        await smtp.WaitForMessagesAsync(before + 1, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.That(smtp.Messages.Count - before, Is.EqualTo(1));

        clock.Advance(TimeSpan.FromSeconds(3));
        await smtp.WaitForMessagesAsync(before + 4, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.That(smtp.Messages.Count - before, Is.EqualTo(4));

        clock.Advance(TimeSpan.FromSeconds(10));
        var all = (await smtp.WaitForMessagesAsync(before + 8, TimeSpan.FromSeconds(30))).Skip(before).ToList();
        Assert.That(all.Select(m => m.Message.Subject), Is.EqualTo(new[] { "First", "First", "First", "First", "Second", "Second", "Second", "Second" }));
    }

    [TestCase("{\"body\":\"Text.\"}", "subject")]
    [TestCase("{\"subject\":\"Two\\nlines\",\"body\":\"Text.\"}", "subject")]
    [TestCase("{\"subject\":\"News\",\"body\":\"  \"}", "body")]
    [TestCase("{\"subject\":\"News\",\"body\":\"Text.\",\"translations\":{\"de\":{\"subject\":\"Neu\",\"body\":\"Text.\"}}}", "translations.de")]
    [TestCase("{\"subject\":\"News\",\"body\":\"Text.\",\"translations\":{\"fr\":{\"subject\":\"Nouvelles\"}}}", "translations.fr.body")]
    public async Task ABadUpdateIs400NamingTheFieldAndStoresNothing(string body, string field)
    {
        await Coordinator.SignatureInStateAsync(app, "listed", "Bad Input Organisation", "bad@bad-input.example.org", slug: Slug);
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await coordinator.PostAsync($"{Api}/updates", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM letter_updates"), Is.EqualTo(0));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE kind = 'letter-update'"), Is.EqualTo(0));
    }

    [Test]
    public async Task TheFormsCheckboxAsksForUpdatesAndItsAbsenceDoesNot()
    {
        var page = await visitor.GetStringAsync($"/petitions/{Slug}");
        Assert.That(page, Does.Contain("name=\"wantsUpdates\"").And.Contain("Send me updates about this letter"));
        var french = await visitor.GetStringAsync($"/petitions/{Slug}?lang=fr");
        Assert.That(french, Does.Contain("Recevoir des nouvelles de cette lettre"));

        var fields = SignOnClient.ValidJson("Form Updates Organisation", "form@form-updates.example.org");
        fields["wantsUpdates"] = true;
        using (var ticked = await SignOnClient.PostFormAsync(visitor, fields, Slug))
        {
            Assert.That(ticked.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        }

        using (var unticked = await SignOnClient.PostFormAsync(visitor, SignOnClient.ValidJson("Form Quiet Organisation", "quiet@form-quiet.example.org"), Slug))
        {
            Assert.That(unticked.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        }

        await using var connection = await app.Db.OpenAsync();
        var wants = (await connection.QueryAsync<(string Email, long Wants)>("SELECT contact_email, CASE WHEN wants_updates THEN 1 ELSE 0 END FROM signatures WHERE petition_id = (SELECT id FROM petitions WHERE slug = @Slug) ORDER BY id", new { Slug })).ToList();
        Assert.That(wants, Is.EqualTo(new[] { ("form@form-updates.example.org", 1L), ("quiet@form-quiet.example.org", 0L) }));
    }

    /// <summary>Signs by the JSON API and confirms by the link in the email, as a person does.</summary>
    private async Task SignAndConfirmAsync(string organisation, string email, string language, bool wantsUpdates)
    {
        var body = SignOnClient.ValidJson(organisation, email);
        body["language"] = language;
        body["wantsUpdates"] = wantsUpdates;
        var before = smtp.Messages.Count;
        using (var signed = await SignOnClient.PostJsonAsync(visitor, body, Slug))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await signed.Content.ReadAsStringAsync());
        }

        var mail = (await smtp.WaitForMessagesAsync(before + 1, TimeSpan.FromSeconds(30))).Skip(before).Single(m => m.Recipients.Contains(email));
        var path = new Uri(ConfirmLink().Match(mail.Message.TextBody ?? "").Value).AbsolutePath;
        var page = await visitor.GetStringAsync(path);
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", SignOnClient.Antiforgery(page))]);
        using var confirmed = await visitor.PostAsync(path, form);
        Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        // The "you are listed" email, so later counts start after it.
        await smtp.WaitForMessagesAsync(before + 2, TimeSpan.FromSeconds(30));
    }

    private async Task<bool> StoppedAsync(string email)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM signatures WHERE contact_email = @email AND updates_stopped_at IS NOT NULL", new { email }) > 0;
    }

    private async Task<long> LetterIdAsync()
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = @Slug", new { Slug });
    }

    private async Task ExecuteAsync(string sql, object parameters)
    {
        await using var connection = await app.Db.OpenAsync();
        await connection.ExecuteAsync(sql, parameters);
    }

    [GeneratedRegex(@"http://localhost/confirm/[A-Za-z0-9_-]{43}")]
    private static partial Regex ConfirmLink();
}
