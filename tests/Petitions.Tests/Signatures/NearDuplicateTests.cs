using System.Diagnostics;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Data;
using Petitions.Organisations;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>A sign-on near a listed organisation (a name within a name, the same registrable domain) waits as a possible duplicate.</summary>
public sealed class NearDuplicateTests
{
    [TestCase("Justica Global Brasil", true, TestName = "A longer name holding a listed one (Justiça Global) is flagged")]
    [TestCase("Global", false, TestName = "One word held in a listed name is not")]
    [TestCase("Global Witness", false, TestName = "A name sharing one word is not")]
    public async Task ANameHoldingOrHeldInAListedNameIsFlagged(string organisation, bool flagged)
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();

        using var response = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson(organisation, "near@near-names.example.org"));

        Assert.That(await FlagsAsync(app, organisation), flagged ? Does.Contain("possible-duplicate") : Does.Not.Contain("possible-duplicate"));
    }

    [Test]
    public async Task TheSameRegistrableDomainAsAListedOrganisationIsFlagged()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        var listed = await Coordinator.SignatureInStateAsync(app, "listed", "Alpha Trust", "a@alpha-trust.org.uk");
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE signatures SET website = 'https://www.alpha-trust.org.uk' WHERE id = @listed", new { listed });
        }

        var same = SignOnClient.ValidJson("Completely Other Name", "b@alpha-trust.org.uk");
        same["website"] = "alpha-trust.org.uk/about";
        var other = SignOnClient.ValidJson("Beta Trust", "c@beta-trust.org.uk");
        other["website"] = "https://beta-trust.org.uk";
        using (var _ = await SignOnClient.PostJsonAsync(client, same))
        using (var __ = await SignOnClient.PostJsonAsync(client, other))
        {
        }

        Assert.That(await FlagsAsync(app, "Completely Other Name"), Does.Contain("possible-duplicate"));
        Assert.That(await FlagsAsync(app, "Beta Trust"), Does.Not.Contain("possible-duplicate"));
    }

    [Test]
    public async Task ALargeLettersIndexIsReadAgainWhileThePreviousIsGiven()
    {
        using var app = new PetitionsApp();
        long letterId;
        await using (var connection = await app.Db.OpenAsync())
        {
            letterId = await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = 'iap-2017'");
            var at = Time.Format(DateTimeOffset.UtcNow);
            await connection.ExecuteAsync("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
                INSERT INTO organisations (name, name_key, loose_key, city, country, created_at)
                SELECT 'Many Hands ' || i, 'many hands ' || i, 'many hands ' || i, 'Amsterdam', 'NL', @at FROM n
                """, new { at, count = PublicListCache.NearWaitUpTo });
            await connection.ExecuteAsync("""
                INSERT INTO signatures (petition_id, organisation_id, status, source, contact_name, contact_role, contact_email,
                                        signed_at, confirmed_at, listed_at)
                SELECT @letterId, id, 'listed', 'api', 'Kari Nordmann', 'Director', 'many' || id || '@many.example.org', @at, @at, @at
                FROM organisations WHERE name LIKE 'Many Hands %'
                """, new { letterId, at });
        }

        var lists = app.Services.GetRequiredService<PublicListCache>();
        var changes = app.Services.GetRequiredService<ListChanges>();
        changes.ChangedAll();
        var first = await lists.GetNearAsync(letterId);
        Assert.That(first.Count, Is.GreaterThan(PublicListCache.NearWaitUpTo));

        await Coordinator.SignatureInStateAsync(app, "listed", "Rivers Without Borders", "r@rivers.example.org");
        changes.Changed(letterId);
        // Past the pause a slow read earns (a few times its duration), so the next call starts a read.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.That(await lists.GetNearAsync(letterId), Is.SameAs(first), "the sign-on that starts the read is not held for it");

        var waited = Stopwatch.StartNew();
        NearNames.Index current;
        while ((current = await lists.GetNearAsync(letterId)) == first && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(20);
        }

        Assert.That(current.Near(Names.LooseKey("Rivers Without Borders Kenya"), null), Is.True, "a later sign-on has the new name");
    }

    [Test]
    public async Task AnOrganisationListedAfterTheLettersNamesWereReadIsNearOnTheNextSignOn()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        using var coordinator = await Coordinator.ClientAsync(app);
        // The first sign-on reads the letter's listed names; this one is listed after it.
        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Early Bird Collective", "early@early-bird.example.org")))
        {
        }

        var confirmed = await Coordinator.SignatureInStateAsync(app, "confirmed", "Rivers Without Borders", "r@rivers.example.org");
        using (var approve = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{confirmed}/approve", new { }))
        {
            Assert.That(approve.IsSuccessStatusCode, Is.True);
        }

        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Rivers Without Borders Kenya", "k@rivers-kenya.example.org")))
        {
        }

        Assert.That(await FlagsAsync(app, "Rivers Without Borders Kenya"), Does.Contain("possible-duplicate"));
    }

    [Test]
    public void TheIndexFindsWhatComparingWithEveryListedNameFinds()
    {
        string[] listed = ["justica global", "global witness", "amnesty international uk", "the rivers trust", "save the children fund", "ab cd"];
        string[] signing =
        [
            "justica global brasil", "global", "global witness", "witness", "amnesty international", "amnesty international uk section",
            "international uk", "rivers trust", "the rivers", "save the children", "children fund", "the children", "ab cd ef", "x ab cd",
            "justica global witness", "bench organisation 1",
        ];
        var builder = new NearNames.Index.Builder();
        foreach (var key in listed)
        {
            builder.Add(key, key, null);
        }

        var index = builder.Build();

        foreach (var key in signing)
        {
            Assert.That(index.Near(key, null), Is.EqualTo(listed.Any(l => NearNames.ContainsEitherWay(key, l))), key);
        }
    }

    [Test]
    public void TheIndexFindsTheSameDomainAndALookAlikeNamedOtherwise()
    {
        var builder = new NearNames.Index.Builder();
        builder.Add("Front Line Defenders", "front line defenders", "https://www.frontlinedefenders.org");
        var index = builder.Build();

        Assert.That(index.Near("other", "http://frontlinedefenders.org/en"), Is.True);
        Assert.That(index.Near("other", "https://example.org"), Is.False);
        Assert.That(index.Imitated("Frоnt Line Defenders"), Is.True, "a Cyrillic о");
        Assert.That(index.Imitated("Front Line Defenders"), Is.False, "the listed name itself");
        Assert.That(index.Imitated("Back Line Defenders"), Is.False);

        // Two listed names with one skeleton: each imitates the other.
        builder.Add("Frоnt Line Defenders", "frоnt line defenders", null);
        builder.Add("Front Line Defenders", "front line defenders", null);
        var both = builder.Build();
        Assert.That(both.Imitated("Front Line Defenders"), Is.True);
        Assert.That(both.Imitated("Frоnt Line Defenders"), Is.True);
        Assert.That(both.Count, Is.EqualTo(3));
    }

    [TestCase("https://www.example.org/about", "example.org")]
    [TestCase("https://news.example.org.br", "example.org.br")]
    [TestCase("http://example.co.uk", "example.co.uk")]
    [TestCase("https://xn--bcher-kva.de", "xn--bcher-kva.de")]
    [TestCase("https://bücher.de", "xn--bcher-kva.de")]
    [TestCase("https://localhost", null)]
    [TestCase("https://192.168.1.1", null)]
    [TestCase(null, null)]
    public void TheRegistrableDomainIsTheNameARegistryHandsOut(string? website, string? domain) =>
        Assert.That(NearNames.RegistrableDomain(website), Is.EqualTo(domain));

    private static async Task<string> FlagsAsync(PetitionsApp app, string organisation)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<string?>("""
            SELECT s.flags FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = @organisation
            """, new { organisation }) ?? throw new InvalidOperationException($"No signature of {organisation}.");
    }
}
