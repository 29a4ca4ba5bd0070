using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Web;

/// <summary>
/// The letter in the reader's language: its published translation on the page, a switcher and alternate links
/// naming only the languages it has, its own language for a reader who names none, and a sign-on made in French
/// recorded and answered in French.
/// </summary>
public sealed class LetterLanguageTests
{
    private const string FrenchTitle = "Pétition à l'Association internationale des procureurs";

    [Test]
    public async Task InFrenchThePageShowsTheTranslationAndOffersOnlyTheLettersLanguages()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();

        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/petitions/iap-2017?lang=fr"));

        Assert.That(html, Does.Contain("<html lang=\"fr\" dir=\"ltr\">"));
        Assert.That(html, Does.Contain($"<h1>{FrenchTitle}</h1>"), "no lang attribute: the page and the text speak French");
        Assert.That(html, Does.Contain("Mesdames et Messieurs les membres du Comité exécutif"));
        Assert.That(html, Does.Not.Contain("Dear members of the IAP"));
        Assert.That(html, Does.Contain("<input type=\"hidden\" name=\"language\" value=\"fr\">"));
        var switcher = html[html.IndexOf("<nav class=\"languages\"", StringComparison.Ordinal)..];
        switcher = switcher[..switcher.IndexOf("</nav>", StringComparison.Ordinal)];
        Assert.That(switcher, Does.Contain("hreflang=\"en\"").And.Contain("hreflang=\"fr\""));
        Assert.That(switcher, Does.Not.Contain("hreflang=\"es\"").And.Not.Contain("hreflang=\"ar\""));
        Assert.That(html, Does.Contain("<link rel=\"alternate\" hreflang=\"fr\" href=\"http://localhost/petitions/iap-2017?lang=fr\">"));
        Assert.That(html, Does.Contain("<link rel=\"alternate\" hreflang=\"en\" href=\"http://localhost/petitions/iap-2017?lang=en\">"));

        var english = WebUtility.HtmlDecode(await client.GetStringAsync("/petitions/iap-2017?lang=en"));
        Assert.That(english, Does.Contain("<h1>Petition to the International Association of Prosecutors</h1>"), "the kept French page is not served in English");
    }

    [Test]
    public async Task ThePrintedLetterAndThePartnersFrameAreInTheReadersLanguageToo()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();

        foreach (var path in new[] { "/petitions/iap-2017/print", "/petitions/iap-2017/embed", "/petitions/iap-2017/embed/check-email" })
        {
            var french = WebUtility.HtmlDecode(await client.GetStringAsync($"{path}?lang=fr"));
            var english = WebUtility.HtmlDecode(await client.GetStringAsync($"{path}?lang=en"));

            Assert.That(french, Does.Contain(FrenchTitle), path);
            Assert.That(english, Does.Contain("Petition to the International Association of Prosecutors").And.Not.Contain(FrenchTitle), path);
        }
    }

    [Test]
    public async Task TheMapSpeaksTheReadersLanguage()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();

        var french = await client.GetStringAsync("/petitions/iap-2017/map.svg?lang=fr");
        var english = await client.GetStringAsync("/petitions/iap-2017/map.svg?lang=en");

        Assert.That(french, Does.Contain($"<title id=\"map-title\">Où sont les organisations signataires de « {FrenchTitle.Replace("'", "&apos;", StringComparison.Ordinal)} »</title>"));
        Assert.That(french, Does.Contain("<desc id=\"map-desc\">Carte des ").And.Contain(" villes."));
        Assert.That(french, Does.Contain(", Royaume-Uni : ").Or.Contain(", Royaume-Uni: "));
        Assert.That(english, Does.Contain("<title id=\"map-title\">Where the organisations that signed “Petition to the International Association of Prosecutors” are</title>"));
        Assert.That(english, Does.Contain(", United Kingdom: "));
        using var response = await client.GetAsync("/petitions/iap-2017/map.svg?lang=fr");
        Assert.That(response.Headers.Vary, Does.Contain("Accept-Language").And.Contain("Cookie"));
    }

    [Test]
    public async Task InALanguageWithoutATranslationTheLetterKeepsItsOwnAndSaysSo()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();

        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/petitions/iap-2017?lang=ar"));

        Assert.That(html, Does.Contain("<html lang=\"ar\" dir=\"rtl\">"));
        Assert.That(html, Does.Contain("<h1 lang=\"en\">Petition to the International Association of Prosecutors</h1>"));
        Assert.That(html, Does.Contain("<div class=\"body\" lang=\"en\">"));
    }

    [Test]
    public async Task AReaderWhoNamesNoLanguageReadsALetterInItsOwn()
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);
        using (var created = await coordinator.PostAsJsonAsync("/api/petitions", new Dictionary<string, object?>
        {
            ["slug"] = "lettre-ouverte", ["title"] = "Une lettre ouverte", ["status"] = "open", ["body"] = "Nous écrivons.", ["language"] = "fr",
        }))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        using var client = app.CreateClient();
        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/petitions/lettre-ouverte"));
        Assert.That(html, Does.Contain("<html lang=\"fr\" dir=\"ltr\">"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/petitions/lettre-ouverte");
        request.Headers.AcceptLanguage.ParseAdd("es");
        using var spanish = await client.SendAsync(request);
        Assert.That(await spanish.Content.ReadAsStringAsync(), Does.Contain("<html lang=\"es\" dir=\"ltr\">"), "Accept-Language comes first");
    }

    [Test]
    public async Task ASignOnMadeInFrenchIsRecordedAndConfirmedInFrench()
    {
        using var app = new PetitionsApp();
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false });
        (await browser.GetAsync("/petitions/iap-2017?lang=fr")).Dispose();

        using (var signed = await SignOnClient.PostFormAsync(browser, SignOnClient.ValidJson("Organisation Francophone", "contact@francophone.example.org")))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        }

        var email = (await Delivered.MessagesAsync(app)).Single(m => m.To.ToString() == "contact@francophone.example.org");
        Assert.That(email.Subject, Does.Contain(FrenchTitle));
        Assert.That(email.TextBody, Does.Contain(FrenchTitle).And.Not.Contain("Petition to the International Association"));
        using var coordinator = await Coordinator.ClientAsync(app);
        var record = (await coordinator.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/signatures?status=pending")).EnumerateArray()
            .Single(r => r.GetProperty("organisation").GetString() == "Organisation Francophone");
        Assert.That(record.GetProperty("language").GetString(), Is.EqualTo("fr"));
        Assert.That(record.GetProperty("translationVersion").GetInt32(), Is.EqualTo(1));

        // Confirmed in French too: the listed email names the French title.
        using (var confirmed = await browser.PostAsJsonAsync("/api/confirmations", new { token = Delivered.Tokens([email]).Single() }))
        {
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var listed = (await Delivered.MessagesAsync(app)).Where(m => m.To.ToString() == "contact@francophone.example.org").Last();
        Assert.That(listed.Subject, Does.Contain(FrenchTitle));
    }
}
