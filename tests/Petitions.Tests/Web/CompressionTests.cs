using System.IO.Compression;
using System.Net;
using Petitions.Tests.Support;

namespace Petitions.Tests.Web;

/// <summary>Static files and JSON are compressed; HTML with an antiforgery token never is (BREACH).</summary>
public sealed class CompressionTests
{
    private PetitionsApp app = null!;
    private HttpClient client = null!;

    [OneTimeSetUp]
    public void StartApp()
    {
        app = new PetitionsApp();
        client = app.CreateClient(new() { AllowAutoRedirect = false });
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string encodings = "br, gzip", string accept = "*/*")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", encodings);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return await client.SendAsync(request);
    }

    [TestCase("/site.css")]
    [TestCase("/icon.svg")]
    [TestCase("/robots.txt")]
    [TestCase("/api/petitions")]
    [TestCase("/api/petitions/iap-2017/signatories")]
    [TestCase("/openapi/v1.json")]
    public async Task StaticFilesAndJsonAreCompressedWithBrotli(string path)
    {
        using var response = await GetAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentEncoding, Is.EqualTo(new[] { "br" }), path);
        Assert.That(response.Headers.Vary.Select(v => v.ToLowerInvariant()), Does.Contain("accept-encoding"));
    }

    [Test]
    public async Task JsonDecompressesToTheSameAnswer()
    {
        var plain = await (await GetAsync("/api/petitions/iap-2017/signatories", encodings: "identity")).Content.ReadAsByteArrayAsync();
        using var gzipped = await GetAsync("/api/petitions/iap-2017/signatories", encodings: "gzip");
        Assert.That(gzipped.Content.Headers.ContentEncoding, Is.EqualTo(new[] { "gzip" }));

        await using var unzip = new GZipStream(await gzipped.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var copy = new MemoryStream();
        await unzip.CopyToAsync(copy);

        Assert.That(copy.ToArray(), Is.EqualTo(plain));
        Assert.That(gzipped.Content.Headers.ContentLength ?? (await gzipped.Content.ReadAsByteArrayAsync()).Length, Is.LessThan(plain.Length / 3),
            "130 organisations compress well");
    }

    [Test]
    public async Task TheLetterPageWithItsFormIsNeverCompressed()
    {
        using var response = await GetAsync("/petitions/iap-2017", accept: "text/html");
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain("__RequestVerificationToken"), "the page carries an antiforgery token");
        Assert.That(response.Content.Headers.ContentEncoding, Is.Empty);
    }

    [TestCase("/")]
    [TestCase("/coordinators/sign-in")]
    [TestCase("/openapi")]
    public async Task NoHtmlPageIsCompressed(string path)
    {
        using var response = await GetAsync(path, accept: "text/html");

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(response.Content.Headers.ContentEncoding, Is.Empty, path);
    }
}
