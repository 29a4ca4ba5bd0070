using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Web;

/// <summary>
/// The interface in the reader's language: chosen by ?lang (and remembered), the cookie or Accept-Language; every
/// public page rendered in French and Arabic without a string of the English resources left; validation messages
/// in the request's language on the form and the API.
/// </summary>
public sealed class LocalisationTests
{
    private const string Slug = SignOnClient.Slug;

    // The seed letter's own text, titles, names and places are the letter's, not the interface's.
    private static readonly string[] LetterData =
        ["title", "h1", ".letter .body", ".demands", ".footnotes ol", ".signatories", ".dateline", ".site-name", "#country option:not([value=''], [value='international'])"];

    private PetitionsApp app = null!;

    [OneTimeSetUp]
    public void StartApp() => app = new PetitionsApp();

    [OneTimeTearDown]
    public void StopApp() => app.Dispose();

    public static IEnumerable<TestCaseData> PublicPages()
    {
        foreach (var language in new[] { "fr", "ar" })
        {
            yield return Page(language, "/", HttpStatusCode.OK, ".letters a");
            yield return Page(language, $"/petitions/{Slug}", HttpStatusCode.OK);
            yield return Page(language, $"/petitions/{Slug}/signatories?group=country", HttpStatusCode.OK);
            yield return Page(language, $"/petitions/{Slug}/signatories?q={new string('x', 201)}", HttpStatusCode.BadRequest);
            yield return Page(language, $"/petitions/{Slug}/print", HttpStatusCode.OK);
            yield return Page(language, $"/petitions/{Slug}/check-email", HttpStatusCode.OK);
            yield return Page(language, "/privacy", HttpStatusCode.OK);
            yield return Page(language, "/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", HttpStatusCode.NotFound);
            yield return Page(language, "/withdraw/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", HttpStatusCode.NotFound);
            yield return Page(language, "/unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", HttpStatusCode.NotFound);
            yield return Page(language, "/no-such-page", HttpStatusCode.NotFound);
            yield return Page(language, "/petitions/no-such-letter", HttpStatusCode.NotFound);
        }
    }

    private static TestCaseData Page(string language, string path, HttpStatusCode status, params string[] data) =>
        new TestCaseData(language, path, status, data).SetArgDisplayNames(language, path.Length > 60 ? path[..60] : path);

    [TestCaseSource(nameof(PublicPages))]
    public async Task APublicPageShowsNoEnglishInFrenchOrArabic(string language, string path, HttpStatusCode status, string[] data)
    {
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var html = await GetHtmlAsync(client, WithLanguage(path, language), status);

        AssertTranslated(html, language, data);
    }

    [Test]
    public async Task TheCheckFindsTheEnglishOfAnEnglishPage()
    {
        using var client = app.CreateClient();
        var html = await GetHtmlAsync(client, $"/petitions/{Slug}", HttpStatusCode.OK);
        var (_, text) = Localised.Visible(html, LetterData);

        var english = Localised.EnglishIn(text, "fr", "Petitions.Resources.PageTexts");

        Assert.That(english, Does.Contain("Sign the letter").And.Contain("Supporting organisations").And.Contain("Choose a country").And.Contain("Skip to content"));
    }

    [TestCase("fr")]
    [TestCase("ar")]
    public async Task TheFormWithErrorsShowsNoEnglish(string language)
    {
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        await GetHtmlAsync(client, $"/petitions/{Slug}?lang={language}", HttpStatusCode.OK);

        using var response = await SignOnClient.PostFormAsync(client, new Dictionary<string, object?> { ["city"] = "=x", ["website"] = "nowhere" });
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest).Or.EqualTo(HttpStatusCode.OK).Or.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(html, Does.Contain("error-summary"));
        AssertTranslated(html, language);
    }

    [TestCase("fr")]
    [TestCase("ar")]
    public async Task TheConfirmationPageShowsNoEnglish(string language)
    {
        using var signer = app.CreateClient();
        signer.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        using var signed = await SignOnClient.PostJsonAsync(signer, SignOnClient.ValidJson($"Confirmation {language}", $"confirm-{language}@confirm-{language}.example.org"));
        Assert.That(signed.IsSuccessStatusCode, await signed.Content.ReadAsStringAsync());
        var messages = await Delivered.MessagesAsync(app);
        var mine = messages.Where(m => m.To.ToString().Contains($"confirm-{language}@", StringComparison.Ordinal)).ToList();
        var token = Delivered.Tokens(mine).Single();

        using var client = app.CreateClient();
        var html = await GetHtmlAsync(client, $"/confirm/{token}?lang={language}", HttpStatusCode.OK);

        Assert.That(html, Does.Contain("<form method=\"post\""));
        AssertTranslated(html, language);
        // The confirmation email was written in the language of the request that signed.
        Assert.That(mine.Single().Subject, Does.Not.StartWith("Confirm your signature"));
        Assert.That(mine.Single().HtmlBody, Does.Contain($"<html lang=\"{language}\""));
    }

    [Test]
    public async Task LangIsRememberedInTheCultureCookie()
    {
        using var client = app.CreateClient();

        using var first = await GetAsync(client, "/privacy?lang=fr");
        var cookie = first.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Culture=", StringComparison.Ordinal));
        Assert.That(cookie, Does.Contain("c%3Dfr%7Cuic%3Dfr"));
        Assert.That(cookie.ToLowerInvariant(), Does.Contain("path=/").And.Contain("samesite=lax").And.Contain("httponly").And.Contain("max-age=31536000"));

        var next = await GetHtmlAsync(client, "/privacy", HttpStatusCode.OK);
        Assert.That(next, Does.Contain("<html lang=\"fr\" dir=\"ltr\">"));
        Assert.That(next, Does.Contain("Politique de confidentialité"));
    }

    [Test]
    public async Task AcceptLanguageChoosesSpanishAndAnUnknownLangIsIgnored()
    {
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("es-MX,es;q=0.9,en;q=0.5");

        var spanish = await GetHtmlAsync(client, "/privacy", HttpStatusCode.OK);
        Assert.That(spanish, Does.Contain("<html lang=\"es\" dir=\"ltr\">"));
        Assert.That(spanish, Does.Contain("Aviso de privacidad"));

        using var unknown = await GetAsync(client, "/privacy?lang=zz");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(unknown.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], Has.None.StartWith(".AspNetCore.Culture="));
        Assert.That(await unknown.Content.ReadAsStringAsync(), Does.Contain("<html lang=\"es\" dir=\"ltr\">"));

        using var english = app.CreateClient();
        Assert.That(await GetHtmlAsync(english, "/privacy", HttpStatusCode.OK), Does.Contain("<html lang=\"en\" dir=\"ltr\">"));
    }

    [Test]
    public async Task TheSwitcherLinksEveryLanguageKeepingThePathAndQuery()
    {
        using var client = app.CreateClient();
        var html = await GetHtmlAsync(client, $"/petitions/{Slug}/signatories?group=country&lang=ru", HttpStatusCode.OK);
        var (document, _) = Localised.Visible(html);

        var links = document.QuerySelectorAll("nav.languages a").ToList();
        Assert.That(links.Select(a => a.GetAttribute("hreflang")), Is.EqualTo(new[] { "en", "fr", "es", "ru", "ar" }));
        Assert.That(links.Select(a => a.GetAttribute("lang")), Is.EqualTo(new[] { "en", "fr", "es", "ru", "ar" }));
        Assert.That(links.Select(a => a.TextContent), Is.EqualTo(new[] { "English", "Français", "Español", "Русский", "العربية" }));
        Assert.That(links.Single(a => a.HasAttribute("aria-current")).GetAttribute("hreflang"), Is.EqualTo("ru"));
        Assert.That(links[4].GetAttribute("href"), Is.EqualTo($"/petitions/{Slug}/signatories?group=country&lang=ar"));
        Assert.That(document.QuerySelector("nav.languages")!.GetAttribute("aria-label"), Is.EqualTo("Язык"));
    }

    [Test]
    public async Task TheCountrySelectIsInRussianSortedAsRussianSorts()
    {
        using var client = app.CreateClient();
        var html = await GetHtmlAsync(client, $"/petitions/{Slug}?lang=ru", HttpStatusCode.OK);
        var (document, _) = Localised.Visible(html);

        var options = document.QuerySelectorAll("#country option").Skip(2).Select(o => (Code: o.GetAttribute("value")!, Name: o.TextContent)).ToList();
        var names = options.ToDictionary(o => o.Code, o => o.Name);
        Assert.That(names["DE"], Is.EqualTo("Германия"));
        Assert.That(names["NL"], Is.EqualTo("Нидерланды"));
        Assert.That(names["AZ"], Is.EqualTo("Азербайджан"));
        var russian = StringComparer.Create(System.Globalization.CultureInfo.GetCultureInfo("ru"), System.Globalization.CompareOptions.IgnoreCase);
        Assert.That(options.Select(o => o.Name), Is.Ordered.Using((IComparer<string>)russian));
        Assert.That(options[0].Name, Does.StartWith("А"), "Cyrillic А first, not the Latin alphabet's order of codes");
    }

    [Test]
    public void TheListNamesTheCountryOfAnOrganisationWithoutACityInTheReadersLanguage()
    {
        var list = new global::Petitions.Signatures.PublicList([new("Deutsche Stiftung", null, "DE", "2026-12-06T00:00:00Z"), new("Lyon Collectif", "Lyon", "FR", "2026-12-06T00:00:00Z")]);

        Assert.That(list.ItemsHtmlIn("ru"), Is.EqualTo("<li>Deutsche Stiftung, Германия</li>\n<li>Lyon Collectif, Lyon</li>\n"));
        Assert.That(list.ItemsHtmlIn("ar"), Does.Contain("<li>Deutsche Stiftung, ألمانيا</li>"));
        Assert.That(list.ItemsHtmlIn("en"), Does.Contain("<li>Deutsche Stiftung, Germany</li>"));
    }

    [Test]
    public async Task TheApiGivesValidationMessagesInFrenchWithFieldNamesUnchanged()
    {
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        var body = SignOnClient.ValidJson();
        body["organisation"] = null;
        body["website"] = "nowhere";
        body["consent"] = false;

        using var response = await SignOnClient.PostJsonAsync(client, body);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.That((int)response.StatusCode, Is.EqualTo(400).Or.EqualTo(422));
        var errors = problem.GetProperty("errors");
        Assert.That(errors.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "organisation", "website", "consent" }));
        Assert.That(errors.GetProperty("organisation")[0].GetString(), Is.EqualTo("Saisissez le nom de votre organisation."));
        Assert.That(errors.GetProperty("website")[0].GetString(), Does.StartWith("Saisissez le site web"));
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo("La signature comporte des erreurs"));
    }

    [Test]
    public async Task TheApiStaysEnglishWithoutALanguage()
    {
        using var client = app.CreateClient();
        var body = SignOnClient.ValidJson();
        body["organisation"] = null;

        using var response = await SignOnClient.PostJsonAsync(client, body);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.That(problem.GetProperty("errors").GetProperty("organisation")[0].GetString(), Is.EqualTo("Enter the name of your organisation."));
    }

    [TestCase("fr")]
    [TestCase("ar")]
    public async Task TheRateLimitPageShowsNoEnglish(string language)
    {
        using var limited = new PetitionsApp(settings: new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "1" });
        using var browser = limited.CreateClient();
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["organisation"] = "Rate Test" });
        using var first = await browser.PostAsync($"/petitions/{Slug}/sign", form);
        using var second = await browser.PostAsync($"/petitions/{Slug}/sign", form);

        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        AssertTranslated(await second.Content.ReadAsStringAsync(), language);
    }

    internal static void AssertTranslated(string html, string language, params string[] data)
    {
        var direction = language == "ar" ? "rtl" : "ltr";
        Assert.That(html, Does.Contain($"<html lang=\"{language}\" dir=\"{direction}\">"));
        var (_, text) = Localised.Visible(html, LetterData.Concat(data).ToArray());
        var english = Localised.EnglishIn(text, language, "Petitions.Resources.PageTexts", "Petitions.Resources.ValidationTexts");
        Assert.That(english, Is.Empty, $"English left in the {language} page:\n{text}");
    }

    private static string WithLanguage(string path, string language) =>
        path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "lang=" + language;

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        return await client.SendAsync(request);
    }

    private static async Task<string> GetHtmlAsync(HttpClient client, string path, HttpStatusCode status)
    {
        using var response = await GetAsync(client, path);
        Assert.That(response.StatusCode, Is.EqualTo(status), path);
        return await response.Content.ReadAsStringAsync();
    }
}
