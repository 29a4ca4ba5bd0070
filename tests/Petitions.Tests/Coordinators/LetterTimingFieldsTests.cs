using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>A letter's opening time, list publication time and framing origins, as coordinators write and edit them.</summary>
public sealed class LetterTimingFieldsTests
{
    private const string Editor = "/coordinators/petitions/iap-2017/edit";

    private static async Task<JsonObject> LetterAsync(HttpClient coordinator) =>
        (await coordinator.GetFromJsonAsync<JsonObject>("/api/petitions/iap-2017"))!;

    [Test]
    public async Task TheJsonCarriesTheTimesAndTheOriginsNormalised()
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);
        var letter = await LetterAsync(coordinator);
        letter["opensAt"] = "2026-03-01T09:00:00Z";
        letter["listPublishedAt"] = "2026-03-08T09:00:00Z";
        letter["closesAt"] = "2027-04-01T00:00:00Z";
        letter["embedOrigins"] = new JsonArray("https://Partner.example.org/", "http://127.0.0.1:8080", "https://partner.example.org");

        using var put = await coordinator.PutAsJsonAsync("/api/petitions/iap-2017", letter);
        var saved = await LetterAsync(coordinator);

        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK), await put.Content.ReadAsStringAsync());
        Assert.That(saved["opensAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero)));
        Assert.That(saved["listPublishedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(new DateTimeOffset(2026, 3, 8, 9, 0, 0, TimeSpan.Zero)));
        Assert.That(saved["embedOrigins"]!.AsArray().Select(o => o!.GetValue<string>()),
            Is.EqualTo(new[] { "https://partner.example.org", "http://127.0.0.1:8080" }), "lower-cased, without the path, once each");

        letter.Remove("embedOrigins");
        letter["opensAt"] = null;
        using var again = await coordinator.PutAsJsonAsync("/api/petitions/iap-2017", letter);
        var edited = await LetterAsync(coordinator);
        Assert.That(edited["opensAt"], Is.Null, "a time left out is cleared, as closesAt is");
        Assert.That(edited["embedOrigins"]!.AsArray(), Has.Count.EqualTo(2), "origins left out are kept, as the review setting is");
    }

    [TestCase("embedOrigins", "[\"https://example.org/form\"]")]
    [TestCase("embedOrigins", "[\"javascript:alert(1)\"]")]
    [TestCase("embedOrigins", "[\"https://example.org; script-src *\"]")]
    [TestCase("opensAt", "\"2027-05-01T00:00:00Z\"")]
    public async Task AWrongTimeOrOriginIs400NamingTheFieldAndNothingIsStored(string field, string json)
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);
        var letter = await LetterAsync(coordinator);
        letter["closesAt"] = "2027-04-01T00:00:00Z";
        letter[field] = JsonNode.Parse(json);

        using var put = await coordinator.PutAsJsonAsync("/api/petitions/iap-2017", letter);
        var problem = await put.Content.ReadFromJsonAsync<JsonElement>();
        var after = await LetterAsync(coordinator);

        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name.Split('[')[0]), Does.Contain(field));
        Assert.That(after["closesAt"], Is.Null, "nothing of the refused edit is stored");
        Assert.That(after["embedOrigins"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task TheEditorEditsTheTimesAndOriginsAndExplainsAWrongOne()
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);
        var form = new Dictionary<string, string>
        {
            ["title"] = "Title", ["status"] = "open", ["review"] = "flagged", ["body"] = "Text", ["demandGroups"] = "", ["footnotes"] = "",
            ["opensAt"] = "2026-03-01T09:00", ["listPublishedAt"] = "2026-03-08T09:00", ["closesAt"] = "2027-04-01T00:00",
            ["embedOrigins"] = "https://partner.example.org\r\nhttps://other.example.net:8443\r\n",
        };

        using var saved = await PostAsync(coordinator, form);
        var letter = await LetterAsync(coordinator);
        var page = WebUtility.HtmlDecode(await coordinator.GetStringAsync(Editor));

        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(letter["opensAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero)));
        Assert.That(letter["embedOrigins"]!.AsArray().Select(o => o!.GetValue<string>()),
            Is.EqualTo(new[] { "https://partner.example.org", "https://other.example.net:8443" }));
        Assert.That(page, Does.Contain("value=\"2026-03-08T09:00\""));
        Assert.That(page, Does.Contain("https://partner.example.org\nhttps://other.example.net:8443</textarea>"));

        form["embedOrigins"] = "partner.example.org/page";
        form["opensAt"] = "next spring";
        using var wrong = await PostAsync(coordinator, form);
        var html = WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync());
        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("<span class=\"field-error\" id=\"opensAt-error\">Enter the opening time as a date and time.</span>"));
        Assert.That((await LetterAsync(coordinator))["embedOrigins"]!.AsArray(), Has.Count.EqualTo(2), "nothing of the refused edit is stored");
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient coordinator, Dictionary<string, string> fields)
    {
        var values = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = SignOnClient.Antiforgery(await coordinator.GetStringAsync(Editor)) };
        using var form = new FormUrlEncodedContent(values);
        return await coordinator.PostAsync(Editor, form);
    }
}
