using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>One organisation, one signatory: however it is spelt, whoever signs for it, however often.</summary>
public class DedupeTests
{
    private PetitionsApp app = null!;
    private HttpClient client = null!;

    [SetUp]
    public void StartApp()
    {
        app = new PetitionsApp();
        client = app.CreateClient();
    }

    [TearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
    }

    private async Task SignAsync(string organisation, string email, string country = "CZ", string? name = null)
    {
        var body = SignOnClient.ValidJson(organisation, email);
        body["country"] = country;
        body["city"] = "Prague";
        body["website"] = "https://www.transparency.cz";
        if (name is not null)
        {
            body["contactName"] = name;
        }

        using var response = await SignOnClient.PostJsonAsync(client, body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("{\"status\":\"pending\"}"));
    }

    private async Task<List<(long Id, string Name, string Status, string Flags)>> SignaturesNamedAsync(string likeName)
    {
        await using var connection = await app.Db.OpenAsync();
        return (await connection.QueryAsync<(long, string, string, string)>("""
            SELECT s.id, o.name, s.status, s.flags FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE o.loose_key LIKE @likeName ORDER BY s.id
            """, new { likeName })).ToList();
    }

    private async Task<long> ContactsAsync()
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM contacts");
    }

    [Test]
    public async Task TheDecomposedFormOfAnAccentedNameIsTheSameOrganisation()
    {
        await SignAsync("Nadace Česká Otevřenost", "petr@transparency.cz");
        await SignAsync("Nadace Česká Otevřenost".Normalize(NormalizationForm.FormD), "jana@transparency.cz");

        Assert.That(await SignaturesNamedAsync("nadace ceska%"), Has.Count.EqualTo(1));
        Assert.That(await ContactsAsync(), Is.EqualTo(1), "the second person is a further contact");
    }

    [Test]
    public async Task AZeroWidthSpaceDoesNotMakeASecondOrganisation()
    {
        await SignAsync("Nadace Otevřenost", "petr@transparency.cz");
        await SignAsync("Nadace\u200B Otevřenost", "jana@transparency.cz");

        Assert.That(await SignaturesNamedAsync("nadace otevrenost"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task CapitalsDoNotMakeASecondOrganisation()
    {
        await SignAsync("Nadace Otevřenost", "petr@transparency.cz");
        await SignAsync("NADACE OTEVŘENOST", "jana@transparency.cz");

        Assert.That(await SignaturesNamedAsync("nadace otevrenost"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task FullWidthLettersDoNotMakeASecondOrganisation()
    {
        await SignAsync("Nadace Otevrenost", "petr@transparency.cz");
        await SignAsync("Ｎａｄａｃｅ Ｏｔｅｖｒｅｎｏｓｔ", "jana@transparency.cz");

        Assert.That(await SignaturesNamedAsync("nadace otevrenost"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task ASecondStaffMemberIsAFurtherContactAndTheListShowsTheOrganisationOnce()
    {
        await SignAsync("Nadace Otevřenost", "petr@transparency.cz", name: "Petr Novák");
        await ConfirmAllAsync();
        await SignAsync("Nadace Otevřenost", "jana@transparency.cz", name: "Jana Dvořáková");
        await ConfirmAllAsync();

        var signatories = await client.GetStringAsync("/api/petitions/iap-2017/signatories");
        Assert.That(signatories.Split("Nadace Otev").Length - 1, Is.EqualTo(1));
        await using var connection = await app.Db.OpenAsync();
        var contact = await connection.QuerySingleAsync<(string Name, string Email, string? ConfirmedAt)>("SELECT name, email, confirmed_at FROM contacts");
        Assert.That(contact.Name, Is.EqualTo("Jana Dvořáková"));
        Assert.That(contact.Email, Is.EqualTo("jana@transparency.cz"));
        Assert.That(contact.ConfirmedAt, Is.Not.Null);
    }

    [Test]
    public async Task ARepeatOfTheSameEmailGetsTheSameAnswerAndAnAlreadySignedEmail()
    {
        await SignAsync("Nadace Otevřenost", "petr@transparency.cz");
        await ConfirmAllAsync();
        await SignAsync("Nadace Otevřenost", "petr@transparency.cz");

        Assert.That(await SignaturesNamedAsync("nadace otevrenost"), Has.Count.EqualTo(1));
        Assert.That(await ContactsAsync(), Is.Zero);
        await using var connection = await app.Db.OpenAsync();
        var kinds = (await connection.QueryAsync<string>("SELECT kind FROM outbox ORDER BY id")).ToList();
        Assert.That(kinds, Is.EqualTo(new[] { "confirm-sign-on", "now-listed", "already-signed" }));
    }

    [TestCase("withdraw")]
    [TestCase("reject")]
    public async Task AnOrganisationThatWithdrewOrWasRejectedMaySignAgainAsANewSignature(string decision)
    {
        using var coordinator = await Coordinator.ClientAsync(app);
        await SignAsync("Nadace Otevřenost", "petr@transparency.cz");
        await ConfirmAllAsync();
        var first = (await SignaturesNamedAsync("nadace otevrenost")).Single();
        if (decision == "reject")
        {
            await using var connection = await app.Db.OpenAsync();
            await connection.ExecuteAsync("UPDATE signatures SET status = 'confirmed', listed_at = NULL WHERE id = @Id", new { first.Id });
        }

        using (var decided = await coordinator.PostAsJsonAsync($"/api/petitions/iap-2017/signatures/{first.Id}/{decision}", new { reason = "Board decision" }))
        {
            Assert.That(decided.StatusCode, Is.EqualTo(HttpStatusCode.OK), await decided.Content.ReadAsStringAsync());
        }

        await SignAsync("Nadace Otevřenost", "jana@transparency.cz", name: "Jana Dvořáková");

        var both = await SignaturesNamedAsync("nadace otevrenost");
        Assert.That(both.Select(s => s.Status), Is.EqualTo(new[] { decision == "reject" ? "rejected" : "withdrawn", "pending" }), "the old one kept, a new one made");
        Assert.That(both[1].Flags, Does.Not.Contain("possible-duplicate"), "its own earlier signature is no duplicate");
        await using (var connection = await app.Db.OpenAsync())
        {
            var kinds = (await connection.QueryAsync<string>("SELECT kind FROM outbox WHERE signature_id = @Id ORDER BY id", new { both[1].Id })).ToList();
            Assert.That(kinds, Is.EqualTo(new[] { "confirm-sign-on" }), "a link to confirm, not 'already signed'");
        }

        await ConfirmAllAsync();
        var signatories = await client.GetStringAsync("/api/petitions/iap-2017/signatories");
        Assert.That(signatories.Split("Nadace Otev").Length - 1, Is.EqualTo(1), "listed once");
        var records = (await coordinator.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/petitions/iap-2017/signatures")).EnumerateArray()
            .Where(r => r.GetProperty("organisation").GetString() == "Nadace Otevřenost").Select(r => r.GetProperty("status").GetString()).ToList();
        Assert.That(records, Is.EquivalentTo(new[] { decision == "reject" ? "rejected" : "withdrawn", "listed" }), "coordinators see both");

        // While the new one is alive, a further sign-on is a repeat again.
        await SignAsync("Nadace Otevřenost", "jana@transparency.cz", name: "Jana Dvořáková");
        Assert.That(await SignaturesNamedAsync("nadace otevrenost"), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task AnUnconfirmedRepeatGetsAFreshLinkAndTheOldOneStopsWorking()
    {
        await SignAsync("Nadace Otevřenost", "petr@transparency.cz");
        var first = await LinkTokensAsync();
        await SignAsync("Nadace Otevřenost", "petr@transparency.cz");
        var second = (await LinkTokensAsync()).Except(first).Single();

        using var old = await client.PostAsJsonAsync("/api/confirmations", new { token = first.Single() });
        using var fresh = await client.PostAsJsonAsync("/api/confirmations", new { token = second });

        Assert.That(old.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(fresh.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task NoAddressGetsMoreThanFiveEmailsAboutOneSignOn()
    {
        for (var i = 0; i < 9; i++)
        {
            await SignAsync("Nadace Otevřenost", "petr@transparency.cz");
        }

        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE to_address = 'petr@transparency.cz'"), Is.EqualTo(5));
    }

    [Test]
    public async Task ANearSpellingIsANewLineFlaggedForReviewNotListedOnConfirmation()
    {
        await SignAsync("Justiça Aberta", "ana@transparency.cz", country: "BR");
        await ConfirmAllAsync();
        await SignAsync("Justica Aberta", "rui@transparency.cz", country: "BR");
        await ConfirmAllAsync();

        var rows = await SignaturesNamedAsync("justica aberta");
        Assert.That(rows.Select(r => r.Status), Is.EqualTo(new[] { "listed", "confirmed" }));
        Assert.That(rows[1].Flags, Does.Contain("possible-duplicate"));
    }

    [Test]
    public async Task ANearSpellingOfASignOnNotYetListedIsFlaggedToo()
    {
        // Not listed, so only the writer's count of the letter's living signatures can see it.
        await SignAsync("Justiça Aberta", "ana@transparency.cz", country: "BR");
        await SignAsync("Justica Aberta", "rui@transparency.cz", country: "BR");

        var rows = await SignaturesNamedAsync("justica aberta");
        Assert.That(rows.Select(r => r.Status), Is.EqualTo(new[] { "pending", "pending" }));
        Assert.That(rows[0].Flags, Does.Not.Contain("possible-duplicate"));
        Assert.That(rows[1].Flags, Does.Contain("possible-duplicate"));
    }

    [Test]
    public async Task ASeedOrganisationSigningAgainWithACountryIsFlaggedNotListedTwice()
    {
        // The seed printed Amnesty International with no city and no country.
        await SignAsync("Amnesty International", "someone@amnesty.org", country: "GB");
        await ConfirmAllAsync();

        var signatories = await client.GetStringAsync("/api/petitions/iap-2017/signatories");
        Assert.That(signatories.Split("\"Amnesty International\"").Length - 1, Is.EqualTo(1));
        var rows = await SignaturesNamedAsync("amnesty international");
        Assert.That(rows[^1].Flags, Does.Contain("possible-duplicate"));
    }

    [Test]
    public async Task ANameMixingCyrillicLettersIntoLatinIsFlaggedForReview()
    {
        await SignAsync("Аmnesty Internatiоnal Czech", "x@amnesty.cz");
        await ConfirmAllAsync();

        await using var connection = await app.Db.OpenAsync();
        var row = await connection.QuerySingleAsync<(string Status, string Flags)>(
            "SELECT s.status, s.flags FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name LIKE '%Czech'");
        Assert.That(row.Status, Is.EqualTo("confirmed"));
        Assert.That(row.Flags, Does.Contain("look-alike"));
    }

    [TestCase("petr@transparency.cz", "https://www.transparency.cz", "domain-verified")]
    [TestCase("petr@mail.transparency.cz", "https://transparency.cz/en", "domain-verified")]
    [TestCase("petr@gmail.com", "https://www.transparency.cz", "domain-mismatch")]
    [TestCase("petr@gmail.com", "https://gmail.com", "domain-mismatch")]
    [TestCase("petr@other.example.org", "https://www.transparency.cz", "domain-mismatch")]
    [TestCase("petr@transparency.cz", null, "domain-mismatch")]
    public async Task TheSignersEmailDomainIsCheckedAgainstTheWebsite(string email, string? website, string flag)
    {
        var body = SignOnClient.ValidJson("Domain Check Organisation", email);
        body["website"] = website;

        using var response = await SignOnClient.PostJsonAsync(client, body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await SignaturesNamedAsync("domain check organisation")).Single().Flags.Split(' '), Does.Contain(flag));
    }

    private async Task<List<string>> LinkTokensAsync() => (await Delivered.TokensAsync(app)).ToList();

    private async Task ConfirmAllAsync()
    {
        foreach (var token in await LinkTokensAsync())
        {
            using var _ = await client.PostAsJsonAsync("/api/confirmations", new { token });
        }
    }
}
