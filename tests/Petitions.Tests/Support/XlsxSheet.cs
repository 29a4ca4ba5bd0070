using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Petitions.Tests.Support;

/// <summary>One cell as the file stores it: where, its type attribute, its text, and whether it holds a formula.</summary>
public sealed record XlsxCell(int Column, string? Type, string Text, bool IsFormula)
{
    /// <summary>Text as a spreadsheet takes it: a shared or an inline string (not a number, a date or a formula).</summary>
    public bool IsText => Type is "s" or "inlineStr" && !IsFormula;
}

/// <summary>
/// Reads the first worksheet of an XLSX with nothing but the zip and the XML, as the file format
/// (ECMA-376) says: shared and inline strings, rich-text runs, the <c>_xHHHH_</c> escapes, cell
/// references where a writer gives them. A reader independent of the app's writer.
/// </summary>
public static partial class XlsxSheet
{
    private static readonly XNamespace Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    /// <summary>The sheet's rows in order, each its cells in order (empty cells a writer left out are absent).</summary>
    public static IReadOnlyList<IReadOnlyList<XlsxCell>> Read(byte[] xlsx)
    {
        using var zip = new ZipArchive(new MemoryStream(xlsx), ZipArchiveMode.Read);
        var shared = zip.GetEntry("xl/sharedStrings.xml") is { } entry
            ? Load(entry).Root!.Elements(Main + "si").Select(TextOf).ToList()
            : [];
        var sheet = Load(zip.GetEntry("xl/worksheets/sheet1.xml") ?? throw new InvalidDataException("no xl/worksheets/sheet1.xml"));

        var rows = new List<IReadOnlyList<XlsxCell>>();
        foreach (var row in sheet.Root!.Element(Main + "sheetData")!.Elements(Main + "row"))
        {
            var cells = new List<XlsxCell>();
            var next = 0;
            foreach (var cell in row.Elements(Main + "c"))
            {
                var column = cell.Attribute("r") is { } reference ? ColumnOf(reference.Value) : next;
                next = column + 1;
                var type = cell.Attribute("t")?.Value;
                var value = cell.Element(Main + "v")?.Value;
                var text = type switch
                {
                    "s" => shared[int.Parse(value!, CultureInfo.InvariantCulture)],
                    "inlineStr" => TextOf(cell.Element(Main + "is")!),
                    _ => value ?? "",
                };
                cells.Add(new XlsxCell(column, type, text, cell.Element(Main + "f") is not null));
            }

            rows.Add(cells);
        }

        return rows;
    }

    /// <summary>The rows as texts, one per column up to the widest row; an absent cell is "".</summary>
    public static IReadOnlyList<string[]> Texts(IReadOnlyList<IReadOnlyList<XlsxCell>> rows)
    {
        var width = rows.Count == 0 ? 0 : rows.Max(r => r.Count == 0 ? 0 : r[^1].Column + 1);
        return [.. rows.Select(r =>
        {
            var texts = Enumerable.Repeat("", width).ToArray();
            foreach (var cell in r)
            {
                texts[cell.Column] = cell.Text;
            }

            return texts;
        })];
    }

    private static XDocument Load(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        return XDocument.Load(stream, LoadOptions.PreserveWhitespace);
    }

    // A string item is its <t> or the <t> of each run, never the phonetic hints (<rPh>).
    private static string TextOf(XElement item) =>
        Unescape(string.Concat(item.Elements(Main + "t").Concat(item.Elements(Main + "r").Elements(Main + "t")).Select(t => t.Value)));

    private static string Unescape(string text) =>
        Escape().Replace(text, m => ((char)int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString());

    private static int ColumnOf(string reference)
    {
        var column = 0;
        foreach (var c in reference.TakeWhile(char.IsAsciiLetter))
        {
            column = column * 26 + (char.ToUpperInvariant(c) - 'A' + 1);
        }

        return column - 1;
    }

    [GeneratedRegex("_x([0-9A-Fa-f]{4})_", RegexOptions.CultureInvariant)]
    private static partial Regex Escape();
}
