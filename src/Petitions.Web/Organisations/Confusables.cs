using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Petitions.Organisations;

/// <summary>
/// Look-alike names by Unicode's own confusables data (UTS #39, <c>data/confusables.json</c>): the
/// skeleton of "Аmnesty International" (Cyrillic А) is that of "Amnesty International".
/// </summary>
public static class Confusables
{
    private static readonly Lazy<Dictionary<string, string>> Map = new(() =>
    {
        using var stream = typeof(Confusables).Assembly.GetManifestResourceStream("Petitions.confusables.json")!;
        return JsonSerializer.Deserialize<Dictionary<string, string>>(stream)!;
    });

    /// <summary>
    /// UTS #39's skeleton: NFD, each character replaced by its prototype, NFD
    /// again. Equal skeletons look the same to a reader.
    /// </summary>
    public static string Skeleton(string text)
    {
        // Looked up by the character's own UTF-16, not a string made of it: a big letter's index computes a million.
        var map = Map.Value.GetAlternateLookup<ReadOnlySpan<char>>();
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var mapped = new StringBuilder(decomposed.Length);
        Span<char> character = stackalloc char[2];
        foreach (var rune in decomposed.EnumerateRunes())
        {
            var length = rune.EncodeToUtf16(character);
            if (map.TryGetValue(character[..length], out var prototype))
            {
                mapped.Append(prototype);
            }
            else
            {
                mapped.Append(character[..length]);
            }
        }

        return mapped.ToString().Normalize(NormalizationForm.FormD);
    }

    /// <summary>The writing system of a letter, for the scripts look-alikes come from; null for others.</summary>
    public static string? ScriptOf(Rune rune) => rune.Value switch
    {
        >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= 0x00C0 and <= 0x024F or >= 0x1E00 and <= 0x1EFF => "Latin",
        >= 0x0370 and <= 0x03FF or >= 0x1F00 and <= 0x1FFF => "Greek",
        >= 0x0400 and <= 0x052F or >= 0x1C80 and <= 0x1C8F or >= 0x2DE0 and <= 0x2DFF or >= 0xA640 and <= 0xA69F => "Cyrillic",
        >= 0x0530 and <= 0x058F => "Armenian",
        >= 0x0590 and <= 0x05FF => "Hebrew",
        >= 0x0600 and <= 0x06FF or >= 0x0750 and <= 0x077F => "Arabic",
        >= 0x13A0 and <= 0x13FF => "Cherokee",
        >= 0x10A0 and <= 0x10FF => "Georgian",
        >= 0xFF00 and <= 0xFFEF => "Fullwidth",
        _ => null,
    };

    /// <summary>
    /// The name as HTML, each letter of a script other than the name's main one marked with that
    /// script ("<mark title="Cyrillic">А</mark>mnesty"), so a reviewer sees what the eye does not.
    /// </summary>
    public static string MarkOddLetters(string name)
    {
        var runes = name.EnumerateRunes().ToList();
        var main = runes.Select(ScriptOf).OfType<string>().GroupBy(s => s).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
        var html = new StringBuilder(name.Length * 2);
        foreach (var rune in runes)
        {
            var text = WebUtility.HtmlEncode(rune.ToString());
            if (ScriptOf(rune) is { } script && main is not null && script != main)
            {
                html.Append(CultureInfo.InvariantCulture, $"<mark class=\"odd-letter\" title=\"{script} letter U+{rune.Value:X4}\">{text}<span class=\"visually-hidden\"> ({script} letter)</span></mark>");
            }
            else
            {
                html.Append(text);
            }
        }

        return html.ToString();
    }

    /// <summary>Whether a name has letters of a script other than its main one.</summary>
    public static bool HasOddLetters(string name)
    {
        var scripts = name.EnumerateRunes().Select(ScriptOf).OfType<string>().Distinct().Count();
        return scripts > 1;
    }
}
