using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Petitions;

/// <summary>
/// A letter's review setting: none, flagged (the default) or all; and names that look like links,
/// which go to review under every setting and which no email repeats.
/// </summary>
public class ReviewSettingTests : AppWithCoordinator
{
    private const string Link = "Claim your prize at https://scam.example/1";

    private static Dictionary<string, object?> Letter(string slug, object? requiresReview = null, string? review = null)
    {
        var letter = new Dictionary<string, object?>
        {
            ["slug"] = slug,
            ["title"] = "A letter on review",
            ["status"] = "open",
            ["body"] = "We write.",
        };
        if (requiresReview is not null)
        {
            letter["requiresReview"] = requiresReview;
        }

        if (review is not null)
        {
            letter["review"] = review;
        }

        return letter;
    }

    private async Task<(string? Review, bool RequiresReview)> PublishedAsync(string slug)
    {
        var letter = await visitor.GetFromJsonAsync<JsonElement>($"/api/petitions/{slug}");
        return (letter.GetProperty("review").GetString(), letter.GetProperty("requiresReview").GetBoolean());
    }

    [Test]
    public async Task TheLetterApiTakesAndGivesTheReviewSettingBesideRequiresReview()
    {
        using (var created = await coordinator.PostAsJsonAsync("/api/petitions", Letter("review-letter")))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
            var body = await created.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(body.GetProperty("review").GetString(), Is.EqualTo("flagged"), "the default");
        }

        Assert.That(await PublishedAsync("review-letter"), Is.EqualTo(("flagged", false)));
        (await coordinator.PutAsJsonAsync("/api/petitions/review-letter", Letter("review-letter", requiresReview: true))).Dispose();
        Assert.That(await PublishedAsync("review-letter"), Is.EqualTo(("all", true)));
        (await coordinator.PutAsJsonAsync("/api/petitions/review-letter", Letter("review-letter", review: "none"))).Dispose();
        Assert.That(await PublishedAsync("review-letter"), Is.EqualTo(("none", false)));
        // A client that knows only the boolean leaves a letter that reviews less as it is.
        (await coordinator.PutAsJsonAsync("/api/petitions/review-letter", Letter("review-letter", requiresReview: false))).Dispose();
        Assert.That(await PublishedAsync("review-letter"), Is.EqualTo(("none", false)));
        (await coordinator.PutAsJsonAsync("/api/petitions/review-letter", Letter("review-letter", requiresReview: true, review: "all"))).Dispose();
        Assert.That(await PublishedAsync("review-letter"), Is.EqualTo(("all", true)));
        (await coordinator.PutAsJsonAsync("/api/petitions/review-letter", Letter("review-letter", requiresReview: false))).Dispose();
        Assert.That(await PublishedAsync("review-letter"), Is.EqualTo(("flagged", false)));
    }

    [TestCase(null, "sometimes")]
    [TestCase(true, "flagged")]
    [TestCase(false, "all")]
    public async Task AnUnknownOrContradictoryReviewSettingIs400NamingTheFieldAndChangesNothing(bool? requiresReview, string review)
    {
        using var created = await coordinator.PostAsJsonAsync("/api/petitions", Letter("bad-review", requiresReview, review));
        using var edited = await coordinator.PutAsJsonAsync("/api/petitions/iap-2017", Letter("iap-2017", requiresReview, review));

        foreach (var response in new[] { created, edited })
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(problem.GetProperty("errors").TryGetProperty("review", out _), Is.True, problem.ToString());
        }

        using var missing = await visitor.GetAsync("/api/petitions/bad-review");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await PublishedAsync("iap-2017"), Is.EqualTo(("flagged", false)));
    }

    // The test organisation's email is on its website's domain (domain-verified); a free-mail address is a mismatch.
    [TestCase("none", "anna@testorganisatie.nl", "Stichting Testorganisatie", "listed")]
    [TestCase("none", "anna.devries@gmail.com", "Stichting Testorganisatie", "listed")]
    [TestCase("none", "anna@testorganisatie.nl", Link, "confirmed")]
    [TestCase("flagged", "anna@testorganisatie.nl", "Stichting Testorganisatie", "listed")]
    [TestCase("flagged", "anna.devries@gmail.com", "Stichting Testorganisatie", "confirmed")]
    [TestCase("flagged", "anna@testorganisatie.nl", Link, "confirmed")]
    [TestCase("all", "anna@testorganisatie.nl", "Stichting Testorganisatie", "confirmed")]
    [TestCase("all", "anna.devries@gmail.com", "Stichting Testorganisatie", "confirmed")]
    public async Task AConfirmedSignOnIsListedOrReviewedAsTheLettersSettingSays(string review, string email, string organisation, string expected)
    {
        (await visitor.GetAsync("/")).Dispose();
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE petitions SET review = @review", new { review });
        }

        Assert.That((await PublishedAsync("iap-2017")).Review, Is.EqualTo(review));

        using var signed = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson(organisation, email));
        Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var token = (await Delivered.TokensAsync(app)).Single();
        using var confirmed = await visitor.PostAsJsonAsync("/api/confirmations", new { token });

        var status = (await confirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
        Assert.That(status, Is.EqualTo(expected));
    }

    [Test]
    public async Task ANameThatLooksLikeALinkIsFlaggedAndNoEmailRepeatsIt()
    {
        (await visitor.GetAsync("/")).Dispose();
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE petitions SET review = 'none'");
        }

        using var signed = await SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson(Link, "victim@target.example"));
        Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var confirm = (await Delivered.MessagesAsync(app)).Single();
        var token = Delivered.Tokens([confirm]).Single();
        using var confirmed = await visitor.PostAsJsonAsync("/api/confirmations", new { token });
        var all = await Delivered.MessagesAsync(app);

        Assert.That((await confirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString(), Is.EqualTo("confirmed"));
        Assert.That(confirm.TextBody, Does.Contain("on behalf of an organisation"));
        Assert.That(all.Select(m => m.Subject + m.TextBody + m.HtmlBody), Has.None.Contain("scam.example").And.None.Contain("prize"));
        Assert.That(all.Select(m => m.Subject), Has.Some.StartsWith("To review:"), "the coordinators are told, without the name");
        await using var check = await app.Db.OpenAsync();
        var flags = await check.QuerySingleAsync<string>("SELECT flags FROM signatures WHERE contact_email = 'victim@target.example'");
        Assert.That(flags.Split(' '), Does.Contain("looks-like-link"));
    }

    [Test]
    public async Task TheLetterEditorOffersTheSettingAsALabelledSelectAndStoresIt()
    {
        var page = await coordinator.GetStringAsync("/coordinators/petitions/iap-2017/edit");
        Assert.That(page, Does.Contain("<label for=\"review\">").And.Contain("<select id=\"review\" name=\"review\" aria-describedby=\"review-hint\">"));
        Assert.That(page, Does.Contain("<option value=\"flagged\" selected>"));

        var fields = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = SignOnClient.Antiforgery(page),
            ["title"] = "Petition to the International Association of Prosecutors",
            ["status"] = "open",
            ["review"] = "all",
            ["body"] = "We write.",
        };
        using var posted = await coordinator.PostAsync("/coordinators/petitions/iap-2017/edit", new FormUrlEncodedContent(fields));

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther), await posted.Content.ReadAsStringAsync());
        Assert.That(await PublishedAsync("iap-2017"), Is.EqualTo(("all", true)));
        fields["review"] = "never";
        using var refused = await coordinator.PostAsync("/coordinators/petitions/iap-2017/edit", new FormUrlEncodedContent(fields));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("id=\"review-error\""));
        Assert.That(await PublishedAsync("iap-2017"), Is.EqualTo(("all", true)));
    }

    [Test]
    public async Task AScriptThatStillSetsRequiresReviewMovesTheSettingWithIt()
    {
        (await visitor.GetAsync("/")).Dispose();
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE petitions SET requires_review = true");
        }

        Assert.That(await PublishedAsync("iap-2017"), Is.EqualTo(("all", true)));
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE petitions SET requires_review = false");
        }

        Assert.That(await PublishedAsync("iap-2017"), Is.EqualTo(("flagged", false)));
    }
}
