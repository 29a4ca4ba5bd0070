using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Hostile;

/// <summary>
/// One app that a way in (the JSON API, the form, the import) fills with the naughty strings in
/// its one-time setup; the tests here then read back what was stored everywhere it is shown:
/// the coordinators' pages, the public and printable pages, the CSV export and the outbox.
/// </summary>
/// <remarks>
/// Each fixture has an app of its own and shares nothing, so the fixtures run side by side
/// (NUnit keeps them apart from the fixtures that are not parallelizable).
/// </remarks>
[Parallelizable(ParallelScope.Self)]
public abstract class NaughtyFixture
{
    private long lastSignatureBefore;

    protected PetitionsApp App { get; private set; } = null!;

    protected HttpClient Visitor { get; private set; } = null!;

    protected HttpClient CoordinatorClient { get; private set; } = null!;

    /// <summary>Sends the naughty strings this fixture's way.</summary>
    protected abstract Task SendAsync();

    [OneTimeSetUp]
    public async Task StartAppAndSendTheNaughtyStrings()
    {
        App = new PetitionsApp();
        Visitor = App.CreateClient(new() { AllowAutoRedirect = false });
        CoordinatorClient = await Coordinator.ClientAsync(App);
        await using (var connection = await App.Db.OpenAsync())
        {
            lastSignatureBefore = await connection.ExecuteScalarAsync<long>("SELECT coalesce(max(id), 0) FROM signatures");
        }

        await SendAsync();
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        CoordinatorClient.Dispose();
        Visitor.Dispose();
        App.Dispose();
    }

    [Test]
    public async Task TheNaughtyStringsLeftSignaturesToLookAt()
    {
        Assert.That(await NewSignatureIdsAsync(), Has.Count.GreaterThan(100), "enough got through for the reading tests to mean something");
    }

    [Test]
    public async Task TheCoordinatorsLetterPageShowsWhatWasStoredEncoded()
    {
        var page = await CoordinatorClient.GetStringAsync($"/coordinators/petitions/{SignOnClient.Slug}");

        Assert.That(Markup.Dangers(page, HostileData.NaughtyStrings), Is.Empty);
    }

    [Test]
    public async Task EachSignatorysPageShowsWhatWasStoredEncoded()
    {
        // Only text with a character that means something in HTML can turn into markup; the rest is checked on the letter pages.
        List<long> ids;
        await using (var connection = await App.Db.OpenAsync())
        {
            // Every stored text of each signature and its contacts, filtered here: the same on both dialects.
            var texts = (await connection.QueryAsync<(long Id, string? Text)>("""
                SELECT s.id, o.name FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE s.id > @lastSignatureBefore
                UNION ALL SELECT s.id, o.city FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE s.id > @lastSignatureBefore
                UNION ALL SELECT id, contact_name FROM signatures WHERE id > @lastSignatureBefore
                UNION ALL SELECT id, contact_role FROM signatures WHERE id > @lastSignatureBefore
                UNION ALL SELECT id, contact_email FROM signatures WHERE id > @lastSignatureBefore
                UNION ALL SELECT id, website FROM signatures WHERE id > @lastSignatureBefore
                UNION ALL SELECT id, comment FROM signatures WHERE id > @lastSignatureBefore
                UNION ALL SELECT id, withdrawal_reason FROM signatures WHERE id > @lastSignatureBefore
                UNION ALL SELECT signature_id, name FROM contacts WHERE signature_id > @lastSignatureBefore
                UNION ALL SELECT signature_id, role FROM contacts WHERE signature_id > @lastSignatureBefore
                UNION ALL SELECT signature_id, email FROM contacts WHERE signature_id > @lastSignatureBefore
                """, new { lastSignatureBefore })).ToList();
            ids = texts.Where(t => t.Text?.IndexOfAny(['<', '>', '&', '"', '\'']) >= 0).Select(t => t.Id).Distinct().Order().ToList();
        }

        Assert.That(ids, Is.Not.Empty);
        var dangers = new List<string>();
        foreach (var id in ids)
        {
            using var response = await CoordinatorClient.GetAsync($"/coordinators/petitions/{SignOnClient.Slug}/signatures/{id}");
            var page = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                dangers.Add($"signature {id}: {(int)response.StatusCode}");
                continue;
            }

            dangers.AddRange(Markup.Dangers(page, HostileData.NaughtyStrings).Select(d => $"signature {id}: {d}"));
        }

        Assert.That(dangers, Is.Empty);
    }

    [Test]
    public async Task OnceListedThePublicAndPrintablePagesShowWhatWasStoredEncoded()
    {
        // As if every signatory had confirmed and been approved: the lists then show them all.
        await using (var connection = await App.Db.OpenAsync())
        {
            await connection.ExecuteAsync("""
                UPDATE signatures SET status = 'listed', confirmed_at = coalesce(confirmed_at, signed_at), listed_at = signed_at
                WHERE id > @lastSignatureBefore AND status IN ('pending', 'confirmed')
                """, new { lastSignatureBefore });
        }

        // A change behind the app's back is announced as its own writers announce theirs; else the kept lists
        // would be served until their freshness bound, and the test would pass or fail by its timing.
        App.Services.GetRequiredService<ListChanges>().ChangedAll();
        long listed;
        await using (var connection = await App.Db.OpenAsync())
        {
            listed = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM signatures WHERE status = 'listed'");
        }

        foreach (var path in new[] { $"/petitions/{SignOnClient.Slug}", $"/petitions/{SignOnClient.Slug}/print", "/" })
        {
            var page = await Visitor.GetStringAsync(path);

            Assert.That(Markup.Dangers(page, HostileData.NaughtyStrings), Is.Empty, path);
            if (path != "/")
            {
                var list = page[page.IndexOf("<ul class=\"signatories\">", StringComparison.Ordinal)..];
                Assert.That(Markup.Tags(list[..list.IndexOf("</ul>", StringComparison.Ordinal)]).Count(t => t.Name == "li"), Is.EqualTo(listed), $"{path} lists them all");
            }
        }
    }

    [Test]
    public async Task NoCellOfTheCsvExportWouldRunInASpreadsheet()
    {
        var csv = await CoordinatorClient.GetByteArrayAsync($"/api/petitions/{SignOnClient.Slug}/signatures.csv");
        var records = SpreadsheetCsv.Parse(csv);
        List<string> names;
        await using (var connection = await App.Db.OpenAsync())
        {
            names = (await connection.QueryAsync<string>("""
                SELECT o.name FROM signatures s JOIN organisations o ON o.id = s.organisation_id
                WHERE s.petition_id = (SELECT id FROM petitions WHERE slug = @Slug) ORDER BY s.id
                """, new { SignOnClient.Slug })).ToList();
        }

        Assert.That(SpreadsheetCsv.Problems(records), Is.Empty);
        Assert.That(records.Skip(1).Select(r => r[0]), Is.EqualTo(names.Select(SpreadsheetCsv.Neutralised)),
            "one record per signature, each organisation as stored, neutralised where it needs it");
    }

    [Test]
    public async Task EveryCellOfTheXlsxExportIsTextAndEachOrganisationAsStored()
    {
        var rows = XlsxSheet.Read(await CoordinatorClient.GetByteArrayAsync($"/api/petitions/{SignOnClient.Slug}/signatures.xlsx"));
        List<string> names;
        await using (var connection = await App.Db.OpenAsync())
        {
            names = (await connection.QueryAsync<string>("""
                SELECT o.name FROM signatures s JOIN organisations o ON o.id = s.organisation_id
                WHERE s.petition_id = (SELECT id FROM petitions WHERE slug = @Slug) ORDER BY s.id
                """, new { SignOnClient.Slug })).ToList();
        }

        Assert.That(rows.SelectMany(r => r).Where(c => !c.IsText).Select(c => HostileData.Show(c.Text)), Is.Empty);
        Assert.That(rows.Select(r => r.Count), Has.All.EqualTo(SpreadsheetCsv.Columns));
        Assert.That(XlsxSheet.Texts(rows).Skip(1).Select(r => r[0]), Is.EqualTo(names),
            "one row per signature, each organisation exactly as stored: a text cell needs no apostrophe");
    }

    [Test]
    public async Task EveryQueuedEmailGoesToExactlyOneAddress()
    {
        List<string> addresses;
        await using (var connection = await App.Db.OpenAsync())
        {
            addresses = (await connection.QueryAsync<string>("SELECT to_address FROM outbox")).ToList();
        }

        Assert.That(addresses.Where(a => !InternetAddressList.TryParse(a, out var list) || list.Mailboxes.Count() != 1).Select(HostileData.Show), Is.Empty);
    }

    protected async Task<IReadOnlyList<long>> NewSignatureIdsAsync()
    {
        await using var connection = await App.Db.OpenAsync();
        return (await connection.QueryAsync<long>("SELECT id FROM signatures WHERE id > @lastSignatureBefore ORDER BY id", new { lastSignatureBefore })).ToList();
    }
}
