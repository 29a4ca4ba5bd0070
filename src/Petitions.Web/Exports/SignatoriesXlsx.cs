using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SpreadCheetah;
using SpreadCheetah.Worksheets;

namespace Petitions.Exports;

/// <summary>
/// The signatories as an XLSX workbook, for spreadsheets that misread a CSV (as Windows-1252, or
/// a city "0123" as the number 123, "1/2" as a date): the same columns as the CSV
/// (<see cref="SignatoryCsvRow.Columns"/>) on one sheet, every cell a text cell, so nothing is
/// converted and nothing is a formula. That is also why no value gets the CSV's apostrophe.
/// </summary>
public static partial class SignatoriesXlsx
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public const string SheetName = "Signatories";

    private static readonly SpreadCheetahOptions Options = new()
    {
        // A name's leading or trailing space is part of it, as in the CSV.
        PreserveStringWhitespace = true,
    };

    /// <summary>
    /// Writes the header row and then each row as it comes: SpreadCheetah compresses into its own
    /// buffer and writes it to <paramref name="output"/> as it fills, so the workbook never waits in
    /// memory. <paramref name="output"/> stays open, need not seek and gets only asynchronous writes.
    /// </summary>
    public static async Task WriteAsync(Stream output, IAsyncEnumerable<SignatoryCsvRow> rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rows);

        var columns = SignatoryCsvRow.Columns;
        await using var writes = new AsyncWritesStream(output);
        await using (var spreadsheet = await Spreadsheet.CreateNewAsync(writes, Options, ct))
        {
            await spreadsheet.StartWorksheetAsync(SheetName, new WorksheetOptions { FrozenRows = 1 }, ct);
            await spreadsheet.AddHeaderRowAsync([.. columns.Select(c => c.Name)], token: ct);

            var cells = new DataCell[columns.Count];
            await foreach (var row in rows.WithCancellation(ct))
            {
                for (var i = 0; i < cells.Length; i++)
                {
                    // Empty as an empty text, as the CSV's "": every cell of the sheet is text.
                    cells[i] = new DataCell(Text(columns[i].Value(row) ?? ""));
                }

                await spreadsheet.AddRowAsync(cells, ct);
            }

            await spreadsheet.FinishAsync(ct);
        }

        // The archive's last bytes (written synchronously as it closed) go out now.
        await writes.FlushAsync(ct);
    }

    /// <summary>
    /// A value as the cell's text, escaped as ECMA-376 ST_Xstring says: a spreadsheet reads
    /// <c>_xHHHH_</c> in a cell as that character. So a name that contains such a sequence literally
    /// gets its underscore escaped (<c>_x005F_</c>), and a control character, which XML cannot hold
    /// (or, for CR, would turn into LF), is written as its escape rather than dropped.
    /// SpreadCheetah escapes the rest of XML.
    /// </summary>
    public static string Text(string value)
    {
        if (value.Contains("_x", StringComparison.OrdinalIgnoreCase))
        {
            value = EscapeLike().Replace(value, "_x005F_");
        }

        if (!value.Any(c => c < ' ' && c is not ('\t' or '\n')))
        {
            return value;
        }

        var text = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (c < ' ' && c is not ('\t' or '\n'))
            {
                text.Append(CultureInfo.InvariantCulture, $"_x{(int)c:X4}_");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    [GeneratedRegex("_(?=[xX][0-9A-Fa-f]{4}_)", RegexOptions.CultureInvariant)]
    private static partial Regex EscapeLike();
}
