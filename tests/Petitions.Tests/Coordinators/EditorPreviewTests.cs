using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>The letter editor previews the letter as it will read, saving nothing, and explains its fields by example.</summary>
public sealed class EditorPreviewTests
{
    private const string Editor = "/coordinators/petitions/iap-2017/edit";

    [Test]
    public async Task PreviewRendersTheLetterAboveTheFormAndSavesNothing()
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);
        var before = await coordinator.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017");

        using var response = await PostAsync(coordinator, ("preview", "yes"), ("title", "A previewed title"),
            ("body", "We write **now**.^1^"), ("demandGroups", "We ask you to:\n- act at once;\n- answer."), ("footnotes", "1. A source."));
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain("Preview: not saved yet"));
        Assert.That(html, Does.Contain("<p class=\"preview-title\">A previewed title</p>"));
        Assert.That(html, Does.Contain("<strong>now</strong>"));
        Assert.That(html, Does.Contain("href=\"#note-1\""), "the footnote mark links to its note");
        Assert.That(html, Does.Contain("<li>act at once;</li>"));
        Assert.That(html, Does.Contain("value=\"A previewed title\""), "the form keeps what was typed");
        var after = await coordinator.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017");
        Assert.That(after.GetProperty("title").GetString(), Is.EqualTo(before.GetProperty("title").GetString()), "nothing saved");
    }

    [Test]
    public async Task AnInvalidLetterIsNotPreviewedButExplained()
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);

        using var response = await PostAsync(coordinator, ("preview", "yes"), ("title", ""), ("body", "Text"), ("demandGroups", ""), ("footnotes", "no number"));
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Not.Contain("Preview: not saved yet"));
        Assert.That(html, Does.Contain("<a href=\"#footnotes\">"));
    }

    [Test]
    public async Task TheBodyDemandsAndFootnotesAreExplainedByExample()
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);

        var html = WebUtility.HtmlDecode(await coordinator.GetStringAsync(Editor));

        Assert.That(html, Does.Contain("<summary>Example of a body</summary>"));
        Assert.That(html, Does.Contain("<summary>Example of two demand groups</summary>"));
        Assert.That(html, Does.Contain("<summary>Example of footnotes</summary>"));
        Assert.That(html, Does.Contain("<button type=\"submit\" name=\"preview\" value=\"yes\" class=\"secondary\">Preview</button>"));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient coordinator, params (string Name, string Value)[] fields)
    {
        var page = await coordinator.GetStringAsync(Editor);
        var values = new Dictionary<string, string>
        {
            ["title"] = "Title", ["addressee"] = "", ["place"] = "", ["date"] = "", ["status"] = "open", ["review"] = "flagged",
            ["closesAt"] = "", ["body"] = "", ["demandGroups"] = "", ["footnotes"] = "",
        };
        foreach (var (name, value) in fields)
        {
            values[name] = value;
        }

        values["__RequestVerificationToken"] = SignOnClient.Antiforgery(page);
        using var form = new FormUrlEncodedContent(values);
        return await coordinator.PostAsync(Editor, form);
    }
}
