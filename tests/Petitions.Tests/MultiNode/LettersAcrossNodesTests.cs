using System.Net;
using System.Net.Http.Json;
using Dapper;
using Petitions.Data;
using Petitions.Tests.Support;

namespace Petitions.Tests.MultiNode;

/// <summary>
/// On PostgreSQL each node keeps a letter between sign-ons (PetitionStore.ReadToSignAsync) until a change to
/// it is announced. The freshness bound is five minutes here (but in the test of the bound), so only an
/// announcement (this node's writer, another node's NOTIFY, the listener's reconnection) can make a node read
/// the letter again.
/// </summary>
[Category("MultiNode")]
public class LettersAcrossNodesTests
{
    private const string Slug = "kept-letter";
    private const string Title = "Open letter on the independence of prosecutors";

    private Nodes nodes = null!;
    private HttpClient a = null!;
    private HttpClient b = null!;
    private HttpClient coordinatorOnA = null!;

    [SetUp]
    public Task StartNodes() => StartNodesAsync(TimeSpan.FromMinutes(5));

    private async Task StartNodesAsync(TimeSpan freshFor)
    {
        nodes = await Nodes.StartAsync(new Dictionary<string, string?> { ["Petitions:ListCacheFreshFor"] = freshFor.ToString("c") });
        a = nodes.A.CreateClient(new() { AllowAutoRedirect = false });
        b = nodes.B.CreateClient(new() { AllowAutoRedirect = false });
        coordinatorOnA = await Coordinator.ClientAsync(nodes.A);
        using (var created = await coordinatorOnA.PostAsJsonAsync("/api/petitions", Letter(Title)))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        // Both nodes keep the letter from here on.
        Assert.That(await SignedTitleAsync(a, "First On A"), Is.EqualTo(Title));
        Assert.That(await SignedTitleAsync(b, "First On B"), Is.EqualTo(Title));
    }

    [TearDown]
    public async Task StopNodes()
    {
        coordinatorOnA.Dispose();
        a.Dispose();
        b.Dispose();
        await nodes.DisposeAsync();
    }

    [Test]
    public async Task ALetterEditedOnOneNodeIsWhatBothNodesSignOnsNameTheOtherWithinTwoSeconds()
    {
        const string renamed = "Open letter on the independence of judges";
        using (var edited = await coordinatorOnA.PutAsJsonAsync($"/api/petitions/{Slug}", Letter(renamed)))
        {
            Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(await SignedTitleAsync(a, "Next On A"), Is.EqualTo(renamed), "the node that edited it forgot it at once");
        Assert.That(await SignedTitleWithinAsync(b, "Next On B", renamed, TimeSpan.FromSeconds(2)), Is.EqualTo(renamed), "the other node heard of it within 2 s");
    }

    [Test]
    public async Task ALetterChangedBehindTheNodesBacksIsReadAgainOnceTheFreshnessBoundPassed()
    {
        await StopNodes();
        await StartNodesAsync(TimeSpan.FromSeconds(1));
        const string renamed = "A title read after a second";
        await RenameBehindTheNodesBacksAsync(renamed);

        Assert.That(await SignedTitleWithinAsync(b, "Bounded On B", renamed, TimeSpan.FromSeconds(3)), Is.EqualTo(renamed), "read again after the bound");
    }

    [Test]
    public async Task ALetterChangedBehindTheNodesBacksIsKeptUntilTheListenerReconnects()
    {
        const string renamed = "A title no node was told of";
        await RenameBehindTheNodesBacksAsync(renamed);
        await using var connection = await nodes.Database.OpenAsync();

        Assert.That(await SignedTitleAsync(b, "Unannounced On B"), Is.EqualTo(Title), "B signs on with the letter it keeps");
        var killed = await connection.ExecuteScalarAsync<long>(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'");
        Assert.That(killed, Is.EqualTo(2), "one listener connection per node");

        Assert.That(await SignedTitleWithinAsync(b, "Reconnected On B", renamed, TimeSpan.FromSeconds(5)), Is.EqualTo(renamed), "forgot every letter on reconnecting");
    }

    [Test]
    public async Task ALetterClosedBehindTheNodesBacksTakesNoSignOnWhileKeptOpen()
    {
        await RenameBehindTheNodesBacksAsync("Renamed unannounced");

        Assert.That(await SignedTitleAsync(b, "Before Closing On B"), Is.EqualTo(Title), "B keeps the letter");
        await using (var connection = await nodes.Database.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE petitions SET status = 'closed' WHERE slug = @Slug", new { Slug });
        }

        // B keeps the letter as open: the writer's own read in its transaction refuses, and nothing is stored.
        using (var refused = await SignOnClient.PostJsonAsync(b, SignOnClient.ValidJson("Too Late Organisation", "late@toolate.example.org"), Slug))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        }

        await using var check = await nodes.Database.OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'Too Late Organisation'"), Is.Zero);
    }

    [Test]
    public async Task ALetterReopenedBehindTheNodesBacksTakesSignOnsAtOnce()
    {
        using (var closed = await coordinatorOnA.PutAsJsonAsync($"/api/petitions/{Slug}", Letter(Title, "closed")))
        {
            Assert.That(closed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        HttpStatusCode answer;
        var n = 0;
        while ((answer = await SignOnStatusAsync(b, $"While Closed {++n}")) != HttpStatusCode.Conflict && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.That(answer, Is.EqualTo(HttpStatusCode.Conflict), "B heard that it closed");
        await using (var connection = await nodes.Database.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE petitions SET status = 'open' WHERE slug = @Slug", new { Slug });
        }

        // A letter that takes no sign-ons is not kept: its refusal is always the database's.
        Assert.That(await SignOnStatusAsync(b, "Reopened On B"), Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task TheFormKeepsTheLetterTooAndHearsOfItsEditOnTheOtherNode()
    {
        await RenameBehindTheNodesBacksAsync("A title the form was not told of");
        Assert.That(await SignedTitleAsync(b, "Form Before On B", form: true), Is.EqualTo(Title), "B's form signs on with the letter it keeps");

        const string renamed = "Open letter on the independence of the bar";
        using (var edited = await coordinatorOnA.PutAsJsonAsync($"/api/petitions/{Slug}", Letter(renamed)))
        {
            Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(await SignedTitleWithinAsync(b, "Form After On B", renamed, TimeSpan.FromSeconds(2), form: true), Is.EqualTo(renamed));
    }

    [Test]
    public async Task AnImportOnOneNodeMakesTheOtherReadEveryLetterAgainWithinTwoSeconds()
    {
        const string renamed = "A title heard of with every letter";
        await RenameBehindTheNodesBacksAsync(renamed);
        Assert.That(await SignedTitleAsync(b, "Before Import On B"), Is.EqualTo(Title), "B keeps the letter");

        // An import announces every letter ("*"): it can give an organisation on other letters its country.
        using (var import = await coordinatorOnA.PostAsync($"/api/petitions/{Slug}/signatures/import",
                   new StringContent("Imported Organisation, Oslo", System.Text.Encoding.UTF8, "text/plain")))
        {
            Assert.That(import.IsSuccessStatusCode, Is.True, await import.Content.ReadAsStringAsync());
        }

        Assert.That(await SignedTitleWithinAsync(b, "After Import On B", renamed, TimeSpan.FromSeconds(2)), Is.EqualTo(renamed));
    }

    [Test]
    public async Task ATranslationPublishedOnOneNodeIsInTheOtherNodesSignOnsWithinTwoSeconds()
    {
        Assert.That(await SignedTitleAsync(b, "French Before On B", language: "fr"), Is.EqualTo(Title), "no translation yet");

        const string french = "Lettre ouverte sur l’indépendance des procureurs";
        using (var published = await coordinatorOnA.PutAsJsonAsync($"/api/petitions/{Slug}/translations/fr", new Dictionary<string, object?>
               {
                   ["title"] = french, ["addressee"] = "Le Conseil de l’Europe", ["place"] = "Strasbourg",
                   ["body"] = "Nous, soussignés, vous écrivons.", ["status"] = "published",
               }))
        {
            Assert.That(published.StatusCode, Is.EqualTo(HttpStatusCode.Created), await published.Content.ReadAsStringAsync());
        }

        Assert.That(await SignedTitleWithinAsync(b, "French After On B", french, TimeSpan.FromSeconds(2), language: "fr"), Is.EqualTo(french));
    }

    private static async Task<HttpStatusCode> SignOnStatusAsync(HttpClient node, string organisation)
    {
        var email = $"{organisation.Replace(' ', '.').ToLowerInvariant()}@kept.example.org";
        using var signed = await SignOnClient.PostJsonAsync(node, SignOnClient.ValidJson(organisation, email), Slug);
        return signed.StatusCode;
    }

    /// <summary>Signs on through a node until its email names <paramref name="title"/> or <paramref name="within"/> passed; the last title named.</summary>
    private async Task<string?> SignedTitleWithinAsync(
        HttpClient node, string organisation, string title, TimeSpan within, string? language = null, bool form = false)
    {
        var deadline = DateTime.UtcNow + within;
        string? seen;
        var n = 0;
        while ((seen = await SignedTitleAsync(node, $"{organisation} {++n}", language, form)) != title && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return seen;
    }

    /// <summary>Signs on through a node (by JSON, or by the form as a browser) and returns the letter's title as the confirmation email names it.</summary>
    private async Task<string?> SignedTitleAsync(HttpClient node, string organisation, string? language = null, bool form = false)
    {
        var email = $"{organisation.Replace(' ', '.').ToLowerInvariant()}@kept.example.org";
        var fields = SignOnClient.ValidJson(organisation, email);
        if (language is not null)
        {
            fields["language"] = language;
        }

        using (var signed = form ? await SignOnClient.PostFormAsync(node, fields, Slug) : await SignOnClient.PostJsonAsync(node, fields, Slug))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(form ? HttpStatusCode.SeeOther : HttpStatusCode.Accepted), organisation);
        }

        // "Confirm your signature: …", or its translation.
        var subject = (await Delivered.MessagesAsync(nodes.A)).Single(m => m.To.Mailboxes.Single().Address == email).Subject ?? "";
        var colon = subject.IndexOf(": ", StringComparison.Ordinal);
        Assert.That(colon, Is.Positive, subject);
        return subject[(colon + 2)..];
    }

    private async Task RenameBehindTheNodesBacksAsync(string title)
    {
        await using var connection = await nodes.Database.OpenAsync();
        await connection.ExecuteAsync("UPDATE petitions SET title = @title, updated_at = @at WHERE slug = @Slug",
            new { title, at = Time.Format(DateTimeOffset.UtcNow), Slug });
    }

    private static object Letter(string title, string status = "open") => new
    {
        slug = Slug,
        title,
        addressee = "The Council of Europe",
        place = "Strasbourg",
        date = "2026-11-28",
        status,
        requiresReview = false,
        closesAt = "2099-01-31T23:59:59Z",
        body = "We, the undersigned, write to you.",
    };
}
