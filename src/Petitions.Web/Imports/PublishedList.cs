using System.Text;
using System.Text.RegularExpressions;
using Petitions.Organisations;

namespace Petitions.Imports;

/// <summary>One organisation as a published letter prints it: "Name, City".</summary>
public sealed record ListedOrganisation(int Line, string Name, string? City);

/// <summary>A line of a published list as written: the name and city before cleaning, or why the line was refused.</summary>
public sealed record PublishedLine(int Line, string Name, string? City, string? Rejection);

/// <summary>
/// Reads the list of supporting organisations as letters print it, in Markdown or plain text:
/// <c>[Name](#), City</c>, <c>[Name](#) (ACRONYM), City</c>, two links on one line, escaped
/// parentheses, names with no link, and lines with no city at all.
/// The city is what follows the last comma outside any link text; everything before it is
/// the name, so commas inside a linked name ("Transparency, Accountability") stay in it.
/// </summary>
public static partial class PublishedList
{
    /// <summary>
    /// The longest line read: a name and a city are a few hundred characters at most, and
    /// anything longer is refused with its line number before it is parsed.
    /// </summary>
    public const int MaxLineLength = 4096;

    public static IReadOnlyList<ListedOrganisation> Parse(string text) =>
        Read(text).Where(l => l.Rejection is null).Select(l => new ListedOrganisation(l.Line, Names.Clean(l.Name), Cleaned(l.City))).ToList();

    /// <summary>
    /// Every line that holds an organisation, with its name and city as written (Markdown
    /// resolved, not yet cleaned, so the sign-on's rules can judge the text as sent), or why the
    /// line was refused. Linear in the length of the text.
    /// </summary>
    public static IEnumerable<PublishedLine> Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lineNumber = 0;
        var start = 0;
        while (start <= text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0)
            {
                end = text.Length;
            }

            lineNumber++;
            if (end - start > MaxLineLength)
            {
                yield return new PublishedLine(lineNumber, "", null, $"line: longer than {MaxLineLength} characters");
            }
            else if (ReadLine(text[start..end]) is { } read)
            {
                yield return read with { Line = lineNumber };
            }

            start = end + 1;
        }
    }

    /// <returns>The organisation on the line, cleaned, or null for a line that holds none (blank, a rule, a heading).</returns>
    public static ListedOrganisation? ParseLine(string line) =>
        ReadLine(line) is { } read ? new ListedOrganisation(0, Names.Clean(read.Name), Cleaned(read.City)) : null;

    private static PublishedLine? ReadLine(string line)
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

        var name = (comma < 0 ? plain : plain[..comma]).Trim();
        var city = comma < 0 ? null : plain[(comma + 1)..].Trim();
        return Names.Clean(name).Length == 0 ? null : new PublishedLine(0, name, Cleaned(city) is null ? null : city, null);
    }

    private static string? Cleaned(string? text) => text is null ? null : Names.Clean(text) is { Length: > 0 } clean ? clean : null;

    /// <summary>
    /// The line's text with Markdown links reduced to their text and escapes resolved, and for
    /// each character whether it came from inside a link's text. One pass: the closing bracket
    /// a "[" needs is searched for once and kept for every "[" before it.
    /// </summary>
    private static (string Plain, List<bool> InLink) Flatten(string line)
    {
        var plain = new StringBuilder(line.Length);
        var inLink = new List<bool>(line.Length);
        var linkDepth = 0;
        var nextClose = int.MinValue;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length && (char.IsPunctuation(line[i + 1]) || char.IsSymbol(line[i + 1])))
            {
                Append(line[++i]);
                continue;
            }

            if (c == '[' && OpensLink(i))
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

        // "[" opens a link only when the first unescaped "]" after it is followed by "(". A scan
        // for that "]" reads escapes the same way from wherever it starts after a "[", so one
        // found for an earlier "[" (or none found) holds for every later one before it.
        bool OpensLink(int open)
        {
            if (nextClose != -1 && nextClose <= open)
            {
                nextClose = ClosingBracket(line, open + 1);
            }

            return nextClose >= 0 && nextClose + 1 < line.Length && line[nextClose + 1] == '(';
        }
    }

    // The first "]" from `from` on that no backslash escapes: "[Name \(SIM\)](#)"; -1 when there is none.
    private static int ClosingBracket(string line, int from)
    {
        for (var i = from; i < line.Length; i++)
        {
            if (line[i] == '\\')
            {
                i++;
                continue;
            }

            if (line[i] == ']')
            {
                return i;
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
