using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>The translation editor: the source beside the form, out-of-date marking, saving and removing, without script.</summary>
public sealed class TranslationPageTests
{
    private const string Editor = "/coordinators/petitions/iap-2017/translations/fr";

    private PetitionsApp app = null!;
    private HttpClient coordinator = null!;
    private HttpClient api = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        coordinator = await CookieSession.SignInAsync(app, "translator@coalition.example.org", "iap-2017");
        api = await Coordinator.ClientAsync(app, "api@coalition.example.org", "iap-2017");
    }

    [TearDown]
    public void StopApp()
    {
        api.Dispose();
        coordinator.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task TheLetterPageListsTheTranslationsAndTheLanguagesLeftToTranslate()
    {
        var page = WebUtility.HtmlDecode(await coordinator.GetStringAsync("/coordinators/petitions/iap-2017"));

        Assert.That(page, Does.Contain("<h2 id=\"translations\">Translations</h2>"));
        Assert.That(page, Does.Contain($"<a href=\"{Editor}\" lang=\"fr\">Français</a>:"));
        Assert.That(page, Does.Contain("published, version 1"));
        Assert.That(page, Does.Not.Contain("out of date"));
        Assert.That(page, Does.Contain("href=\"/coordinators/petitions/iap-2017/translations/ar\" lang=\"ar\">العربية</a>"));
    }

    [Test]
    public async Task TheEditorShowsTheSourceBesideTheTranslationAndSavesANewVersion()
    {
        var page = await coordinator.GetStringAsync(Editor);
        var text = WebUtility.HtmlDecode(page);
        Assert.That(text, Does.Contain("<h2 id=\"source-title\">The source</h2>"));
        Assert.That(text, Does.Contain("Dear members of the IAP Executive Committee"));
        Assert.That(text, Does.Contain("value=\"Pétition à l'Association internationale des procureurs\""));

        var fields = await FieldsAsync(page, ("title", "Pétition révisée"));
        using var saved = await PostAsync(Editor, page, fields);

        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(saved.Headers.Location?.ToString(), Is.EqualTo("/coordinators/petitions/iap-2017#translations"));
        var translation = await api.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/translations/fr");
        Assert.That(translation.GetProperty("title").GetString(), Is.EqualTo("Pétition révisée"));
        Assert.That(translation.GetProperty("version").GetInt32(), Is.EqualTo(2));
        Assert.That(translation.GetProperty("demandGroups").GetArrayLength(), Is.EqualTo(2), "the demand groups survive the round trip as lines");
        Assert.That(translation.GetProperty("footnotes").GetArrayLength(), Is.EqualTo(5));
    }

    [Test]
    public async Task ASourceEditMarksTheTranslationOutOfDateOnBothPages()
    {
        var letter = await api.GetFromJsonAsync<Dictionary<string, JsonElement>>("/api/petitions/iap-2017");
        var edited = new Dictionary<string, object?>
        {
            ["title"] = letter!["title"].GetString(), ["addressee"] = letter["addressee"].GetString(), ["place"] = letter["place"].GetString(),
            ["date"] = letter["date"].GetString(), ["status"] = "open", ["body"] = letter["body"].GetString() + "\n\nA new paragraph.",
            ["demandGroups"] = letter["demandGroups"], ["footnotes"] = letter["footnotes"],
        };
        using (var put = await api.PutAsJsonAsync("/api/petitions/iap-2017", edited))
        {
            Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK), await put.Content.ReadAsStringAsync());
        }

        var console = WebUtility.HtmlDecode(await coordinator.GetStringAsync("/coordinators/petitions/iap-2017"));
        Assert.That(console, Does.Contain("out of date (follows text version 1 of 2)"));
        var page = await coordinator.GetStringAsync(Editor);
        Assert.That(WebUtility.HtmlDecode(page), Does.Contain("id=\"out-of-date\">Out of date: this translation follows text version 1, and the letter is at version 2."));
        Assert.That(WebUtility.HtmlDecode(page), Does.Contain("A new paragraph."), "the source shown is the current one");

        using var saved = await PostAsync(Editor, page, await FieldsAsync(page));

        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(WebUtility.HtmlDecode(await coordinator.GetStringAsync(Editor)), Does.Not.Contain("Out of date"));
    }

    [Test]
    public async Task AnInvalidTranslationIsShownAgainWithItsErrorsAndNothingIsSaved()
    {
        var page = await coordinator.GetStringAsync(Editor);

        using var response = await PostAsync(Editor, page, await FieldsAsync(page, ("title", ""), ("footnotes", "no number here")));
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("<a href=\"#title\">The translation needs a title.</a>"));
        Assert.That(html, Does.Contain("<a href=\"#footnotes\">Start each footnote with its number"));
        var translation = await api.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/translations/fr");
        Assert.That(translation.GetProperty("version").GetInt32(), Is.EqualTo(1));
    }

    [TestCase("en")]
    [TestCase("zz")]
    public async Task TheSourceLanguageOrAnUnknownOneHasNoEditor(string language)
    {
        using var response = await coordinator.GetAsync($"/coordinators/petitions/iap-2017/translations/{language}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task ANewTranslationStartsEmptyAndARemovedOneIsGone()
    {
        var spanish = WebUtility.HtmlDecode(await coordinator.GetStringAsync("/coordinators/petitions/iap-2017/translations/es"));
        Assert.That(spanish, Does.Contain("<h1>Translation into <span lang=\"es\">Español</span></h1>"));
        Assert.That(spanish, Does.Contain("id=\"title\" name=\"title\" value=\"\""));
        Assert.That(spanish, Does.Not.Contain("Remove this translation"));

        var page = await coordinator.GetStringAsync(Editor);
        using var removed = await PostAsync($"{Editor}?handler=remove", page, new Dictionary<string, string>());

        Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        using var gone = await api.GetAsync("/api/petitions/iap-2017/translations/fr");
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    /// <summary>The form's fields as the page holds them, with some changed.</summary>
    private static Task<Dictionary<string, string>> FieldsAsync(string page, params (string Name, string Value)[] changes)
    {
        var html = page;
        var fields = new Dictionary<string, string>
        {
            ["title"] = Match(html, "id=\"title\" name=\"title\" value=\"([^\"]*)\""),
            ["addressee"] = Match(html, "id=\"addressee\" name=\"addressee\" value=\"([^\"]*)\""),
            ["place"] = Match(html, "id=\"place\" name=\"place\" value=\"([^\"]*)\""),
            ["body"] = Match(html, "id=\"body\" name=\"body\"[^>]*>([^<]*)</textarea>"),
            ["demandGroups"] = Match(html, "id=\"demandGroups\" name=\"demandGroups\"[^>]*>([^<]*)</textarea>"),
            ["footnotes"] = Match(html, "id=\"footnotes\" name=\"footnotes\"[^>]*>([^<]*)</textarea>"),
            ["status"] = "published",
        };
        foreach (var (name, value) in changes)
        {
            fields[name] = value;
        }

        return Task.FromResult(fields);
    }

    private static string Match(string html, string pattern)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, pattern);
        var at = html.IndexOf(pattern[..15], StringComparison.Ordinal);
        Assert.That(match.Success, Is.True, $"{pattern} in {(at < 0 ? html : html[at..Math.Min(html.Length, at + 2000)])}");
        // A textarea's first line break is not part of its value.
        var value = WebUtility.HtmlDecode(match.Groups[1].Value);
        return value.StartsWith('\n') ? value[1..] : value;
    }

    private async Task<HttpResponseMessage> PostAsync(string url, string page, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = SignOnClient.Antiforgery(page);
        using var form = new FormUrlEncodedContent(fields);
        return await coordinator.PostAsync(url, form);
    }
}
