using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Imports;
using Petitions.Tests.Support;

namespace Petitions.Tests.Imports;

/// <summary>
/// What an import may cost and change: one pass over each line, a size counted while reading,
/// chunks that let sign-ons through, the sign-on's own rules for every row, and no organisation
/// of another letter rewritten.
/// </summary>
public class ImportTests
{
    private PetitionsApp app = null!;
    private HttpClient coordinator = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        app.CreateClient().Dispose();
        coordinator = await Coordinator.ClientAsync(app);
        await Coordinator.AddLetterAsync(app, "other-letter");
    }

    [TearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        app.Dispose();
    }

    [Test]
    public void ALineOfTenMillionBracketsIsParsedInOnePass()
    {
        // Each "[" once scanned to the end of the line: 200 KB took 7.9 s, so ten million would
        // take hours. In one pass it takes well under a second; five minutes is only a backstop.
        var line = new string('[', 10_000_000) + ", Oslo";
        var parse = Task.Run(() => PublishedList.ParseLine(line));

        Assert.That(parse.Wait(TimeSpan.FromMinutes(5)), Is.True, "the parse did not finish");
        Assert.That(parse.Result!.City, Is.EqualTo("Oslo"));
        Assert.That(parse.Result.Name, Has.Length.EqualTo(10_000_000));
    }

    [Test]
    public async Task ALineLongerThanTheLimitIsRejectedWithItsLineAndTheRestIsImported()
    {
        var text = "First Long-Line Organisation, Oslo\n" + new string('[', 1_000_000) + "\nSecond Long-Line Organisation, Bergen\n";

        var result = await ImportAsync("other-letter", text, "text/plain");

        Assert.That(result.GetProperty("imported").GetInt32(), Is.EqualTo(2));
        var rejected = result.GetProperty("rejected").EnumerateArray().Single();
        Assert.That(rejected.GetProperty("line").GetInt32(), Is.EqualTo(2));
        Assert.That(rejected.GetProperty("reason").GetString(), Does.Contain($"longer than {PublishedList.MaxLineLength}"));
    }

    [Test]
    public async Task AChunkedBodyOverSixteenMegabytesIs413AndNothingIsStored()
    {
        var body = new MemoryStream();
        body.Write(Encoding.UTF8.GetBytes("Chunked Body Organisation, Oslo\n"));
        var blank = Encoding.UTF8.GetBytes(new string('\n', 1024 * 1024));
        for (var i = 0; i < 17; i++)
        {
            body.Write(blank);
        }

        body.Position = 0;
        using var content = new StreamContent(new UnseekableStream(body));
        content.Headers.ContentType = new("text/plain");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/petitions/other-letter/signatures/import") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await coordinator.SendAsync(request);

        Assert.That(request.Content.Headers.ContentLength, Is.Null, "sent without a length");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(await OrganisationsNamedAsync("Chunked Body Organisation"), Is.Zero);
    }

    [Test]
    public async Task ASignOnCompletesWhileALargeImportIsBetweenChunks()
    {
        var rows = SignatoryImport.ChunkSize * 3;
        var text = string.Join('\n', Enumerable.Range(1, rows).Select(i => $"Chunked Import Organisation {i}, Oslo"));
        using var visitor = app.CreateClient();
        var chunks = new List<int>();
        HttpStatusCode? signOn = null;
        var importedBeforeSignOn = -1;

        var result = await app.Services.GetRequiredService<SignatoryImport>().ImportPublishedListAsync("other-letter", text, "test", async total =>
        {
            chunks.Add(total.Imported);
            if (chunks.Count == 1)
            {
                // The import is held here, between its first and second chunk, until the sign-on is answered.
                importedBeforeSignOn = total.Imported;
                // Bounded only so that a writer held by the import fails the test instead of hanging it
                // (the sign-on would wait for the import, and the import for the sign-on).
                var posting = SignOnClient.PostJsonAsync(visitor, SignOnClient.ValidJson("Signed During Import", "during@import.example.org"));
                if (await Task.WhenAny(posting, Task.Delay(TimeSpan.FromMinutes(2))) == posting)
                {
                    using var response = await posting;
                    signOn = response.StatusCode;
                }
            }
        });

        Assert.That(signOn, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(importedBeforeSignOn, Is.EqualTo(SignatoryImport.ChunkSize), "the sign-on was answered with only the first chunk written");
        Assert.That(chunks, Is.EqualTo(new[] { SignatoryImport.ChunkSize, SignatoryImport.ChunkSize * 2, rows }));
        Assert.That(result.Imported, Is.EqualTo(rows));
        Assert.That(await OrganisationsNamedAsync("Signed During Import"), Is.EqualTo(1));
    }

    [TestCase("'=HYPERLINK(\"http://x\",\"y\"), Oslo", "organisation")]
    [TestCase("\uFF1Dcmd|' /C calc'!A0, Oslo", "organisation")]
    [TestCase("Full-Width City Organisation, \uFF0B1", "city")]
    [TestCase("Escape Organisation\u001B]0;owned\u0007, Oslo", "organisation")]
    [TestCase("C1 Organisation\u009B31m, Oslo", "organisation")]
    [TestCase("Delete Organisation\u007F, Oslo", "organisation")]
    [TestCase("Tab\tOrganisation, Oslo", "organisation")]
    [TestCase("Next-Line Organisation, Os\u0085lo", "city")]
    [TestCase("Backwards \u202Enoitasinagro, Oslo", "organisation")]
    public async Task AnImportedLineThatTheSignOnWouldRefuseIsRejectedWithItsLine(string line, string field)
    {
        var result = await ImportAsync("other-letter", $"Good Organisation, Oslo\n{line}\n", "text/plain");

        Assert.That(result.GetProperty("imported").GetInt32(), Is.EqualTo(1), result.ToString());
        var rejected = result.GetProperty("rejected").EnumerateArray().Single();
        Assert.That(rejected.GetProperty("line").GetInt32(), Is.EqualTo(2));
        Assert.That(rejected.GetProperty("reason").GetString(), Does.StartWith(field + ":"));
        Assert.That(await SignaturesOnAsync("other-letter"), Is.EqualTo(1));
    }

    [Test]
    public async Task AnImportedNameLongerThanASignOnsIsRejectedWithItsLine()
    {
        var result = await ImportAsync("other-letter", $"Good Organisation, Oslo\n{new string('x', 201)}, Oslo\n{new string('y', 200)}, Oslo\n", "text/plain");

        Assert.That(result.GetProperty("imported").GetInt32(), Is.EqualTo(2), result.ToString());
        var rejected = result.GetProperty("rejected").EnumerateArray().Single();
        Assert.That(rejected.GetProperty("line").GetInt32(), Is.EqualTo(2));
        Assert.That(rejected.GetProperty("reason").GetString(), Does.Contain("at most 200 characters"));
    }

    [TestCase("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"Oslo\",\"NO\",\"\",\"\"", "organisation")]
    [TestCase("\"\uFF1Dcmd\",\"Oslo\",\"NO\",\"\",\"\"", "organisation")]
    [TestCase("\"Csv Organisation\",\"\uFF20SUM(A1)\",\"NO\",\"\",\"\"", "city")]
    [TestCase("\"Csv Organisation\",\"Oslo\",\"NO\",\"\u001B[2J\",\"\"", "contact_name")]
    [TestCase("\"Csv Organisation\",\"Oslo\",\"NO\",\"\",\"Left \u001B]0;owned\u0007\"", "withdrawal_reason")]
    [TestCase("\"Csv Organisation\",\"Oslo\",\"NO\",\"\",\"{2001 characters}\"", "withdrawal_reason")]
    public async Task ACsvRowThatTheSignOnWouldRefuseIsRejectedWithItsLine(string row, string field)
    {
        var csv = "organisation,city,country,contact_name,withdrawal_reason\r\n\"Good Organisation\",\"Oslo\",\"NO\",\"\",\"\"\r\n"
            + row.Replace("{2001 characters}", new string('r', 2001), StringComparison.Ordinal) + "\r\n";

        var result = await ImportAsync("other-letter", csv, "text/csv");

        Assert.That(result.GetProperty("imported").GetInt32(), Is.EqualTo(1), result.ToString());
        var rejected = result.GetProperty("rejected").EnumerateArray().Single();
        Assert.That(rejected.GetProperty("line").GetInt32(), Is.EqualTo(3));
        Assert.That(rejected.GetProperty("reason").GetString(), Does.StartWith(field + ":"));
    }

    [TestCase("text/csv", "organisation,country\r\nAmnesty International,RU\r\n")]
    [TestCase("text/plain", "[Amnesty International](#), Moscow\n")]
    public async Task AnImportIntoAnotherLetterLeavesTheSeedLettersPageApiPrintAndTextUnchanged(string mediaType, string import)
    {
        using var visitor = app.CreateClient();
        using var otherCoordinator = await Coordinator.ClientAsync(app, "other@coalition.example.org", "other-letter");
        var before = await SeedViewsAsync(visitor);
        Assert.That(before.Api, Does.Contain("\"organisation\":\"Amnesty International\",\"city\":null,\"country\":null"), "the seed lists it with no country");

        using var content = new StringContent(import, Encoding.UTF8, mediaType);
        using var response = await otherCoordinator.PostAsync("/api/petitions/other-letter/signatures/import", content);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(result.GetProperty("imported").GetInt32(), Is.EqualTo(1), result.ToString());
        Assert.That(await SeedViewsAsync(visitor), Is.EqualTo(before));
        var other = await visitor.GetFromJsonAsync<JsonElement>("/api/petitions/other-letter/signatories");
        Assert.That(other.EnumerateArray().Single().GetProperty("country").GetString(), Is.EqualTo("RU"), "the other letter has its own row");
    }

    [Test]
    public async Task AnImportFillsTheCountryOfAnOrganisationThatIsOnNoOtherLetter()
    {
        await ImportAsync("other-letter", "Lonely Organisation\n", "text/plain");

        await ImportAsync("other-letter", "organisation,country\r\nLonely Organisation,NO\r\n", "text/csv");

        await using var connection = await app.Db.OpenAsync();
        var countries = (await connection.QueryAsync<string?>("SELECT country FROM organisations WHERE name = 'Lonely Organisation'")).ToList();
        Assert.That(countries, Is.EqualTo(new[] { "NO" }));
    }

    private async Task<(string Page, string Api, string Print, string Text)> SeedViewsAsync(HttpClient visitor)
    {
        // The page carries a fresh antiforgery token each time: compare its list of organisations.
        var page = await visitor.GetStringAsync("/petitions/iap-2017");
        var list = string.Join('\n', Regex.Matches(page, "<li[^>]*>[^<]*Amnesty[^<]*</li>").Select(m => m.Value));
        Assert.That(list, Does.Contain("Amnesty International"));
        return (list,
            await visitor.GetStringAsync("/api/petitions/iap-2017/signatories"),
            await coordinator.GetStringAsync("/petitions/iap-2017/print"),
            await coordinator.GetStringAsync("/api/petitions/iap-2017/publication.txt"));
    }

    private async Task<JsonElement> ImportAsync(string slug, string text, string mediaType)
    {
        using var content = new StringContent(text, Encoding.UTF8, mediaType);
        using var response = await coordinator.PostAsync($"/api/petitions/{slug}/signatures/import", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<long> OrganisationsNamedAsync(string name)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM organisations WHERE name = @name", new { name });
    }

    private async Task<long> SignaturesOnAsync(string slug)
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM signatures WHERE petition_id = (SELECT id FROM petitions WHERE slug = @slug)", new { slug });
    }

    /// <summary>A body whose length the client cannot know, so it is sent chunked.</summary>
    private sealed class UnseekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
