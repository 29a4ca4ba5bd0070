using Petitions.Exports;
using Petitions.Tests.Hostile;
using Petitions.Tests.Support;

namespace Petitions.Tests.Exports;

/// <summary>
/// The signatories workbook, read back with the zip and the XML alone (<see cref="XlsxSheet"/>):
/// the CSV's columns, every cell text, values exactly as given, and a streamed write.
/// </summary>
public class SignatoriesXlsxTests
{
    private static readonly SignatoryCsvRow Memorial = new()
    {
        Organisation = "Правозащитный центр \"Мемориал\", Москва",
        City = "Moscow",
        Country = "RU",
        CountryName = "Russia",
        ContactName = "Олег Орлов",
        ContactRole = "Co-chair",
        ContactEmail = "info@memo.ru",
        Website = "https://memo.ru",
        Status = "listed",
        SignedAt = "2017-09-01T10:00:00Z",
        ConfirmedAt = "2017-09-01T10:05:00Z",
        ListedAt = "2017-09-02T08:00:00Z",
        Source = "form",
        Comment = "With <angle> & \"quotes\"",
        Flags = "no-city look-alike",
        Language = "ru",
    };

    private static readonly string[] Names =
    [
        "Правозащитный центр \"Мемориал\", Москва",
        "Justiça Global",
        "中国维权律师关注组",
        "مركز القاهرة لدراسات حقوق الإنسان",
        "Helsinki Citizens' Assembly",
        "Two lines\r\nin one name",
        "A bare\nline feed",
        " Leading and trailing spaces ",
        "Tab\tinside",
        "0123",
        "1/2",
        "1E5",
        "TRUE",
        "2017-09-05",
        "_x0041_ is not an A",
        "A control \u0001 character",
        "😀 an emoji outside the BMP",
    ];

    private static async Task<byte[]> Export(params SignatoryCsvRow[] rows)
    {
        using var output = new MemoryStream();
        await SignatoriesXlsx.WriteAsync(output, rows.ToAsyncEnumerable(), CancellationToken.None);
        return output.ToArray();
    }

    private static SignatoryCsvRow Named(string organisation) => new() { Organisation = organisation };

    [Test]
    public async Task TheHeaderRowIsTheCsvHeader()
    {
        using var csv = new MemoryStream();
        await SignatoriesCsv.WriteAsync(csv, AsyncEnumerable.Empty<SignatoryCsvRow>(), CancellationToken.None);
        var csvHeader = SpreadsheetCsv.Parse(csv.ToArray()).Single();

        var rows = XlsxSheet.Read(await Export());

        Assert.That(rows, Has.Count.EqualTo(1));
        Assert.That(rows[0].Select(c => c.Text), Is.EqualTo(csvHeader));
        Assert.That(csvHeader[^4..], Is.EqualTo(new[] { "comment", "flags", "language", "ref" }));
    }

    [Test]
    public async Task EveryCellOfEveryRowIsATextCellEmptyOnesToo()
    {
        var rows = XlsxSheet.Read(await Export(Memorial, Named("Only a name"), Memorial with { City = "", Flags = null }));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows, Has.Count.EqualTo(4));
            Assert.That(rows.Select(r => r.Count), Has.All.EqualTo(SignatoryCsvRow.Columns.Count));
            Assert.That(rows.SelectMany(r => r).Where(c => !c.IsText), Is.Empty);
            Assert.That(rows.SelectMany(r => r).Select(c => c.Type).Distinct(), Is.EqualTo(new[] { "inlineStr" }));
        }
    }

    [Test]
    public async Task EachColumnHoldsItsValueInTheCsvOrder()
    {
        var texts = XlsxSheet.Texts(XlsxSheet.Read(await Export(Memorial)));

        Assert.That(texts[1], Is.EqualTo(new[]
        {
            Memorial.Organisation, "Moscow", "RU", "Russia", "Олег Орлов", "Co-chair", "info@memo.ru", "https://memo.ru", "listed",
            "2017-09-01T10:00:00Z", "2017-09-01T10:05:00Z", "2017-09-02T08:00:00Z", "", "", "form", "With <angle> & \"quotes\"",
            "no-city look-alike", "ru", "",
        }));
    }

    [Test]
    public async Task NamesInAnyScriptAndValuesThatLookLikeNumbersOrEscapesReadBackExactly()
    {
        var texts = XlsxSheet.Texts(XlsxSheet.Read(await Export([.. Names.Select(n => Memorial with { Organisation = n, City = n })])));

        Assert.That(texts.Skip(1).Select(r => (r[0], r[1])), Is.EqualTo(Names.Select(n => (n, n))));
    }

    [TestCase("=1+1")]
    [TestCase("=HYPERLINK(\"http://x\",\"y\")")]
    [TestCase("@SUM(A1)")]
    [TestCase("+1 555 0100")]
    [TestCase("-2+3")]
    [TestCase("\uFF1Dcmd|' /C calc'!A0")]
    [TestCase("'=already an apostrophe")]
    public async Task AFormulaLikeValueIsATextCellAsItIsWithNoApostrophe(string value)
    {
        var rows = XlsxSheet.Read(await Export(Memorial with { Organisation = value, ContactRole = value }));

        Assert.That(rows[1][0], Is.EqualTo(new XlsxCell(0, "inlineStr", value, IsFormula: false)));
        Assert.That(rows[1][5].Text, Is.EqualTo(value));
    }

    [Test]
    public async Task TheWorkbookHasOneSheetNamedSignatoriesWithTheHeaderFrozen()
    {
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(await Export(Memorial)));
        using var workbook = zip.GetEntry("xl/workbook.xml")!.Open();
        using var sheet = zip.GetEntry("xl/worksheets/sheet1.xml")!.Open();
        var sheets = System.Xml.Linq.XDocument.Load(workbook).Descendants().Where(e => e.Name.LocalName == "sheet").ToList();
        var pane = System.Xml.Linq.XDocument.Load(sheet).Descendants().Single(e => e.Name.LocalName == "pane");

        Assert.That(sheets.Select(s => s.Attribute("name")?.Value), Is.EqualTo(new[] { "Signatories" }));
        Assert.That(pane.Attribute("ySplit")?.Value, Is.EqualTo("1"));
        Assert.That(pane.Attribute("state")?.Value, Is.EqualTo("frozen"));
    }

    [Test]
    public async Task AStreamedWriteOf200000RowsKeepsTheHeapFlatAndWritesOnlyAsynchronously()
    {
        const int count = 200_000;
        // As Kestrel's response body: a synchronous write throws.
        var output = new CountingStream { AsynchronousOnly = true };
        var rows = new[]
        {
            Memorial,
            Memorial with { Organisation = "Justiça Global", City = "0123", Comment = "=1+1" },
        };
        long heapHalfway = 0, writtenHalfway = 0;
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        async IAsyncEnumerable<SignatoryCsvRow> Rows()
        {
            for (var i = 0; i < count; i++)
            {
                if (i == count / 2)
                {
                    writtenHalfway = output.Length;
                    heapHalfway = GC.GetTotalMemory(forceFullCollection: true);
                }

                if (i % 10_000 == 0)
                {
                    await Task.Yield();
                }

                // A new string each row, as a database reader gives: nothing may keep them (no shared-string table).
                var row = rows[i % rows.Length];
                yield return row with { ContactEmail = $"row{i}@example.org" };
            }
        }

        await SignatoriesXlsx.WriteAsync(output, Rows(), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            // The sheet's XML is some 200 MB before compression, 4 MB after; by halfway a good part
            // of it has gone out, and the heap holds a few megabytes at most.
            Assert.That(output.Length, Is.GreaterThan(2_000_000));
            Assert.That(writtenHalfway, Is.GreaterThan(output.Length / 3));
            Assert.That(heapHalfway - heapBefore, Is.LessThan(8_000_000));
            Assert.That(output.LargestWrite, Is.LessThanOrEqualTo(1 << 20));
        }

        TestContext.Out.WriteLine($"xlsx 200000 rows: {output.Length} bytes, heap +{(heapHalfway - heapBefore) / 1024} KiB halfway");
    }
}
