using System.Net;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Web;

/// <summary>The coordinators' pages in French and Arabic: sign-in, letters, the letter's console, a signatory and the editor.</summary>
public sealed class ConsoleLocalisationTests
{
    private const string Console = "/coordinators/petitions/" + SignOnClient.Slug;

    // Names, places, the letter's text, flag codes and the history's recorded codes are data, not the interface.
    private static readonly string[] Data = ["td", ".details dd", "textarea", "pre", ".letter-title", ".letters a", "#filter-flag option:not([value=''])", "#filter-country option:not([value=''], [value='international'])"];

    private PetitionsApp app = null!;
    private HttpClient browser = null!;
    private long signatory;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        browser = await CookieSession.SignInAsync(app, "console-languages@coalition.example.org", SignOnClient.Slug);
        await using var connection = await app.Db.OpenAsync();
        signatory = await connection.ExecuteScalarAsync<long>("SELECT min(id) FROM signatures WHERE status = 'listed'");
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        browser.Dispose();
        app.Dispose();
    }

    [TestCase("fr", "/coordinators")]
    [TestCase("fr", Console)]
    [TestCase("fr", Console + "?status=listed&sort=name")]
    [TestCase("fr", Console + "/signatures/{id}")]
    [TestCase("fr", Console + "/edit")]
    [TestCase("fr", Console + "/translations/fr")]
    [TestCase("fr", Console + "/translations/es")]
    [TestCase("fr", "/coordinators/sign-in/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("ar", "/coordinators")]
    [TestCase("ar", Console)]
    [TestCase("ar", Console + "?status=listed&sort=name")]
    [TestCase("ar", Console + "/signatures/{id}")]
    [TestCase("ar", Console + "/edit")]
    [TestCase("ar", Console + "/translations/fr")]
    [TestCase("ar", Console + "/translations/ar")]
    [TestCase("ar", "/coordinators/sign-in/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("fr", Console + "/updates")]
    [TestCase("ar", Console + "/updates")]
    public async Task AConsolePageShowsNoEnglish(string language, string path)
    {
        path = path.Replace("{id}", signatory.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "lang=" + language);
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await browser.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(path.Contains("/sign-in/", StringComparison.Ordinal) ? HttpStatusCode.NotFound : HttpStatusCode.OK), path);

        LocalisationTests.AssertTranslated(await response.Content.ReadAsStringAsync(), language, Data);
    }

    // Request localisation sets the current culture too: the machine formats must not follow it.
    // The letter's JSON takes lang for its translation (a French one exists): in Arabic and Russian it has none.
    [TestCase(Console + "/signatures.csv", "ar fr ru")]
    [TestCase(Console + "/publication.txt", "ar fr ru")]
    [TestCase("/api/petitions/iap-2017/signatories", "ar fr ru")]
    [TestCase("/api/petitions/iap-2017/stats", "ar fr ru")]
    [TestCase("/api/petitions/iap-2017", "ar ru")]
    public async Task MachineFormatsAreTheSameInEveryLanguage(string path, string languages)
    {
        var english = await browser.GetByteArrayAsync(path);

        foreach (var language in languages.Split(' '))
        {
            var other = await browser.GetByteArrayAsync(path + "?lang=" + language);
            Assert.That(other, Is.EqualTo(english), $"{path} in {language}");
        }
    }

    [TestCase("fr")]
    [TestCase("ar")]
    public async Task TheSignInPageAndItsErrorShowNoEnglish(string language)
    {
        using var visitor = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/coordinators/sign-in?lang=" + language);
        request.Headers.Accept.ParseAdd("text/html");
        using var page = await visitor.SendAsync(request);
        LocalisationTests.AssertTranslated(await page.Content.ReadAsStringAsync(), language);

        using var sent = await CookieSession.PostFormAsync(visitor, "/coordinators/sign-in", "/coordinators/sign-in", ("email", "not an address"));
        var html = await sent.Content.ReadAsStringAsync();
        Assert.That(html, Does.Contain("field-error"));
        LocalisationTests.AssertTranslated(html, language);
    }
}
