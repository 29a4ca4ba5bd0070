using Markdig;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Petitions.Petitions;

/// <summary>
/// Renders a letter's Markdown to HTML. Raw HTML is off and only web and mail links survive,
/// so a letter can never carry script into the page. <c>^1^</c> writes a footnote mark.
/// </summary>
public static class LetterMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .DisableHtml()
        .Build();

    /// <param name="marks">
    /// When given, each footnote mark links to its note (<c>#note-N</c>), and the first mark of each
    /// note gets <c>id="ref-N"</c> (recorded here) for the note to link back to.
    /// </param>
    public static string ToHtml(string markdown, ISet<string>? marks = null) => Render(markdown, inline: false, marks);

    /// <summary>One paragraph's worth of Markdown (a demand, a footnote) without the wrapping &lt;p&gt;.</summary>
    public static string ToInlineHtml(string markdown, ISet<string>? marks = null) => Render(markdown, inline: true, marks);

    private static string Render(string markdown, bool inline, ISet<string>? marks)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        if (marks is not null)
        {
            LinkMarks(document, marks);
        }

        foreach (var link in document.Descendants<LinkInline>())
        {
            if (!IsSafe(link.Url))
            {
                link.Url = "#";
            }
        }

        foreach (var link in document.Descendants<AutolinkInline>())
        {
            if (!IsSafe(link.Url))
            {
                link.Url = "#";
            }
        }

        using var writer = new StringWriter();
        var renderer = new Markdig.Renderers.HtmlRenderer(writer) { ImplicitParagraph = inline };
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString().Trim();
    }

    private static void LinkMarks(MarkdownDocument document, ISet<string> marks)
    {
        foreach (var mark in document.Descendants<EmphasisInline>().Where(e => e.DelimiterChar == '^').ToList())
        {
            if (mark.FirstChild is not LiteralInline literal || mark.FirstChild != mark.LastChild)
            {
                continue;
            }

            var number = literal.Content.ToString();
            if (number.Length is 0 or > 3 || !number.All(char.IsAsciiDigit))
            {
                continue;
            }

            var link = new LinkInline($"#note-{number}", "");
            if (marks.Add(number))
            {
                link.GetAttributes().Id = $"ref-{number}";
            }

            link.GetAttributes().AddClass("note-mark");
            literal.Remove();
            link.AppendChild(literal);
            mark.AppendChild(link);
        }
    }

    private static bool IsSafe(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || url[0] is '#' || (url[0] is '/' && !url.StartsWith("//", StringComparison.Ordinal)))
        {
            return true;
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.RelativeOrAbsolute, out var uri))
        {
            return false;
        }

        // Relative links (#fn1, /petitions/x) have no scheme; absolute ones must be web or mail.
        return !uri.IsAbsoluteUri || uri.Scheme is "http" or "https" or "mailto";
    }
}
