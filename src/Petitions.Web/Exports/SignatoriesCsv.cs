using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using CsvHelper;
using Petitions.Signatures;

namespace Petitions.Exports;

/// <summary>
/// One signatory as a line of the signatories CSV. The columns are written in the order declared
/// here, under the names of their <see cref="CsvColumnAttribute"/>; every value is text, times
/// included (ISO 8601 UTC, as the caller formats them), so the file says exactly what we stored.
/// </summary>
/// <remarks>
/// CsvHelper's source generator writes the mapping for this type at compile time. On import, only
/// <c>organisation</c> must be in the header; a missing optional column reads as null.
/// </remarks>
[CsvRecord]
public sealed partial record SignatoryCsvRow
{
    [CsvColumn("organisation")]
    public string? Organisation { get; init; }

    [CsvColumn("city", Optional = true)]
    public string? City { get; init; }

    [CsvColumn("country", Optional = true)]
    public string? Country { get; init; }

    [CsvColumn("country_name", Optional = true)]
    public string? CountryName { get; init; }

    [CsvColumn("contact_name", Optional = true)]
    public string? ContactName { get; init; }

    [CsvColumn("contact_role", Optional = true)]
    public string? ContactRole { get; init; }

    [CsvColumn("contact_email", Optional = true)]
    public string? ContactEmail { get; init; }

    [CsvColumn("website", Optional = true)]
    public string? Website { get; init; }

    [CsvColumn("status", Optional = true)]
    public string? Status { get; init; }

    [CsvColumn("signed_at", Optional = true)]
    public string? SignedAt { get; init; }

    [CsvColumn("confirmed_at", Optional = true)]
    public string? ConfirmedAt { get; init; }

    [CsvColumn("listed_at", Optional = true)]
    public string? ListedAt { get; init; }

    [CsvColumn("withdrawn_at", Optional = true)]
    public string? WithdrawnAt { get; init; }

    [CsvColumn("withdrawal_reason", Optional = true)]
    public string? WithdrawalReason { get; init; }

    [CsvColumn("source", Optional = true)]
    public string? Source { get; init; }

    [CsvColumn("comment", Optional = true)]
    public string? Comment { get; init; }

    /// <summary>Space-separated, as stored: why a sign-on waits for review.</summary>
    [CsvColumn("flags", Optional = true)]
    public string? Flags { get; init; }

    /// <summary>The language the sign-on was made in; empty for an import.</summary>
    [CsvColumn("language", Optional = true)]
    public string? Language { get; init; }

    /// <summary>The code of the partner whose link brought the sign-on; empty when none did.</summary>
    [CsvColumn("ref", Optional = true)]
    public string? Ref { get; init; }

    /// <summary>
    /// The columns in file order, read off the <see cref="CsvColumnAttribute"/>s above, so the CSV
    /// and the XLSX (<see cref="SignatoriesXlsx"/>) share one list and cannot drift apart.
    /// </summary>
    public static IReadOnlyList<SignatoryColumn> Columns { get; } = [.. typeof(SignatoryCsvRow).GetProperties()
        .Select(p => (Property: p, Column: p.GetCustomAttribute<CsvColumnAttribute>()))
        .Where(p => p.Column is not null)
        // Declaration order, as CsvHelper's generator writes them; reflection alone does not promise it.
        .OrderBy(p => p.Property.MetadataToken)
        .Select(p => new SignatoryColumn(p.Column!.Name!, p.Property.GetMethod!.CreateDelegate<Func<SignatoryCsvRow, string?>>()))];
}

/// <summary>One column of the signatories export: its header name and how to read its value from a row.</summary>
public sealed record SignatoryColumn(string Name, Func<SignatoryCsvRow, string?> Value);

/// <summary>
/// One record of an imported CSV: the physical line it starts on (1-based, the header is line 1)
/// and either the row or why it was rejected, so an importer can report <c>{ line, reason }</c>.
/// </summary>
public sealed record CsvLine
{
    private CsvLine(int line, SignatoryCsvRow? row, string? reason)
    {
        Line = line;
        Row = row;
        Reason = reason;
    }

    public int Line { get; }

    public SignatoryCsvRow? Row { get; }

    public string? Reason { get; }

    [MemberNotNullWhen(true, nameof(Row))]
    [MemberNotNullWhen(false, nameof(Reason))]
    public bool IsAccepted => Row is not null;

    public static CsvLine Accepted(int line, SignatoryCsvRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new CsvLine(line, row, null);
    }

    public static CsvLine Rejected(int line, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new CsvLine(line, null, reason);
    }
}

/// <summary>
/// The one place that writes and reads the signatories CSV: UTF-8 with a BOM (so Excel opens it as
/// UTF-8), every field quoted, CRLF, and text that a spreadsheet would run as a formula made inert.
/// Reading takes back what writing produced, so export, import and export again give the same bytes.
/// </summary>
public static class SignatoriesCsv
{
    public const string RequiredColumn = "organisation";

    // Quoting every field means no reader has to guess where a value with spaces, a leading zero
    // or an apostrophe ends. CsvHelper's own injection escaping stays off (its default): it cannot
    // take NUL as a trigger, and one rule in our own code is easier to see than two.
    private static readonly CsvWriterOptions WriterOptions = CsvWriterOptions.Default with
    {
        Quoting = CsvQuoting.Always,
        NewLine = "\r\n",
        WriteByteOrderMark = true,
        Injection = CsvInjection.None,
    };

    /// <summary>
    /// Writes the header and then each row as it comes: CsvHelper writes its 64 KiB buffer to
    /// <paramref name="output"/> whenever it is mostly full, so the output never waits in memory
    /// (a million rows take what a few rows take). <paramref name="output"/> stays open.
    /// </summary>
    public static async Task WriteAsync(Stream output, IAsyncEnumerable<SignatoryCsvRow> rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rows);

        await using var writer = CsvWriter.Create(output, WriterOptions, leaveOpen: true);
        await writer.WriteRecordsAsync(rows.Select(NeutraliseRow), ct);
        await writer.FlushAsync(ct);
    }

    /// <summary>
    /// The formula-injection rule, the only one: a value that starts with one of
    /// <see cref="FreeText.FormulaTriggers"/> (the one list) gets a leading apostrophe, which spreadsheets show as text.
    /// Anything else, such as <c>a=b</c> or <c> =x</c>, is left as it is.
    /// </summary>
    public static string? Neutralise(string? value) =>
        StartsWithTrigger(value, 0) ? "'" + value : value;

    /// <summary>
    /// Undoes <see cref="Neutralise(string?)"/>: an apostrophe followed by a trigger is ours, and
    /// goes. Any other apostrophe is the value's own. (A value that itself began with an apostrophe
    /// and a trigger is read without it; written again, it gets it back, so files still round-trip.)
    /// </summary>
    public static string? Restore(string? value) =>
        value is ['\'', _, ..] && StartsWithTrigger(value, 1) ? value[1..] : value;

    /// <summary>
    /// Reads a CSV in the export's format, record by record. The header may have its columns in any
    /// order, in any case, with others that are ignored; only <c>organisation</c> is required. A
    /// header without it gives one rejected line (line 1) and nothing else. Empty fields read as null.
    /// Records with broken quoting or another number of fields than the header are rejected with
    /// their line; the rest are read.
    /// </summary>
    public static IEnumerable<CsvLine> Read(TextReader input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ReadRecords(input);
    }

    /// <summary>The same as <see cref="Read(TextReader)"/>, for input that should not block, such as a request body.</summary>
    public static IAsyncEnumerable<CsvLine> ReadAsync(TextReader input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ReadRecordsAsync(input, ct);
    }

    private static IEnumerable<CsvLine> ReadRecords(TextReader input)
    {
        var problems = new List<CsvMalformedRecord>();
        using var reader = CsvReader.Create(input, ReaderOptions(problems), leaveOpen: true);
        if (MissingHeader(reader) is { } missing)
        {
            yield return missing;
            yield break;
        }

        var fields = reader.Headers.Count;
        foreach (var row in reader.GetRecords<SignatoryCsvRow>())
        {
            var line = LineOf(reader.LineNumber);
            foreach (var rejected in Rejections(problems, fields, before: line))
            {
                yield return rejected;
            }

            yield return CsvLine.Accepted(line, Restored(row));
        }

        foreach (var rejected in Rejections(problems, fields, before: int.MaxValue))
        {
            yield return rejected;
        }
    }

    private static async IAsyncEnumerable<CsvLine> ReadRecordsAsync(
        TextReader input, [EnumeratorCancellation] CancellationToken ct)
    {
        var problems = new List<CsvMalformedRecord>();
        await using var reader = CsvReader.Create(input, ReaderOptions(problems), leaveOpen: true);
        await reader.ReadHeaderAsync(ct);
        if (MissingHeader(reader) is { } missing)
        {
            yield return missing;
            yield break;
        }

        var fields = reader.Headers.Count;
        await foreach (var row in reader.GetRecordsAsync<SignatoryCsvRow>(ct))
        {
            var line = LineOf(reader.LineNumber);
            foreach (var rejected in Rejections(problems, fields, before: line))
            {
                yield return rejected;
            }

            yield return CsvLine.Accepted(line, Restored(row));
        }

        foreach (var rejected in Rejections(problems, fields, before: int.MaxValue))
        {
            yield return rejected;
        }
    }

    // The separator is fixed: detecting it would misread a one-column file of names with ';' in
    // them. Line counting is off by default in CsvHelper; it counts the lines inside quoted fields
    // too, so a record's line is where it starts in the file as an editor shows it.
    private static CsvReaderOptions ReaderOptions(List<CsvMalformedRecord> problems) => CsvReaderOptions.Default with
    {
        Separator = ',',
        HasHeader = true,
        TrackLineNumbers = true,
        NullValues = [""],
        MalformedData = CsvMalformedDataHandling.Skip,
        FieldCountMismatch = CsvFieldCountHandling.Skip,
        OnMalformedRecord = problems.Add,
    };

    private static CsvLine? MissingHeader(CsvReader reader)
    {
        if (reader.Headers.Count == 0)
        {
            return CsvLine.Rejected(1, "the file is empty: it needs a header line");
        }

        return reader.TryGetFieldIndex(RequiredColumn, out _)
            ? null
            : CsvLine.Rejected(1, $"the header has no \"{RequiredColumn}\" column");
    }

    /// <summary>The records CsvHelper skipped that start before <paramref name="before"/>, in file order.</summary>
    private static CsvLine[] Rejections(List<CsvMalformedRecord> problems, int fields, int before)
    {
        if (problems.Count == 0)
        {
            return [];
        }

        var due = new List<CsvLine>();

        foreach (var problem in problems)
        {
            var line = LineOf(problem.LineNumber);
            if (line < before)
            {
                due.Add(CsvLine.Rejected(line, Describe(problem.Reason, fields)));
            }
        }

        problems.RemoveAll(p => LineOf(p.LineNumber) < before);
        due.Sort((a, b) => a.Line.CompareTo(b.Line));
        return [.. due];
    }

    // Reasons name the problem, never the values: the raw record may hold personal data.
    private static string Describe(CsvMalformedReason reason, int fields) => reason switch
    {
        CsvMalformedReason.FieldCountMismatch => $"the number of fields differs from the header's {fields}",
        CsvMalformedReason.StrayQuote => "a quote inside a field that does not start with one",
        CsvMalformedReason.TextAfterClosingQuote => "text after the closing quote of a field",
        CsvMalformedReason.UnterminatedQuote => "a quoted field that is never closed",
        CsvMalformedReason.LineBreakInQuotes => "a line break inside a quoted field",
        _ => "the record is malformed",
    };

    private static int LineOf(long line) => checked((int)line);

    private static bool StartsWithTrigger(string? value, int index) =>
        value is not null && value.Length > index && FreeText.FormulaTriggers.Contains(value[index], StringComparison.Ordinal);

    /// <summary>The row with every value neutralised; the row itself when none needs it, as nearly all do.</summary>
    private static SignatoryCsvRow NeutraliseRow(SignatoryCsvRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return NeedsNeutralising(row) ? Map(row, Neutralise) : row;
    }

    private static SignatoryCsvRow Restored(SignatoryCsvRow row) => Map(row, Restore);

    private static bool NeedsNeutralising(SignatoryCsvRow row)
    {
        foreach (var column in SignatoryCsvRow.Columns)
        {
            if (StartsWithTrigger(column.Value(row), 0))
            {
                return true;
            }
        }

        return false;
    }

    private static SignatoryCsvRow Map(SignatoryCsvRow row, Func<string?, string?> map) => new()
    {
        Organisation = map(row.Organisation),
        City = map(row.City),
        Country = map(row.Country),
        CountryName = map(row.CountryName),
        ContactName = map(row.ContactName),
        ContactRole = map(row.ContactRole),
        ContactEmail = map(row.ContactEmail),
        Website = map(row.Website),
        Status = map(row.Status),
        SignedAt = map(row.SignedAt),
        ConfirmedAt = map(row.ConfirmedAt),
        ListedAt = map(row.ListedAt),
        WithdrawnAt = map(row.WithdrawnAt),
        WithdrawalReason = map(row.WithdrawalReason),
        Source = map(row.Source),
        Comment = map(row.Comment),
        Flags = map(row.Flags),
        Language = map(row.Language),
        Ref = map(row.Ref),
    };
}
