using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Petitions.Tests.Web;

/// <summary>
/// What a reader sees of a page (its text and the attributes read out or shown), and the English of the
/// app's neutral resources that a translated page must not show.
/// </summary>
public static partial class Localised
{
    public static readonly string[] Areas = ["Petitions.Resources.PageTexts", "Petitions.Resources.EmailTexts", "Petitions.Resources.ValidationTexts"];

    private static readonly string[] ReadAttributes = ["alt", "aria-label", "placeholder", "title"];

    /// <summary>
    /// The English pieces of an area's texts that <paramref name="language"/>'s translation does not share: each
    /// text split at its placeholders and plural forms, pieces of at least three characters with a letter.
    /// </summary>
    public static IReadOnlyList<string> EnglishPieces(string area, string language)
    {
        var resources = new ResourceManager(area, typeof(Program).Assembly);
        var neutral = resources.GetResourceSet(CultureInfo.InvariantCulture, true, false)!;
        var translated = CultureInfo.GetCultureInfo(language);
        var pieces = new HashSet<string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in neutral)
        {
            var key = (string)entry.Key;
            var translation = resources.GetString(key, translated) ?? "";
            foreach (var piece in Placeholder().Split((string)entry.Value!).SelectMany(p => p.Split('|')))
            {
                var trimmed = piece.Trim(' ', ',', '.', ':', ';', '(', ')', '“', '”', '"');
                if (trimmed.Length >= 3 && trimmed.Any(char.IsLetter) && !translation.Contains(trimmed, StringComparison.Ordinal))
                {
                    pieces.Add(trimmed);
                }
            }
        }

        return pieces.ToList();
    }

    /// <summary>The page's visible text and read attributes, after removing <paramref name="data"/> (selectors of the letter's own text, names and the like).</summary>
    public static (IDocument Document, string Text) Visible(string html, params string[] data)
    {
        var document = new HtmlParser().ParseDocument(html);
        foreach (var selector in data.Concat(["script", "style", "meta", "link"]))
        {
            foreach (var element in document.QuerySelectorAll(selector).ToList())
            {
                element.Remove();
            }
        }

        var parts = new List<string>();
        foreach (var node in document.DocumentElement.GetDescendants())
        {
            switch (node)
            {
                case IText text:
                    parts.Add(text.Data);
                    break;
                case IElement element:
                    parts.AddRange(ReadAttributes.Select(element.GetAttribute).OfType<string>());
                    if (element.LocalName == "button" || (element.LocalName == "input" && element.GetAttribute("type") is "submit" or "button"))
                    {
                        parts.AddRange(new[] { element.GetAttribute("value") }.OfType<string>());
                    }

                    break;
            }
        }

        return (document, Whitespace().Replace(string.Join(" \u0001 ", parts), " "));
    }

    /// <summary>The English pieces of <paramref name="areas"/> found in <paramref name="text"/> as words (not inside an address such as name@organisation.org).</summary>
    public static IReadOnlyList<string> EnglishIn(string text, string language, params string[] areas) =>
        (areas.Length == 0 ? Areas : areas).SelectMany(a => EnglishPieces(a, language)).Distinct()
            .Where(p => Regex.IsMatch(text, $@"(?<![\p{{L}}@]){Regex.Escape(p)}(?![\p{{L}}]|\.\p{{L}})")).ToList();

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
