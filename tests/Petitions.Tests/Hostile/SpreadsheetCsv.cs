using System.Text;
using Microsoft.VisualBasic.FileIO;

namespace Petitions.Tests.Hostile;

/// <summary>
/// The signatories CSV as a spreadsheet reads it, parsed by a reader that is not the app's own
/// (.NET's TextFieldParser: RFC 4180 quoting, line breaks inside quotes, nothing trimmed).
/// </summary>
public static class SpreadsheetCsv
{
    public const int Columns = 19;

    /// <summary>What makes Excel or LibreOffice read a cell as a formula, or skip to one.</summary>
    public static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r', '\n', '\0'];

    /// <summary>Every record, the header first. A line that does not parse throws.</summary>
    public static IReadOnlyList<string[]> Parse(byte[] csv)
    {
        using var parser = new TextFieldParser(new MemoryStream(csv), Encoding.UTF8, detectEncoding: true)
        {
            TextFieldType = FieldType.Delimited,
            HasFieldsEnclosedInQuotes = true,
            TrimWhiteSpace = false,
        };
        parser.SetDelimiters(",");
        var records = new List<string[]>();
        while (!parser.EndOfData)
        {
            records.Add(parser.ReadFields() ?? []);
        }

        return records;
    }

    /// <summary>Each cell a spreadsheet would run, and each record that does not have every column, described.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<string[]> records)
    {
        var problems = new List<string>();
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i].Length != Columns)
            {
                problems.Add($"record {i} has {records[i].Length} fields: {HostileData.Show(string.Join("|", records[i]))}");
            }

            foreach (var cell in records[i])
            {
                if (cell.Length > 0 && FormulaStarts.Contains(cell[0]))
                {
                    problems.Add($"record {i} has a cell a spreadsheet runs: {HostileData.Show(cell)}");
                }
            }
        }

        return problems;
    }

    /// <summary>The export's rule, written here again: a value starting with a formula trigger gets a leading apostrophe.</summary>
    public static string Neutralised(string value) => value.Length > 0 && FormulaStarts.Contains(value[0]) ? "'" + value : value;
}
