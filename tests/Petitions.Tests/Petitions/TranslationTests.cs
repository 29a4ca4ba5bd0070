using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Petitions;

/// <summary>
/// A letter's translations: written by coordinators as drafts or published, versioned, marked out of
/// date when the source text changes, served by <c>?lang=</c>, and recorded with each sign-on.
/// </summary>
public class TranslationTests : AppWithCoordinator
{
    private const string Letter = "/api/petitions/translated";

    [Test]
    public void TheMessageForAnUnknownLanguageNamesEveryLanguage() =>
        Assert.That($"The language is one of {string.Join(", ", global::Petitions.Petitions.LetterLanguages.All)}.",
            Is.EqualTo(global::Petitions.Petitions.LetterLanguages.UnknownMessage));

    [SetUp]
    public async Task CreateLetter()
    {
        using var created = await coordinator.PostAsJsonAsync("/api/petitions", Source("We write to you."));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
    }

    private static Dictionary<string, object?> Source(string body) => new()
    {
        ["slug"] = "translated", ["title"] = "A letter in two languages", ["addressee"] = "The Minister", ["place"] = "Geneva",
        ["status"] = "open", ["body"] = body, ["review"] = "none", ["language"] = "en",
        ["demandGroups"] = new[] { new { lead = "We ask you to:", demands = new[] { "act;", "answer." } } },
        ["footnotes"] = new[] { new { number = 1, text = "A source." } },
    };

    private static Dictionary<string, object?> French(string body, string status) => new()
    {
        ["title"] = "Une lettre en deux langues", ["addressee"] = "Le Ministre", ["place"] = "Genève", ["body"] = body, ["status"] = status,
        ["demandGroups"] = new[] { new { lead = "Nous vous demandons :", demands = new[] { "d’agir ;", "de répondre." } } },
        ["footnotes"] = new[] { new { number = 1, text = "Une source." } },
    };

    private async Task<JsonElement> PutFrenchAsync(string body, string status, HttpStatusCode expected)
    {
        using var response = await coordinator.PutAsJsonAsync($"{Letter}/translations/fr", French(body, status));
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Test]
    public async Task ADraftIsForCoordinatorsAndAPublishedTranslationIsServedByLang()
    {
        var draft = await PutFrenchAsync("Nous vous écrivons.", "draft", HttpStatusCode.Created);
        Assert.That(draft.GetProperty("version").GetInt32(), Is.EqualTo(1));
        Assert.That(draft.GetProperty("sourceVersion").GetInt32(), Is.EqualTo(1));
        Assert.That(draft.GetProperty("outOfDate").GetBoolean(), Is.False);

        var unpublished = await visitor.GetFromJsonAsync<JsonElement>($"{Letter}?lang=fr");
        Assert.That(unpublished.GetProperty("title").GetString(), Is.EqualTo("A letter in two languages"), "a draft is not shown");
        Assert.That(unpublished.GetProperty("language").GetString(), Is.EqualTo("en"));
        Assert.That(Languages(unpublished), Is.EqualTo(new[] { "en" }));

        var published = await PutFrenchAsync("Nous vous écrivons.", "published", HttpStatusCode.OK);
        Assert.That(published.GetProperty("version").GetInt32(), Is.EqualTo(1), "publishing is not a new text");

        var french = await visitor.GetFromJsonAsync<JsonElement>($"{Letter}?lang=fr");
        Assert.That(french.GetProperty("title").GetString(), Is.EqualTo("Une lettre en deux langues"));
        Assert.That(french.GetProperty("place").GetString(), Is.EqualTo("Genève"));
        Assert.That(french.GetProperty("body").GetString(), Is.EqualTo("Nous vous écrivons."));
        Assert.That(french.GetProperty("demandGroups")[0].GetProperty("demands")[0].GetString(), Is.EqualTo("d’agir ;"));
        Assert.That(french.GetProperty("footnotes")[0].GetProperty("text").GetString(), Is.EqualTo("Une source."));
        Assert.That(french.GetProperty("language").GetString(), Is.EqualTo("fr"));
        Assert.That(Languages(french), Is.EqualTo(new[] { "en", "fr" }));

        var source = await visitor.GetFromJsonAsync<JsonElement>(Letter);
        Assert.That(source.GetProperty("title").GetString(), Is.EqualTo("A letter in two languages"), "without lang, the source");
        Assert.That(source.GetProperty("language").GetString(), Is.EqualTo("en"));
        Assert.That(Languages(source), Is.EqualTo(new[] { "en", "fr" }));
        var spanish = await visitor.GetFromJsonAsync<JsonElement>($"{Letter}?lang=es");
        Assert.That(spanish.GetProperty("language").GetString(), Is.EqualTo("en"), "no Spanish translation: the source");
    }

    [Test]
    public async Task ASourceEditMarksTheTranslationOutOfDateUntilItIsSavedAgainAsANewVersion()
    {
        await PutFrenchAsync("Nous vous écrivons.", "published", HttpStatusCode.Created);

        using (var edited = await coordinator.PutAsJsonAsync(Letter, Source("We write to you again.")))
        {
            Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await edited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32(), Is.EqualTo(2));
        }

        var listed = (await coordinator.GetFromJsonAsync<JsonElement>($"{Letter}/translations")).EnumerateArray().Single();
        Assert.That(listed.GetProperty("language").GetString(), Is.EqualTo("fr"));
        Assert.That(listed.GetProperty("outOfDate").GetBoolean(), Is.True);
        Assert.That(listed.GetProperty("sourceVersion").GetInt32(), Is.EqualTo(1));
        Assert.That((await visitor.GetFromJsonAsync<JsonElement>($"{Letter}?lang=fr")).GetProperty("body").GetString(), Is.EqualTo("Nous vous écrivons."),
            "a published translation stays readable while it is brought up to date");

        var updated = await PutFrenchAsync("Nous vous écrivons de nouveau.", "published", HttpStatusCode.OK);

        Assert.That(updated.GetProperty("version").GetInt32(), Is.EqualTo(2));
        Assert.That(updated.GetProperty("sourceVersion").GetInt32(), Is.EqualTo(2));
        Assert.That(updated.GetProperty("outOfDate").GetBoolean(), Is.False);
        await using var connection = await app.Db.OpenAsync();
        var versions = (await connection.QueryAsync<(long Version, long SourceVersion, string Body)>("""
            SELECT v.version, v.source_version, v.body FROM petition_translation_versions v JOIN petitions p ON p.id = v.petition_id
            WHERE p.slug = 'translated' AND v.language = 'fr' ORDER BY v.version
            """)).ToList();
        Assert.That(versions, Is.EqualTo(new[] { (1L, 1L, "Nous vous écrivons."), (2L, 2L, "Nous vous écrivons de nouveau.") }));
    }

    [TestCase("zz", "language")]
    [TestCase("en", "language")]
    public async Task AnUnknownLanguageOrTheSourceOwnIsA400NamingTheLanguage(string language, string field)
    {
        using var response = await coordinator.PutAsJsonAsync($"{Letter}/translations/{language}", French("Texte.", "draft"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
        Assert.That((await coordinator.GetFromJsonAsync<JsonElement>($"{Letter}/translations")).GetArrayLength(), Is.Zero, "nothing stored");
    }

    [Test]
    public async Task TheLetterCannotBeWrittenInALanguageItIsTranslatedInto()
    {
        await PutFrenchAsync("Nous vous écrivons.", "draft", HttpStatusCode.Created);
        var french = Source("We write to you.");
        french["language"] = "fr";

        using var response = await coordinator.PutAsJsonAsync(Letter, french);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("language", out _), Is.True);
        Assert.That((await visitor.GetFromJsonAsync<JsonElement>(Letter)).GetProperty("language").GetString(), Is.EqualTo("en"));
    }

    [Test]
    public async Task AnInvalidTranslationIsA400NamingTheFieldAndNothingIsStored()
    {
        var body = French("Texte.", "proofread");
        body["title"] = "";
        using var response = await coordinator.PutAsJsonAsync($"{Letter}/translations/fr", body);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(errors.TryGetProperty("title", out _) && errors.TryGetProperty("status", out _), Is.True, errors.ToString());
        using var missing = await coordinator.GetAsync($"{Letter}/translations/fr");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task ARemovedTranslationIsNoLongerServed()
    {
        await PutFrenchAsync("Nous vous écrivons.", "published", HttpStatusCode.Created);

        using (var removed = await coordinator.DeleteAsync($"{Letter}/translations/fr"))
        {
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using (var again = await coordinator.DeleteAsync($"{Letter}/translations/fr"))
        {
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }

        var letter = await visitor.GetFromJsonAsync<JsonElement>($"{Letter}?lang=fr");
        Assert.That(letter.GetProperty("language").GetString(), Is.EqualTo("en"));
        Assert.That(Languages(letter), Is.EqualTo(new[] { "en" }));
    }

    [Test]
    public async Task ACoordinatorOfAnotherLetterMayNotTranslateThisOne()
    {
        using var other = await Coordinator.ClientAsync(app, "other@coalition.example.org", "iap-2017");

        using var response = await other.PutAsJsonAsync($"{Letter}/translations/fr", French("Texte.", "published"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await coordinator.GetFromJsonAsync<JsonElement>($"{Letter}/translations")).GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task ASignOnRecordsItsLanguageAndTheTranslationVersionItRead()
    {
        await PutFrenchAsync("Nous vous écrivons.", "published", HttpStatusCode.Created);
        var french = SignOnClient.ValidJson("Organisation Francophone", "contact@francophone.example.org");
        french["language"] = "fr";
        var english = SignOnClient.ValidJson("English Organisation", "contact@english.example.org");
        var bad = SignOnClient.ValidJson("Unknown Language Organisation", "contact@unknown.example.org");
        bad["language"] = "zz";

        foreach (var body in new[] { french, english })
        {
            using var accepted = await SignOnClient.PostJsonAsync(visitor, body, "translated");
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        using (var refused = await SignOnClient.PostJsonAsync(visitor, bad, "translated"))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("language", out _), Is.True);
        }

        var records = (await coordinator.GetFromJsonAsync<JsonElement>($"{Letter}/signatures")).EnumerateArray()
            .ToDictionary(r => r.GetProperty("organisation").GetString()!, r => r);
        Assert.That(records.Keys, Is.EquivalentTo(new[] { "Organisation Francophone", "English Organisation" }), "nothing stored for the refused one");
        Assert.That(records["Organisation Francophone"].GetProperty("language").GetString(), Is.EqualTo("fr"));
        Assert.That(records["Organisation Francophone"].GetProperty("translationVersion").GetInt32(), Is.EqualTo(1));
        Assert.That(records["English Organisation"].GetProperty("language").GetString(), Is.EqualTo("en"), "the letter's language when none is given");
        Assert.That(records["English Organisation"].GetProperty("translationVersion").ValueKind, Is.EqualTo(JsonValueKind.Null));

        var csv = await coordinator.GetStringAsync($"{Letter}/signatures.csv");
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.EndWith(",\"flags\",\"language\",\"ref\""));
        Assert.That(lines.Single(l => l.StartsWith("\"Organisation Francophone\"", StringComparison.Ordinal)), Does.EndWith(",\"fr\",\"\""), "language, then an empty ref");

        var id = records["Organisation Francophone"].GetProperty("id").GetInt64();
        var page = WebUtility.HtmlDecode(await coordinator.GetStringAsync($"/coordinators/petitions/translated/signatures/{id}"));
        Assert.That(page, Does.Contain("<dt>Language</dt><dd>Français, read in translation version 1</dd>"));
    }

    [Test]
    public async Task ATranslationChangedAfterItWasReadIsWhatTheNextReaderAndSignOnGet()
    {
        await PutFrenchAsync("Nous vous écrivons.", "published", HttpStatusCode.Created);
        Assert.That((await visitor.GetFromJsonAsync<JsonElement>($"{Letter}?lang=fr")).GetProperty("body").GetString(), Is.EqualTo("Nous vous écrivons."));
        await SignInFrenchAsync("Organisation Une");
        using (var edited = await coordinator.PutAsJsonAsync(Letter, Source("We write to you again.")))
        {
            Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        // A new version of the translation, and then none: each is what the very next request reads.
        await PutFrenchAsync("Nous vous écrivons de nouveau.", "published", HttpStatusCode.OK);
        Assert.That((await visitor.GetFromJsonAsync<JsonElement>($"{Letter}?lang=fr")).GetProperty("body").GetString(), Is.EqualTo("Nous vous écrivons de nouveau."));
        await SignInFrenchAsync("Organisation Deux");
        using (var removed = await coordinator.DeleteAsync($"{Letter}/translations/fr"))
        {
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        await SignInFrenchAsync("Organisation Trois");
        Assert.That((await visitor.GetFromJsonAsync<JsonElement>($"{Letter}?lang=fr")).GetProperty("language").GetString(), Is.EqualTo("en"));

        var read = (await coordinator.GetFromJsonAsync<JsonElement>($"{Letter}/signatures")).EnumerateArray()
            .ToDictionary(r => r.GetProperty("organisation").GetString()!, r => r.GetProperty("translationVersion") is { ValueKind: JsonValueKind.Number } v ? v.GetInt32() : (int?)null);
        Assert.That(read, Is.EquivalentTo(new Dictionary<string, int?>
        {
            ["Organisation Une"] = 1, ["Organisation Deux"] = 2, ["Organisation Trois"] = null,
        }));
    }

    private async Task SignInFrenchAsync(string organisation)
    {
        var body = SignOnClient.ValidJson(organisation, $"contact@{organisation.Split(' ')[1].ToLowerInvariant()}.example.org");
        body["language"] = "fr";
        using var accepted = await SignOnClient.PostJsonAsync(visitor, body, "translated");
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task TheSeedLetterIsPublishedInFrenchToo()
    {
        var english = await visitor.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017");
        var french = await visitor.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017?lang=fr");

        Assert.That(Languages(english), Is.EqualTo(new[] { "en", "fr" }));
        Assert.That(french.GetProperty("language").GetString(), Is.EqualTo("fr"));
        Assert.That(french.GetProperty("title").GetString(), Is.EqualTo("Pétition à l'Association internationale des procureurs"));
        Assert.That(french.GetProperty("place").GetString(), Is.EqualTo("La Haye"));
        Assert.That(french.GetProperty("demandGroups").GetArrayLength(), Is.EqualTo(english.GetProperty("demandGroups").GetArrayLength()));
        Assert.That(french.GetProperty("footnotes").EnumerateArray().Select(f => f.GetProperty("number").GetInt32()),
            Is.EqualTo(english.GetProperty("footnotes").EnumerateArray().Select(f => f.GetProperty("number").GetInt32())));
        // Every footnote mark of the source is in the translation, in the same order.
        var marks = new System.Text.RegularExpressions.Regex(@"\^\d+\^");
        Assert.That(marks.Matches(Text(french)).Select(m => m.Value), Is.EqualTo(marks.Matches(Text(english)).Select(m => m.Value)));
        var translations = (await coordinator.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/translations")).EnumerateArray().Single();
        Assert.That(translations.GetProperty("outOfDate").GetBoolean(), Is.False);
    }

    private static string Text(JsonElement letter) =>
        letter.GetProperty("body").GetString() + string.Concat(letter.GetProperty("demandGroups").EnumerateArray()
            .SelectMany(g => g.GetProperty("demands").EnumerateArray()).Select(d => d.GetString()));

    private static List<string?> Languages(JsonElement letter) =>
        letter.GetProperty("languages").EnumerateArray().Select(l => l.GetString()).ToList();
}
