using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    private PartnerSite partner = null!;
    private int partnerPort;

    [OneTimeSetUp]
    public async Task StartAppAndPartner()
    {
        app = new LiveApp(new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "0" }, Certificate()).Start();
        partnerPort = PartnerSite.FreePort();
        partner = await PartnerSite.StartAsync(new Uri(app.BaseUrl, "/petitions/iap-2017/embed"), $"http://localhost:{partnerPort}");
        // The app's certificate is its own: the coordinator's client takes it as the browser is told to.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        await PartnerSite.ListOriginsAsync(app, "iap-2017", handler, $"http://localhost:{partnerPort}");
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
