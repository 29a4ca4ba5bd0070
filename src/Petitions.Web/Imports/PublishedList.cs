using System.Text;
using System.Text.RegularExpressions;
using Petitions.Organisations;

namespace Petitions.Imports;

/// <summary>One organisation as a published letter prints it: "Name, City".</summary>
public sealed record ListedOrganisation(int Line, string Name, string? City);

/// <summary>
/// Reads the list of supporting organisations as letters print it, in Markdown or plain text:
/// <c>[Name](#), City</c>, <c>[Name](#) (ACRONYM), City</c>, two links on one line, escaped
/// parentheses, names with no link, and lines with no city at all.
/// The city is what follows the last comma outside any link text; everything before it is
/// the name, so commas inside a linked name ("Transparency, Accountability") stay in it.
/// </summary>
public static partial class PublishedList
{
    public static IReadOnlyList<ListedOrganisation> Parse(string text)
    {
        var result = new List<ListedOrganisation>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            if (ParseLine(raw) is { } parsed)
            {
                result.Add(parsed with { Line = lineNumber });
            }
        }

        return result;
    }

    /// <returns>The organisation on the line, or null for a line that holds none (blank, a rule, a heading).</returns>
    public static ListedOrganisation? ParseLine(string line)
    {
        var trimmed = line.Trim().TrimStart('\uFEFF');
        trimmed = ListMarker().Replace(trimmed, "");
        if (trimmed.Length == 0 || IsRule(trimmed) || trimmed.StartsWith('#') || IsHeading(trimmed))
        {
            return null;
        }

        var (plain, inLink) = Flatten(trimmed);
        var comma = -1;
        for (var i = plain.Length - 1; i >= 0; i--)
        {
            if (plain[i] == ',' && !inLink[i])
            {
                comma = i;
                break;
            }
        }

        var name = Names.Clean(comma < 0 ? plain : plain[..comma]);
        var city = comma < 0 ? null : Names.Clean(plain[(comma + 1)..]);
        if (name.Length == 0)
        {
            return null;
        }

        return new ListedOrganisation(0, name, string.IsNullOrEmpty(city) ? null : city);
    }

    /// <summary>
    /// The line's text with Markdown links reduced to their text and escapes resolved, and for
    /// each character whether it came from inside a link's text.
    /// </summary>
    private static (string Plain, List<bool> InLink) Flatten(string line)
    {
        var plain = new StringBuilder(line.Length);
        var inLink = new List<bool>(line.Length);
        var linkDepth = 0;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length && (char.IsPunctuation(line[i + 1]) || char.IsSymbol(line[i + 1])))
            {
                Append(line[++i]);
                continue;
            }

            if (c == '[' && ClosingBracketOfLink(line, i) >= 0)
            {
                linkDepth++;
                continue;
            }

            if (c == ']' && linkDepth > 0 && i + 1 < line.Length && line[i + 1] == '(')
            {
                linkDepth--;
                var close = line.IndexOf(')', i + 1);
                i = close < 0 ? line.Length : close;
                continue;
            }

            if (c == '*' && i + 1 < line.Length && line[i + 1] == '*')
            {
                i++;
                continue;
            }

            Append(c);
        }

        return (plain.ToString(), inLink);

        void Append(char c)
        {
            plain.Append(c);
            inLink.Add(linkDepth > 0);
        }
    }

    // "[" opens a link only when a "](" follows, honouring escapes: "[Name \(SIM\)](#)".
    private static int ClosingBracketOfLink(string line, int open)
    {
        for (var i = open + 1; i < line.Length; i++)
        {
            if (line[i] == '\\')
            {
                i++;
                continue;
            }

            if (line[i] == ']')
            {
                return i + 1 < line.Length && line[i + 1] == '(' ? i : -1;
            }
        }

        return -1;
    }

    private static bool IsRule(string line) => line.Length >= 3 && line.All(c => c is '-' or '*' or '_' or ' ');

    // "**Supporting organisations:**", "Signatories:" — a heading names the list, it is not in it.
    private static bool IsHeading(string line) => line.TrimEnd('*', ' ').EndsWith(':');

    [GeneratedRegex(@"^(?:[-*+•]\s+|\d{1,4}[.)]\s+)")]
    private static partial Regex ListMarker();
}
