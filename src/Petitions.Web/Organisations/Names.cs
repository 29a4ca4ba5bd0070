using System.Globalization;
using System.Text;

namespace Petitions.Organisations;

/// <summary>
/// The one place where names and places are normalised: cleaning what a person typed for
/// storage, the identity key of an organisation, and the matching key of a place.
/// </summary>
public static class Names
{
    /// <summary>
    /// Text as it is stored: NFC, zero-width and other invisible format characters removed,
    /// runs of white space collapsed to one space, trimmed.
    /// </summary>
    public static string Clean(string text)
    {
        // Most of what is typed is already clean: printable ASCII, single spaces, nothing at either
        // end. It is returned as it is (a sign-on cleans each field several times over).
        if (IsCleanAscii(text))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in text.Normalize(NormalizationForm.FormC).EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format)
            {
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(utf16[..rune.EncodeToUtf16(utf16)]);
        }

        return builder.ToString();
    }

    /// <summary>Printable ASCII (space to "~"), no space at either end and none doubled: what <see cref="Clean"/> leaves unchanged.</summary>
    private static bool IsCleanAscii(string text)
    {
        if (text.Length > 0 && (text[0] == ' ' || text[^1] == ' '))
        {
            return false;
        }

        var previous = '\0';
        foreach (var c in text)
        {
            if (c is < ' ' or > '~' || (c == ' ' && previous == ' '))
            {
                return false;
            }

            previous = c;
        }

        return true;
    }

    /// <summary>
    /// The identity of an organisation's name: compatibility forms folded (full-width letters,
    /// ligatures), case folded, punctuation and spacing variants folded to single spaces, and
    /// invisible characters dropped. Accents are kept: "Česká" and "Ceska" are near, not equal.
    /// </summary>
    public static string OrganisationKey(string name) => Fold(name, stripAccents: false);

    /// <summary>
    /// A looser key that also ignores accents, for finding names that are near but not certain.
    /// </summary>
    public static string LooseKey(string name) => Fold(name, stripAccents: true);

    /// <summary>
    /// The matching key of a place: accents and case ignored, punctuation as spaces, and
    /// "St." / "Ste." written out, so "St. Petersburg" meets "Saint Petersburg".
    /// </summary>
    public static string PlaceKey(string place)
    {
        var folded = Fold(place, stripAccents: true);
        if (folded.Length == 0)
        {
            return folded;
        }

        var words = folded.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = words[i] switch
            {
                "st" => "saint",
                "ste" => "sainte",
                "mt" => "mount",
                "ft" => "fort",
                _ => words[i],
            };
        }

        return string.Join(' ', words);
    }

    private static string Fold(string text, bool stripAccents)
    {
        var decomposed = text.Normalize(stripAccents ? NormalizationForm.FormKD : NormalizationForm.FormKC);
        var builder = new StringBuilder(decomposed.Length);
        var pendingSpace = false;
        foreach (var rune in decomposed.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category == UnicodeCategory.Format || (stripAccents && category == UnicodeCategory.NonSpacingMark))
            {
                continue;
            }

            if (!Rune.IsLetterOrDigit(rune) && category is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark))
            {
                // Punctuation, symbols and white space all separate words the same way:
                // "Laura-Acosta", "Laura Acosta" and "Laura – Acosta" are one name.
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            var lower = Rune.ToLowerInvariant(rune);
            if (stripAccents && FoldsWithoutDecomposition(lower) is { } plain)
            {
                builder.Append(plain);
            }
            else
            {
                builder.Append(lower.ToString());
            }
        }

        // ToLowerInvariant leaves ß as it is; full case folding writes it as "ss".
        return builder.ToString().Replace("ß", "ss", StringComparison.Ordinal);
    }

    // Letters that Unicode does not decompose into a base letter and a mark, but that a person
    // typing without them writes as these (Wrocław → Wroclaw, Øresund → Oresund).
    private static string? FoldsWithoutDecomposition(Rune rune) => rune.Value switch
    {
        'ł' => "l",
        'ø' => "o",
        'đ' => "d",
        'ħ' => "h",
        'ı' => "i",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ð' => "d",
        _ => null,
    };

    /// <summary>
    /// Latin letters mixed with Cyrillic or Greek ones in one name: "Аmnesty" with a Cyrillic А
    /// looks like the real name and is not. A coordinator should look.
    /// </summary>
    public static bool MixesLookAlikeScripts(string text)
    {
        bool latin = false, other = false;
        foreach (var c in text)
        {
            if (!char.IsLetter(c))
            {
                continue;
            }

            latin |= c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '\u00C0' and <= '\u024F');
            other |= c is (>= '\u0370' and <= '\u03FF') or (>= '\u0400' and <= '\u052F');
        }

        return latin && other;
    }
}
