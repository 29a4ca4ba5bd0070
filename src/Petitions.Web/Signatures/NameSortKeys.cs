using System.Globalization;

namespace Petitions.Signatures;

/// <summary>
/// Culture sort keys for names (English, ignoring case, accents, width and kana type), written into
/// one buffer and compared as bytes, so a list of n names costs n keys and n log n byte comparisons.
/// </summary>
/// <remarks>
/// With these options ICU gives primary weights only, and for Latin text a name's key is the
/// concatenation of its characters' keys. Asking ICU for each key (about a microsecond each) was
/// most of the public list's time, so the keys of the characters U+0020–U+024F are looked up in a
/// table ICU itself filled at first use; a name with any other character, or with one of the few
/// characters that combine with a neighbour (the middle dot of "l·l"), gets its key from ICU. The
/// bytes are the same either way (a check at first use and the tests compare them with ICU's), so
/// keys of both kinds sort together.
/// </remarks>
public sealed class NameSortKeys
{
    public const CompareOptions Options =
        CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace | CompareOptions.IgnoreWidth | CompareOptions.IgnoreKanaType;

    private const int TableEnd = 0x250;

    private static readonly CompareInfo Order = CultureInfo.GetCultureInfo("en").CompareInfo;

    // Characters ICU keys differently next to some neighbour: MIDDLE DOT (the Catalan "l·l") and MICRO SIGN.
    private static readonly string Combining = "\u00B7\u00B5";

    private static readonly Lazy<byte[]?[]?> Table = new(BuildTable);

    private byte[] buffer;
    private readonly List<(int Start, int Length)> keys;

    public NameSortKeys(int capacity)
    {
        buffer = new byte[Math.Max(64, capacity * 32)];
        keys = new List<(int, int)>(capacity);
    }

    /// <summary>Whether the table is in use (false: every key comes from ICU).</summary>
    public static bool TableInUse => Table.Value is not null;

    public int Count => keys.Count;

    /// <summary>Adds the key of a name; its index is the number of keys added before it.</summary>
    public void Add(string? text)
    {
        text ??= "";
        var start = Length;
        if (Table.Value is { } table && TryAppendFromTable(table, text, start) is { } end)
        {
            keys.Add((start, end - start));
            Length = end;
            return;
        }

        var length = Order.GetSortKeyLength(text, Options);
        Ensure(start + length);
        var written = Order.GetSortKey(text, buffer.AsSpan(start, length), Options);
        keys.Add((start, written));
        Length = start + written;
    }

    /// <summary>Compares the keys at two indexes, as <see cref="SortKey.Compare"/> would.</summary>
    public int Compare(int x, int y)
    {
        var (xs, xl) = keys[x];
        var (ys, yl) = keys[y];
        return buffer.AsSpan(xs, xl).SequenceCompareTo(buffer.AsSpan(ys, yl));
    }

    /// <summary>The key at an index, as ICU's <see cref="SortKey.KeyData"/> would hold it.</summary>
    public ReadOnlySpan<byte> KeyAt(int index) => buffer.AsSpan(keys[index].Start, keys[index].Length);

    private int Length { get; set; }

    private int? TryAppendFromTable(byte[]?[] table, string text, int start)
    {
        Ensure(start + text.Length * 2 + 1);
        var at = start;
        foreach (var c in text)
        {
            if (c >= TableEnd || table[c] is not { } bytes)
            {
                return null;
            }

            if (at + bytes.Length + 1 > buffer.Length)
            {
                Ensure(at + bytes.Length + 1 + text.Length * 2);
            }

            bytes.CopyTo(buffer.AsSpan(at));
            at += bytes.Length;
        }

        buffer[at++] = 0;
        return at;
    }

    private void Ensure(int size)
    {
        if (size > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(size, buffer.Length * 2));
        }
    }

    /// <summary>The ICU key of one character, without its terminating zero; null where it is not a plain run of primary weights.</summary>
    internal static byte[]? KeyOfCharacter(char c)
    {
        if (c < 0x20 || c is >= '\u007F' and < '\u00A0' || Combining.Contains(c))
        {
            return null;
        }

        var key = Order.GetSortKey(c.ToString(), Options).KeyData;
        // Primary weights then one zero; a 0 or 1 before the end would be a level separator or a
        // compression marker, and an empty key an ignorable character: ICU's own key for those.
        if (key.Length < 2 || key[^1] != 0 || key.AsSpan(0, key.Length - 1).IndexOfAny((byte)0, (byte)1) >= 0)
        {
            return null;
        }

        return key[..^1];
    }

    private static byte[]?[]? BuildTable()
    {
        var table = new byte[]?[TableEnd];
        for (var c = 0; c < TableEnd; c++)
        {
            table[c] = KeyOfCharacter((char)c);
        }

        // A different ICU may key differently: if any of these differs from ICU's own key, ICU keys everything.
        string[] probes =
        [
            "L'Association Anti-Corruption (AAC) 2017", "Fédération São Paulo Wrocław Ærø Straße", "ÅÄÖ åäö Øresund Ĳssel œuvre",
            "Comité \"Quotes\" & <tags>; 1,2.3 - 100%", "Zentrum/Köln #5 @home ~ ^ [x] {y} | \\ ` $ ¢ £ ¥ © ®", "Ärzte für Menschenrechte",
        ];
        var scratch = new NameSortKeys(probes.Length);
        foreach (var probe in probes)
        {
            if (scratch.TryAppendFromTable(table, probe, 0) is { } end
                && !scratch.buffer.AsSpan(0, end).SequenceEqual(Order.GetSortKey(probe, Options).KeyData))
            {
                return null;
            }
        }

        return table;
    }
}
