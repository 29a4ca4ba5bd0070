using System.Globalization;
using System.Text;

namespace Petitions.Bench;

/// <summary>
/// Compares two CSV files by content: each is parsed (RFC 4180: quotes, doubled quotes, CR LF or LF),
/// a UTF-8 BOM is ignored, and the records are compared field by field. So "a","b" equals a,b and
/// the app's every-field-quoted file equals sqlite3's quote-when-needed one when the values are equal.
/// </summary>
public static class CsvCompare
{
    public static async Task<int> RunAsync(Options options)
    {
        using var app = new CsvRecords(options.Required("app"));
        using var reference = new CsvRecords(options.Required("reference"));
        long records = 0;
        while (true)
        {
            var left = app.Next();
            var right = reference.Next();
            if (left is null && right is null)
            {
                break;
            }

            records++;
            if (left is null || right is null || !left.SequenceEqual(right, StringComparer.Ordinal))
            {
                Console.WriteLine($"records={records.ToString(CultureInfo.InvariantCulture)}");
                Console.WriteLine("same=no");
                Console.WriteLine($"first_difference=record {records.ToString(CultureInfo.InvariantCulture)}: app [{Show(left)}] reference [{Show(right)}]");
                return 1;
            }
        }

        await Console.Out.WriteLineAsync($"records={records.ToString(CultureInfo.InvariantCulture)}");
        await Console.Out.WriteLineAsync("same=yes");
        return 0;
    }

    private static string Show(List<string>? record) =>
        record is null ? "end of file" : string.Join(" | ", record.Select(f => f.Length > 60 ? f[..60] + "…" : f));

    private sealed class CsvRecords : IDisposable
    {
        private readonly StreamReader reader;

        public CsvRecords(string path)
        {
            reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        }

        public void Dispose() => reader.Dispose();

        /// <returns>The next record's fields, or null at the end.</returns>
        public List<string>? Next()
        {
            if (reader.Peek() < 0)
            {
                return null;
            }

            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            while (true)
            {
                var c = reader.Read();
                if (c < 0)
                {
                    fields.Add(field.ToString());
                    return fields;
                }

                if (quoted)
                {
                    if (c == '"')
                    {
                        if (reader.Peek() == '"')
                        {
                            reader.Read();
                            field.Append('"');
                        }
                        else
                        {
                            quoted = false;
                        }
                    }
                    else
                    {
                        field.Append((char)c);
                    }

                    continue;
                }

                switch (c)
                {
                    case '"':
                        quoted = true;
                        break;
                    case ',':
                        fields.Add(field.ToString());
                        field.Clear();
                        break;
                    case '\r' when reader.Peek() == '\n':
                        break;
                    case '\n':
                        fields.Add(field.ToString());
                        return fields;
                    default:
                        field.Append((char)c);
                        break;
                }
            }
        }
    }
}
