using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Data;
using Petitions.Imports;
using Petitions.Privacy;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Petitions;

/// <summary>
/// The letter page's list is kept between requests (Signatures/PublicListCache.cs): every change to what
/// it shows appears on the next page load, and a change made by another process within seconds.
/// </summary>
public class PublicListCacheTests
{
    private const string Page = "/petitions/iap-2017";

    private PetitionsApp app = null!;
    private HttpClient visitor = null!;
    private HttpClient coordinator = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        visitor = app.CreateClient(new() { AllowAutoRedirect = false });
        coordinator = await Coordinator.ClientAsync(app);
        // The list is cached before each change below.
        Assert.That(await visitor.GetStringAsync(Page), Does.Contain("130 organisations have signed"));
    }

    [TearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        visitor.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task AConfirmedOrganisationIsOnTheNextPageLoadHtmlEncoded()
    {
        await SignAndConfirmAsync("Smith & Jones's <Foundation>", "anna@smithjones.example.org");

        var html = await visitor.GetStringAsync(Page);
        Assert.That(html, Does.Contain("<li>Smith &amp; Jones&#x27;s &lt;Foundation&gt;, Utrecht</li>"));
        Assert.That(html, Does.Not.Contain("<Foundation>"));
        Assert.That(html, Does.Contain("131 organisations have signed"));
        // The JSON escapes HTML's characters, so a partner pasting it into a page cannot open a tag.
        var json = await visitor.GetStringAsync("/api/petitions/iap-2017/signatories");
        Assert.That(json, Does.Contain("Smith \\u0026 Jones\\u0027s \\u003CFoundation\\u003E"));
        Assert.That(System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.GetProperty("organisation").GetString()),
            Does.Contain("Smith & Jones's <Foundation>"));
    }

    [Test]
    public async Task AnApprovedOrganisationIsOnTheNextPageLoad()
    {
        var id = await Coordinator.SignatureInStateAsync(app, SignatureStatus.Confirmed, "Approved Organisation");
        Assert.That(await visitor.GetStringAsync(Page), Does.Not.Contain("Approved Organisation"));

        using var response = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/approve", new { });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await visitor.GetStringAsync(Page), Does.Contain("<li>Approved Organisation, Oslo</li>"));
    }

    [Test]
    public async Task AWithdrawnOrganisationIsGoneFromTheNextPageLoadAndThePrintedLetter()
    {
        Assert.That(await visitor.GetStringAsync($"{Page}/print"), Does.Contain("<li>Fair Trials, London</li>"));
        var id = await Coordinator.SeedSignatureIdAsync(app, "Fair Trials");

        using var response = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/withdraw", new { reason = "Board decision" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await visitor.GetStringAsync(Page), Does.Not.Contain("Fair Trials").And.Contain("129 organisations have signed"));
        Assert.That(await visitor.GetStringAsync($"{Page}/print"), Does.Not.Contain("Fair Trials"));
        Assert.That(await visitor.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Not.Contain("Fair Trials"));
    }

    [Test]
    public async Task AnErasedOrganisationIsGoneFromTheNextPageLoad()
    {
        await SignAndConfirmAsync("Erased Organisation", "erase.me@erased.example.org");
        Assert.That(await visitor.GetStringAsync(Page), Does.Contain("Erased Organisation"));

        await app.Services.GetRequiredService<Erasure>().EraseAsync("erase.me@erased.example.org");

        Assert.That(await visitor.GetStringAsync(Page), Does.Not.Contain("Erased Organisation"));
    }

    [Test]
    public async Task AnImportIsOnTheNextPageLoad()
    {
        await app.Services.GetRequiredService<SignatoryImport>().ImportPublishedListAsync("iap-2017", "Imported Organisation, Amsterdam", "test");

        Assert.That(await visitor.GetStringAsync(Page), Does.Contain("<li>Imported Organisation, Amsterdam</li>"));
    }

    [Test]
    public async Task AChangeAfterASlowReadIsOnTheNextPageLoad()
    {
        // A list long enough that reading it takes longer than ShortRead: under a stream of changes the cache
        // would give the previous list for a while, but one change at a time is never a stream. Written
        // straight to the database and announced once: an import's chunks would themselves be a stream.
        await using (var connection = await app.Db.OpenAsync())
        {
            var at = Time.Format(DateTimeOffset.UtcNow);
            await connection.ExecuteAsync("""
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
                INSERT INTO organisations (name, name_key, loose_key, city, country, created_at)
                SELECT 'Long List Organisation ' || i, 'long list organisation ' || i, 'long list organisation ' || i, 'Amsterdam', 'NL', @at FROM n
                """, new { at });
            await connection.ExecuteAsync("""
                INSERT INTO signatures (petition_id, organisation_id, status, source, contact_name, contact_role, contact_email,
                                        signed_at, confirmed_at, listed_at)
                SELECT (SELECT id FROM petitions WHERE slug = 'iap-2017'), id, 'listed', 'api', 'Kari Nordmann', 'Director',
                       'list' || id || '@long.example.org', @at, @at, @at
                FROM organisations WHERE name LIKE 'Long List Organisation %'
                """, new { at });
        }

        app.Services.GetRequiredService<ListChanges>().ChangedAll();
        var id = await Coordinator.SignatureInStateAsync(app, SignatureStatus.Confirmed, "After The Long Read");
        var read = Stopwatch.StartNew();
        Assert.That(await visitor.GetStringAsync(Page), Does.Contain("Long List Organisation 19999"));
        Assert.That(read.Elapsed, Is.GreaterThan(PublicListCache.ShortRead), "the list's read was slow enough to earn a pause");

        // At once, inside the pause a stream would have earned.
        using var response = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{id}/approve", new { });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await visitor.GetStringAsync(Page), Does.Contain("<li>After The Long Read, Oslo</li>"));
    }

    [Test]
    public async Task AChangeByAnotherProcessIsOnThePageWithinSeconds()
    {
        // As `scripts/petitions erase` or `import` would: straight to the database, which this app does not hear of.
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("""
                UPDATE signatures SET status = 'withdrawn'
                WHERE organisation_id = (SELECT id FROM organisations WHERE name = 'Fair Trials')
                """);
        }

        var clock = Stopwatch.StartNew();
        string html;
        do
        {
            await Task.Delay(100);
            html = await visitor.GetStringAsync(Page);
        }
        while (html.Contains("Fair Trials", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(10));

        Assert.That(html, Does.Not.Contain("Fair Trials"));
        Assert.That(clock.Elapsed, Is.LessThan(PublicListCache.FreshFor + PublicListCache.CommitWindow + TimeSpan.FromSeconds(1)));
    }

    [Test]
    public async Task ConcurrentRequestsForAChangedListAllSeeAList()
    {
        await SignAndConfirmAsync("Concurrent Organisation", "c@concurrent.example.org");

        var pages = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => visitor.GetStringAsync(Page)));

        // One request reads the list again; the others get the previous list or the new one, never none.
        Assert.That(pages, Has.All.Contain("organisations have signed this letter."));
        Assert.That(await visitor.GetStringAsync(Page), Does.Contain("Concurrent Organisation"));
    }

    [Test]
    public async Task WithTheCacheOffEveryRequestReadsTheList()
    {
        using var uncached = new PetitionsApp(settings: new Dictionary<string, string?> { ["Petitions:ListCache"] = "false" });
        using var client = uncached.CreateClient();
        Assert.That(uncached.Services.GetRequiredService<PublicListCache>().Enabled, Is.False);
        Assert.That(await client.GetStringAsync(Page), Does.Contain("<li>Fair Trials, London</li>"));

        await using (var connection = await uncached.Db.OpenAsync())
        {
            await connection.ExecuteAsync("""
                UPDATE signatures SET status = 'withdrawn'
                WHERE organisation_id = (SELECT id FROM organisations WHERE name = 'Fair Trials')
                """);
        }

        Assert.That(await client.GetStringAsync(Page), Does.Not.Contain("Fair Trials").And.Contain("129 organisations have signed"));
    }

    private async Task SignAndConfirmAsync(string organisation, string email)
    {
        using (var signed = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson(organisation, email)))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var token = (await Delivered.TokensAsync(app))[^1];
        using var confirmed = await visitor.PostAsJsonAsync("/api/confirmations", new { token });
        Assert.That(confirmed.IsSuccessStatusCode, Is.True, await confirmed.Content.ReadAsStringAsync());
    }
}
