using System.Net;
using System.Net.Http.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Hostile;

/// <summary>
/// A letter whose Markdown carries script every way Markdown can: the public and the printable
/// page run none of it, and its web links still work.
/// </summary>
[Parallelizable(ParallelScope.Self)]
public sealed class MarkdownTests
{
    private const string Slug = "hostile-markdown";

    public static readonly IReadOnlyList<string> Payloads =
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x]( javascript:alert(1))",
        "<javascript:alert(1)>",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        "[x](<javascript:alert(1)>)",
        "[x](javascript:alert(1) \"title\")",
        "[x](java&#x09;script:alert(1))",
        "[x](java&#x0A;script:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](&#x01;javascript:alert(1))",
        // A raw control character ("[x](\u0001javascript:…)") is refused as input: ControlCharacterTests.
        "[x](java%09script:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x][evil]\n\n[evil]: javascript:alert(1)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "[x](data:text/html,<script>alert(1)</script>)",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<svg/onload=alert(1)>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<!--<script>alert(1)</script>-->",
        "<<script>script>alert(1)<</script>/script>",
        "`<script>`",
        "    <script>alert(1)</script>",
        "[<img src=x onerror=alert(1)>](https://example.org)",
        "[x](https://example.org \"\\\" onmouseover=\\\"alert(1)\")",
        "[x](https://example.org/\" onmouseover=\"alert(1))",
        "www.example.org/<script>",
        "https://example.org/?q=\"><script>alert(1)</script>",
    ];

    private PetitionsApp app = null!;
    private HttpClient visitor = null!;
    private readonly Dictionary<string, string> pages = [];

    [OneTimeSetUp]
    public async Task StartAppAndWriteTheLetter()
    {
        app = new PetitionsApp();
        visitor = app.CreateClient();
        using var coordinator = await Coordinator.ClientAsync(app, "writer@coalition.example.org");
        var text = string.Join("\n\n", Payloads);
        using var created = await coordinator.PostAsJsonAsync("/api/petitions", new
        {
            slug = Slug,
            title = "<script>alert('title')</script> A letter",
            addressee = "<img src=x onerror=alert('addressee')>",
            place = "\"><svg onload=alert('place')>",
            date = "2026-11-28",
            status = "open",
            requiresReview = false,
            body = "We write to you. [A safe link](https://example.org/safe) and <https://example.org/auto>.\n\n" + text,
            demandGroups = new[]
            {
                new { lead = "We call on you to: " + Payloads[2] + " " + Payloads[1], demands = Payloads.Select(p => "act; " + p).ToArray() },
            },
            footnotes = Payloads.Select((p, i) => new { number = i + 1, text = "See " + p }).Append(new { number = 99, text = "See [the report](http://example.org/report)." }).ToArray(),
        });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        foreach (var path in new[] { $"/petitions/{Slug}", $"/petitions/{Slug}/print" })
        {
            pages[path] = await visitor.GetStringAsync(path);
        }
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        visitor.Dispose();
        app.Dispose();
    }

    public static IEnumerable<string> Paths => [$"/petitions/{Slug}", $"/petitions/{Slug}/print"];

    [TestCaseSource(nameof(Paths))]
    public void ThePageHasNoScriptNoEventHandlerAndNoScriptLink(string path)
    {
        var page = pages[path];

        Assert.That(page, Does.Not.Contain("<script").IgnoreCase);
        Assert.That(Markup.Tags(page).SelectMany(t => t.Attributes).Select(a => a.Name).Where(n => n.StartsWith("on", StringComparison.OrdinalIgnoreCase)), Is.Empty);
        // "onerror=" anywhere in a tag but inside a quoted attribute value (a page's description quotes the letter's text).
        Assert.That(Markup.Tags(page)
            .Where(t => System.Text.RegularExpressions.Regex.Replace(t.Text, "\"[^\"]*\"", "\"\"").Contains("onerror=", StringComparison.OrdinalIgnoreCase))
            .Select(t => t.Text), Is.Empty);
        Assert.That(Markup.Dangers(page, Payloads, foreignElements: false), Is.Empty, "Markdown images are allowed; what they load is checked with the links");
    }

    [TestCaseSource(nameof(Paths))]
    public void NoLinkOrSourceRunsScript(string path)
    {
        var links = Markup.Tags(pages[path])
            .SelectMany(t => t.Attributes.Where(a => a.Name.ToLowerInvariant() is "href" or "src" or "action" or "formaction" or "xlink:href"))
            .Select(a => a.Value)
            .ToList();

        Assert.That(links, Is.Not.Empty);
        Assert.That(links.Where(Markup.RunsScript), Is.Empty);
    }

    [TestCaseSource(nameof(Paths))]
    public void WebLinksSurvive(string path)
    {
        var page = pages[path];

        Assert.That(page, Does.Contain("<a href=\"https://example.org/safe\">A safe link</a>"));
        Assert.That(page, Does.Contain("href=\"https://example.org/auto\""));
        Assert.That(page, Does.Contain("<a href=\"http://example.org/report\">the report</a>"));
    }

    [TestCaseSource(nameof(Paths))]
    public void TheTitleAddresseeAndPlaceAreText(string path)
    {
        var text = WebUtility.HtmlDecode(Markup.Tags(pages[path]).Aggregate(pages[path], (page, tag) => page.Replace(tag.Text, " ", StringComparison.Ordinal)));

        Assert.That(text, Does.Contain("<script>alert('title')</script> A letter"), "shown as text");
        Assert.That(text, Does.Contain("\"><svg onload=alert('place')>"));
        if (!path.EndsWith("/print", StringComparison.Ordinal))
        {
            Assert.That(text, Does.Contain("<img src=x onerror=alert('addressee')>"));
        }
    }
}
