using System.Net;
using System.Text.RegularExpressions;

namespace Petitions.Tests.Hostile;

/// <summary>
/// What a browser would run in a page: its raw tags as the HTML tokenizer reads them (text that
/// was encoded has no raw '&lt;'), their event-handler attributes, and the schemes of their links.
/// </summary>
public static partial class Markup
{
    /// <summary>Elements no page of the app writes, each of which can run script or load content.</summary>
    private static readonly HashSet<string> ForeignElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "img", "image", "svg", "math", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "base",
        "video", "audio", "source", "track", "marquee", "isindex", "xss", "xml", "template", "noscript", "plaintext", "xmp",
        "animate", "set", "bgsound", "layer", "ilayer", "portal",
    };

    private static readonly string[] UrlAttributes = ["href", "src", "action", "formaction", "xlink:href", "background", "lowsrc", "dynsrc", "poster", "data", "srcdoc"];

    private static readonly string[] ScriptSchemes = ["javascript:", "data:", "vbscript:"];

    public sealed record Tag(string Name, IReadOnlyList<(string Name, string Value)> Attributes, string Text);

    /// <summary>
    /// The two images the app draws itself: the letter page's map (an &lt;img&gt; of its own map.svg) and
    /// the coordinator's chart (an inline &lt;svg class="chart"&gt;, its labels dates and numbers).
    /// </summary>
    private static bool IsOwn(Tag tag) =>
        (tag.Name.Equals("img", StringComparison.OrdinalIgnoreCase)
            && tag.Attributes.Any(a => a.Name == "src" && OwnMap().IsMatch(a.Value)) && tag.Attributes.Count(a => a.Name == "src") == 1
            && !tag.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)))
        || (tag.Name.Equals("svg", StringComparison.OrdinalIgnoreCase) && tag.Text.StartsWith("<svg class=\"chart\" viewBox=\"", StringComparison.Ordinal));

    [GeneratedRegex("^/petitions/[a-z0-9-]+/map\\.svg$")]
    private static partial Regex OwnMap();

    public static IReadOnlyList<Tag> Tags(string html) =>
        TagPattern().Matches(html).Select(m => new Tag(
            m.Groups["name"].Value,
            AttributePattern().Matches(m.Groups["attributes"].Value)
                .Select(a => (a.Groups["name"].Value, WebUtility.HtmlDecode(a.Groups["value"].Value)))
                .ToList(),
            m.Value)).ToList();

    /// <summary>
    /// Every way the page could run script or load foreign content: an element the app never
    /// writes, an on* attribute, a link or source whose scheme runs script (read as a browser reads
    /// it: entities decoded, leading controls and spaces dropped, tabs and line breaks removed), or
    /// a tag from <paramref name="sent"/> that came through raw.
    /// </summary>
    /// <param name="foreignElements">False where Markdown may write some of them itself (an image).</param>
    public static IReadOnlyList<string> Dangers(string html, IEnumerable<string>? sent = null, bool foreignElements = true)
    {
        var dangers = new List<string>();
        foreach (var tag in Tags(html))
        {
            if ((foreignElements || tag.Name.Equals("script", StringComparison.OrdinalIgnoreCase)) && ForeignElements.Contains(tag.Name) && !IsOwn(tag))
            {
                dangers.Add($"a raw <{tag.Name}> element: {Excerpt(tag.Text)}");
            }

            foreach (var (name, value) in tag.Attributes)
            {
                if (name.StartsWith("on", StringComparison.OrdinalIgnoreCase))
                {
                    dangers.Add($"an event-handler attribute {name}: {Excerpt(tag.Text)}");
                }

                if (UrlAttributes.Contains(name, StringComparer.OrdinalIgnoreCase) && RunsScript(value))
                {
                    dangers.Add($"a script link in {name}: {Excerpt(tag.Text)}");
                }

                if (name.Equals("style", StringComparison.OrdinalIgnoreCase) && value.Contains("expression", StringComparison.OrdinalIgnoreCase))
                {
                    dangers.Add($"a style expression: {Excerpt(tag.Text)}");
                }
            }
        }

        dangers.AddRange(RawInput(html, sent ?? []));
        return dangers;
    }

    /// <summary>The tags of <paramref name="sent"/> that are in the page as they were sent, not encoded.</summary>
    public static IEnumerable<string> RawInput(string html, IEnumerable<string> sent) =>
        sent.SelectMany(RawTags).Distinct()
            .Where(fragment => html.Contains(fragment, StringComparison.Ordinal))
            .Select(fragment => $"a tag of the input came through raw: {Excerpt(fragment)}");

    /// <summary>Whether a browser would run this URL as script (or open it as a document of its own making).</summary>
    public static bool RunsScript(string url)
    {
        // The URL parser strips leading and trailing C0 controls and spaces and removes tabs and line breaks anywhere.
        var cleaned = new string(url.Trim('\0', '\u0001', '\u0002', '\u0003', '\u0004', '\u0005', '\u0006', '\u0007', '\b', '\t', '\n', '\u000B',
                '\f', '\r', '\u000E', '\u000F', '\u0010', '\u0011', '\u0012', '\u0013', '\u0014', '\u0015', '\u0016', '\u0017', '\u0018',
                '\u0019', '\u001A', '\u001B', '\u001C', '\u001D', '\u001E', '\u001F', ' ')
            .Where(c => c is not ('\t' or '\n' or '\r')).ToArray());
        return ScriptSchemes.Any(s => cleaned.StartsWith(s, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The opening tags in a sent value, up to their '&gt;' (or the end), that could only be in the
    /// page because the value was written raw: tags with attributes, or of a foreign element.
    /// </summary>
    public static IEnumerable<string> RawTags(string value) =>
        SentTagPattern().Matches(value)
            .Select(m => m.Value)
            .Where(t => t.Length > 3 && (t.Any(char.IsWhiteSpace) || t.Contains('/', StringComparison.Ordinal)
                || ForeignElements.Contains(SentTagPattern().Match(t).Groups["name"].Value)));

    private static string Excerpt(string text) => HostileData.Show(text);

    [GeneratedRegex("""<(?<name>[A-Za-z][A-Za-z0-9:_-]*)(?<attributes>(?:[^>"']|"[^"]*"|'[^']*')*)>""")]
    private static partial Regex TagPattern();

    [GeneratedRegex("""(?<name>[^\s"'>/=]+)(?:\s*=\s*(?:"(?<value>[^"]*)"|'(?<value>[^']*)'|(?<value>[^\s>]+)))?""")]
    private static partial Regex AttributePattern();

    [GeneratedRegex("""<(?<name>[A-Za-z][A-Za-z0-9]*)[^<>]*>?""")]
    private static partial Regex SentTagPattern();
}
