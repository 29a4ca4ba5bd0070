using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;
using Petitions.BrowserTests.Support;

namespace Petitions.BrowserTests;

/// <summary>
/// Over HTTPS a frame on another site signs too: the app on https://127.0.0.1 (a certificate of its own, which the
/// browser is told to accept), the partner's page on http://localhost, another site.
/// </summary>
[TestFixture]
public sealed class EmbedOverHttpsTests : PageTest
{
    private LiveApp app = null!;
    private WebApplication partner = null!;
    private int partnerPort;

    [OneTimeSetUp]
    public async Task StartAppAndPartner()
    {
        app = new LiveApp(new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "0" }, Certificate()).Start();
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            partnerPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://localhost:{partnerPort}");
        partner = builder.Build();
        var embed = new Uri(app.BaseUrl, "/petitions/iap-2017/embed").ToString();
        partner.MapGet("/", () => Results.Content(
            $"<!DOCTYPE html><html lang=\"en\"><head><title>Partner</title></head><body><h1>A partner's site</h1>" +
            $"<iframe src=\"{embed}\" title=\"Sign the letter\" width=\"700\" height=\"1600\"></iframe></body></html>", "text/html; charset=utf-8"));
        await partner.StartAsync();

        var letterId = (await app.Services.GetRequiredService<global::Petitions.Petitions.PetitionStore>().FindAsync("iap-2017", CancellationToken.None))!.Id;
        var (_, token) = await app.Services.GetRequiredService<global::Petitions.Coordinators.CoordinatorStore>()
            .AddAsync("https@coalition.example.org", "Https Coordinator", [letterId]);
        using var coordinator = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator })
        {
            BaseAddress = app.BaseUrl,
        };
        coordinator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var letter = (await coordinator.GetFromJsonAsync<JsonObject>("/api/petitions/iap-2017"))!;
        letter["embedOrigins"] = new JsonArray(JsonValue.Create($"http://localhost:{partnerPort}"));
        using var put = await coordinator.PutAsJsonAsync("/api/petitions/iap-2017", letter);
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK), await put.Content.ReadAsStringAsync());
    }

    [OneTimeTearDown]
    public async Task StopAppAndPartner()
    {
        if (partner is not null)
        {
            await partner.DisposeAsync();
        }

        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }

    public override BrowserNewContextOptions ContextOptions() => new() { Locale = "en-GB", IgnoreHTTPSErrors = true };

    [Test]
    public async Task AFrameOnAnotherSiteSignsAndEndsOnCheckYourEmailInTheFrame()
    {
        var partnerPage = $"http://localhost:{partnerPort}/";
        await Page.GotoAsync(partnerPage);
        var frame = Page.FrameLocator("iframe");
        await Expect(frame.Locator("#embed-count")).ToHaveTextAsync("130 organisations have signed");

        await frame.Locator("#organisation").FillAsync("Fundación Sobre Https");
        await frame.Locator("#city").FillAsync("Madrid");
        await frame.Locator("#country").SelectOptionAsync("ES");
        await frame.Locator("#contactName").FillAsync("Lucía Pérez");
        await frame.Locator("#contactRole").FillAsync("Directora");
        await frame.Locator("#contactEmail").FillAsync("lucia@sobre-https.example.org");
        await frame.Locator("#consent").CheckAsync();
        await frame.GetByRole(AriaRole.Button, new() { Name = "Sign the letter" }).ClickAsync();

        await Expect(frame.Locator("h1")).ToHaveTextAsync("Check your email");
        Assert.That(Page.Url, Is.EqualTo(partnerPage));
        var cookies = await Context.CookiesAsync([app.BaseUrl.ToString()]);
        var antiforgery = cookies.Single(c => c.Name.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.That((antiforgery.SameSite, antiforgery.Secure), Is.EqualTo((SameSiteAttribute.None, true)));
    }

    private static X509Certificate2 Certificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so that Kestrel on Linux holds a key it can use.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);
    }
}
