using Dapper;
using Petitions.Data;
using Petitions.Tests.Hostile;
using Petitions.Tests.Support;

namespace Petitions.Tests.Exports;

/// <summary>
/// The CSV and the XLSX exports opened in the real LibreOffice Calc (headless) and saved again,
/// then read back: what a coordinator sees. The XLSX needs no choice in a dialog: names in every
/// script, a city "0123" and an organisation "1/2" stay as they are, and no formula runs.
/// </summary>
[Category("LibreOffice")]
public class LibreOfficeTests
{
    private const string Slug = "spreadsheet-letter";

    private static readonly (string Name, string City, string Country)[] Listed =
    [
        ("Правозащитный центр «Мемориал»", "Москва", "RU"),
        ("مركز القاهرة لدراسات حقوق الإنسان", "القاهرة", "EG"),
        ("Justiça Global", "Rio de Janeiro", "BR"),
        ("中国维权律师关注组", "Hong Kong SAR", "HK"),
        ("Ελληνικό Παρατηρητήριο των Συμφωνιών του Ελσίνκι", "Αθήνα", "GR"),
        ("=1+1", "Oslo", "NO"),
        ("@SUM(A1)", "Bergen", "NO"),
        ("1/2", "0123", "NO"),
    ];

    private PetitionsApp app = null!;
    private HttpClient coordinator = null!;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        LibreOffice.RequireOrIgnore();
        app = new PetitionsApp();
        app.CreateClient().Dispose();
        coordinator = await Coordinator.ClientAsync(app);
        await Coordinator.AddLetterAsync(app, Slug);

        // Straight into the tables, as data stored before today's rules would be: the sign-on and
        // the import refuse a name that starts like a formula, but the export must not trust that.
        await using var connection = await app.Db.OpenAsync();
        var at = Time.Format(new DateTimeOffset(2026, 5, 3, 10, 20, 30, TimeSpan.Zero).AddTicks(1234567));
        var rows = Listed.Select(r => (r.Name, r.City, r.Country, Status: "listed", Comment: (string?)null))
            .Append(("Withdrawn Organisation", "Oslo", "NO", "withdrawn", null))
            .Append(("Comment Organisation", "Tromsø", "NO", "listed", "First line\r\nsecond line"));
        foreach (var (name, city, country, status, comment) in rows)
        {
            var organisationId = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO organisations (name, name_key, loose_key, city, country, created_at)
                VALUES (@name, @key, @key, @city, @country, @at) RETURNING id
                """, new { name, key = "spreadsheet " + name, city, country, at });
            await connection.ExecuteAsync("""
                INSERT INTO signatures (petition_id, organisation_id, status, source, comment, signed_at, confirmed_at, listed_at, withdrawn_at)
                VALUES ((SELECT id FROM petitions WHERE slug = @Slug), @organisationId, @status, 'import', @comment, @at, @at,
                        CASE WHEN @status = 'listed' THEN @at END, CASE WHEN @status = 'withdrawn' THEN @at END)
                """, new { Slug, organisationId, status, comment, at });
        }
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        coordinator?.Dispose();
        app?.Dispose();
    }

    [Test]
    public async Task TheXlsxSavedAgainByCalcHasEveryValueAsTextAndAsWritten()
    {
        var xlsx = await coordinator.GetByteArrayAsync($"/api/petitions/{Slug}/signatures.xlsx?status=listed");

        var cells = XlsxSheet.Read(await LibreOffice.ConvertAsync(xlsx, "xlsx", LibreOffice.Xlsx));
        var texts = XlsxSheet.Texts(cells);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(texts[0][..3], Is.EqualTo(new[] { "organisation", "city", "country" }));
            Assert.That(texts.Skip(1).Select(r => (r[0], r[1], r[2])).Take(Listed.Length), Is.EqualTo(Listed));
            Assert.That(texts.Skip(1).Select(r => r[0]), Does.Not.Contain("Withdrawn Organisation"), "the filter holds");
            // A line break inside a Calc cell is a line feed, whatever the file said.
            Assert.That(texts.Single(r => r[0] == "Comment Organisation")[15], Is.EqualTo("First line\nsecond line"));
            Assert.That(texts.Single(r => r[0] == "1/2")[1], Is.EqualTo("0123"));
            Assert.That(texts.Single(r => r[0] == "Justiça Global")[9], Is.EqualTo("2026-05-03T10:20:30Z"), "to the second");
            // Calc kept every cell a string: no number 123, no date for 1/2, no formula for =1+1.
            Assert.That(cells.SelectMany(r => r).Where(c => !c.IsText).Select(c => $"{c.Type}:{c.Text}"), Is.Empty);
        }
    }

    [Test]
    public async Task TheXlsxShownByCalcAsCsvShowsTheValuesAsWritten()
    {
        var xlsx = await coordinator.GetByteArrayAsync($"/api/petitions/{Slug}/signatures.xlsx?status=listed");

        var shown = SpreadsheetCsv.Parse(await LibreOffice.ConvertAsync(xlsx, "xlsx", LibreOffice.Utf8Csv));

        Assert.That(shown.Skip(1).Select(r => (r[0], r[1], r[2])).Take(Listed.Length), Is.EqualTo(Listed));
        Assert.That(shown.Single(r => r[0] == "=1+1")[9], Is.EqualTo("2026-05-03T10:20:30Z"));
    }

    [Test]
    public async Task TheCsvOpenedAsUtf8KeepsNamesAndRunsNoFormula()
    {
        var csv = await coordinator.GetByteArrayAsync($"/api/petitions/{Slug}/signatures.csv?status=listed");

        // UTF-8 chosen as a coordinator chooses it in Calc's import dialog; the XLSX needs no choice.
        var cells = XlsxSheet.Read(await LibreOffice.ConvertAsync(csv, "csv", LibreOffice.Xlsx, LibreOffice.Utf8CsvImport));
        var texts = XlsxSheet.Texts(cells);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(texts.Skip(1).Select(r => r[0]).Take(5), Is.EqualTo(Listed.Take(5).Select(r => r.Name)));
            Assert.That(texts.Skip(1).Select(r => r[1]).Take(5), Is.EqualTo(Listed.Take(5).Select(r => r.City)));
            // The CSV's apostrophe keeps them text: shown, not run.
            Assert.That(texts.Skip(1).Select(r => r[0]), Does.Contain("'=1+1").And.Contain("'@SUM(A1)"));
            Assert.That(cells.SelectMany(r => r).Where(c => c.IsFormula).Select(c => c.Text), Is.Empty);
        }
    }
}
