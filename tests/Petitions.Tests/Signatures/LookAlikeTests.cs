using System.Net;
using Dapper;
using Petitions.Organisations;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>Names that imitate a listed organisation: flagged, marked letter by letter, and named with what they imitate.</summary>
public sealed class LookAlikeTests
{
    [TestCase("\u0410mnesty International", "Amnesty International", TestName = "Cyrillic A in Amnesty International")]
    [TestCase("Fr\u043Ent Line Defenders", "Front Line Defenders", TestName = "Cyrillic o in Front Line Defenders")]
    [TestCase("Amnesty lnternational", "Amnesty International", TestName = "A small L for a capital I")]
    public void UnicodesSkeletonsOfALookAlikeAndItsOriginalAreEqual(string lookAlike, string original)
    {
        Assert.That(Confusables.Skeleton(lookAlike), Is.EqualTo(Confusables.Skeleton(original)));
        Assert.That(lookAlike, Is.Not.EqualTo(original));
    }

    [Test]
    public void DifferentNamesKeepDifferentSkeletons() =>
        Assert.That(Confusables.Skeleton("Amnesty International"), Is.Not.EqualTo(Confusables.Skeleton("Amnesty Internacional")));

    [Test]
    public void TheOddLettersAreMarkedWithTheirScript()
    {
        var html = Confusables.MarkOddLetters("\u0410mnesty International");

        Assert.That(html, Does.StartWith("<mark class=\"odd-letter\" title=\"Cyrillic letter U+0410\">\u0410<span class=\"visually-hidden\"> (Cyrillic letter)</span></mark>mnesty International"));
        Assert.That(Confusables.MarkOddLetters("Правозащитный центр"), Does.Not.Contain("<mark"), "a name in one script has nothing odd");
    }

    [Test]
    public async Task ASignOnImitatingAListedNameIsFlaggedAndTheConsoleSaysWhichItImitates()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        const string lookAlike = "Amnesty lnternational";

        using (var signed = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson(lookAlike, "press@amnesty-lnternational.example.org")))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await using var connection = await app.Db.OpenAsync();
        var (id, flags) = await connection.QuerySingleAsync<(long, string)>("""
            SELECT s.id, s.flags FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = @lookAlike
            """, new { lookAlike });
        Assert.That(flags, Does.Contain("look-alike"), "one script throughout, yet it imitates a listed name");
        await connection.ExecuteAsync("UPDATE signatures SET status = 'confirmed', confirmed_at = signed_at WHERE id = @id", new { id });

        using var coordinator = await Coordinator.ClientAsync(app);
        var detail = WebUtility.HtmlDecode(await coordinator.GetStringAsync($"/coordinators/petitions/iap-2017/signatures/{id}"));
        var queue = WebUtility.HtmlDecode(await coordinator.GetStringAsync("/coordinators/petitions/iap-2017"));

        Assert.That(detail, Does.Contain("This name looks like <strong>Amnesty International</strong>, already listed on this letter"));
        Assert.That(queue, Does.Contain("Looks like <strong>Amnesty International</strong>, already listed."));
        Assert.That(queue, Does.Contain("its name imitates another's with look-alike letters"));
    }
}
