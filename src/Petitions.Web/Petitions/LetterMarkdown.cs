using Markdig;
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

    public static string ToHtml(string markdown) => Render(markdown, inline: false);

    /// <summary>One paragraph's worth of Markdown (a demand, a footnote) without the wrapping &lt;p&gt;.</summary>
    public static string ToInlineHtml(string markdown) => Render(markdown, inline: true);

    private static string Render(string markdown, bool inline)
    {
        var document = Markdown.Parse(markdown, Pipeline);
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
