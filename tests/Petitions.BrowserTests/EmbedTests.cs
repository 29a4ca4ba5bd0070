using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;
using Petitions.BrowserTests.Support;

namespace Petitions.BrowserTests;

/// <summary>
/// The embeddable form inside a real frame in Chromium, on a partner's page served by a server of its own on other
/// ports: 127.0.0.1 on another port is another origin of the same site; localhost is another site.
/// </summary>
[TestFixture]
public sealed class EmbedTests : PageTest
{
    private const string EmbedPath = "/petitions/iap-2017/embed";

    private LiveApp app = null!;
    private PartnerSite partner = null!;
    private int listedPort;
    private int unlistedPort;

    [OneTimeSetUp]
    public async Task StartAppAndPartner()
    {
        app = new LiveApp(new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "0" }).Start();
        (listedPort, unlistedPort) = (PartnerSite.FreePort(), PartnerSite.FreePort());
        partner = await PartnerSite.StartAsync(new Uri(app.BaseUrl, EmbedPath), $"http://localhost:{listedPort}", $"http://localhost:{unlistedPort}");
        using var handler = new HttpClientHandler();
        await PartnerSite.ListOriginsAsync(app, "iap-2017", handler, $"http://127.0.0.1:{listedPort}", $"http://localhost:{listedPort}");
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

    public override BrowserNewContextOptions ContextOptions() => new() { Locale = "en-GB" };

    private static async Task FillAndSignAsync(IFrameLocator frame, string organisation, string email)
    {
        await frame.Locator("#organisation").FillAsync(organisation);
        await frame.Locator("#city").FillAsync("Utrecht");
        await frame.Locator("#country").SelectOptionAsync("NL");
        await frame.Locator("#contactName").FillAsync("Anna de Vries");
        await frame.Locator("#contactRole").FillAsync("Director");
        await frame.Locator("#contactEmail").FillAsync(email);
        await frame.Locator("#consent").CheckAsync();
        await frame.GetByRole(AriaRole.Button, new() { Name = "Sign the letter" }).ClickAsync();
    }

    [Test]
    public async Task OnAListedOriginOfTheSameSiteTheFormShowsInTheFrameAndSigningThereEndsOnCheckYourEmailInTheFrame()
    {
        var partnerPage = $"http://127.0.0.1:{listedPort}/";
        await Page.GotoAsync(partnerPage);
        var frame = Page.FrameLocator("iframe");

        await Expect(frame.Locator("h1")).ToHaveTextAsync("Petition to the International Association of Prosecutors (opens in a new tab)");
        await Expect(frame.Locator("#embed-count")).ToHaveTextAsync("130 organisations have signed");
        await Expect(frame.Locator("h1 a")).ToHaveAttributeAsync("target", "_blank");

        // A mistake first: the form comes back in the frame with its message.
        await frame.GetByRole(AriaRole.Button, new() { Name = "Sign the letter" }).ClickAsync();
        await Expect(frame.Locator("#error-summary")).ToBeVisibleAsync();
        Assert.That(Page.Url, Is.EqualTo(partnerPage), "the partner's page stays where it is");

        await FillAndSignAsync(frame, "Stichting In Een Kader", "anna@in-een-kader.example.org");

        await Expect(frame.Locator("h1")).ToHaveTextAsync("Check your email");
        Assert.That(Page.Url, Is.EqualTo(partnerPage));
        Assert.That(Page.Frames.Single(f => f != Page.MainFrame).Url, Does.EndWith("/petitions/iap-2017/embed/check-email"));
    }

    [Test]
    public async Task OnAListedOriginOfAnotherSiteOverPlainHttpTheFrameSaysToSignOnTheLettersPage()
    {
        // localhost is another site than 127.0.0.1: over HTTP the browser keeps no antiforgery cookie for the frame.
        await Page.GotoAsync($"http://localhost:{listedPort}/");
        var frame = Page.FrameLocator("iframe");
        await Expect(frame.Locator("#embed-count")).ToHaveTextAsync("130 organisations have signed");

        await FillAndSignAsync(frame, "Stichting Ander Domein", "anna@ander-domein.example.org");

        await Expect(frame.Locator("h1")).ToHaveTextAsync("Sign on the letter's page");
        var link = frame.GetByRole(AriaRole.Link, new() { Name = "Sign “Petition to the International Association of Prosecutors” on its page (opens in a new tab)" });
        await Expect(link).ToHaveAttributeAsync("target", "_blank");
        await Expect(link).ToHaveAttributeAsync("href", "/petitions/iap-2017#sign");
    }

    [Test]
    public async Task AnOriginNotListedGetsTheFrameBlocked()
    {
        var refused = Page.WaitForResponseAsync(r => r.Url.EndsWith(EmbedPath, StringComparison.Ordinal));
        await Page.GotoAsync($"http://127.0.0.1:{unlistedPort}/");
        var embedResponse = await refused;
        await Page.WaitForLoadStateAsync(LoadState.Load);

        Assert.That(await embedResponse.HeaderValueAsync("content-security-policy"), Does.Contain($"frame-ancestors http://127.0.0.1:{listedPort} http://localhost:{listedPort};"));
        var framed = Page.Frames.Single(f => f != Page.MainFrame);
        Assert.That(framed.Url, Does.Not.EndWith(EmbedPath), "the browser did not show the page in the frame");
        await Expect(Page.FrameLocator("iframe").Locator("form")).ToHaveCountAsync(0);
    }

    [Test]
    public async Task Axe_finds_no_serious_or_critical_violations_on_the_embed_page()
    {
        await Page.GotoAsync(new Uri(app.BaseUrl, EmbedPath).ToString());

        var result = await Page.RunAxe();

        if (result.Violations.Length > 0)
        {
            await TestContext.Out.WriteLineAsync(AxeReport.Describe(EmbedPath, result.Violations));
        }

        Assert.That(result.Passes, Is.Not.Empty, "axe passed no rule at all");
        var severe = result.Violations.Where(AxeReport.IsSevere).ToList();
        Assert.That(severe.Select(v => v.Id), Is.Empty, () => AxeReport.Describe(EmbedPath, severe));
    }
}
