using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;
using Petitions.BrowserTests.Support;

namespace Petitions.BrowserTests;

/// <summary>The seed letter as a reader sees it, in Chromium, from the app on a real port.</summary>
[TestFixture]
public sealed class LetterPageTests : PageTest
{
    private const string LetterPath = "/petitions/iap-2017";
    private const string LetterTitle = "Petition to the International Association of Prosecutors";

    private LiveApp app = null!;

    [OneTimeSetUp]
    public void StartApp() => app = new LiveApp().Start();

    [OneTimeTearDown]
    public async Task StopApp() => await app.DisposeAsync();

    public override BrowserNewContextOptions ContextOptions() => new()
    {
        BaseURL = app.BaseUrl.ToString(),
        Locale = "en-GB",
    };

    [Test]
    public async Task The_letter_page_shows_its_title_dateline_and_all_130_supporting_organisations()
    {
        var screenshots = new Screenshots(Page);

        var response = await Page.GotoAsync(LetterPath);

        Assert.That(response?.Status, Is.EqualTo(200));
        await Expect(Page).ToHaveTitleAsync($"{LetterTitle} · Petitions");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(LetterTitle);
        await Expect(Page.Locator("p.dateline")).ToHaveTextAsync("The Hague, 5 September 2017");

        var supporters = Page.GetByRole(AriaRole.Region, new() { Name = "Supporting organisations" });
        await Expect(supporters.GetByRole(AriaRole.Heading, new() { Name = "Supporting organisations", Level = 2 })).ToBeVisibleAsync();
        await Expect(supporters.Locator("ul.signatories > li")).ToHaveCountAsync(130);
        await Expect(supporters.Locator("#signatory-count")).ToHaveTextAsync("130 organisations have signed this letter.");

        await screenshots.SaveAsync("letter");
    }

    [Test]
    public async Task The_map_of_the_signatories_cities_loads_as_an_image_and_opens_as_a_document_of_circles()
    {
        await Page.GotoAsync(LetterPath);
        var map = Page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^World map of the cities") });
        await map.ScrollIntoViewIfNeededAsync();
        await Expect(map).ToBeVisibleAsync();
        // Decoded as an image under the site's Content-Security-Policy (a blocked or broken SVG has no width).
        await Page.WaitForFunctionAsync("() => { const i = document.querySelector('figure.signatory-map img'); return i.complete && i.naturalWidth > 0; }");
        await Expect(Page.Locator("figure.signatory-map figcaption a[href='#by-country']")).ToBeVisibleAsync();

        var response = await Page.GotoAsync(LetterPath + "/map.svg");
        Assert.That(response?.Status, Is.EqualTo(200));
        Assert.That(response!.Headers["content-type"], Does.StartWith("image/svg+xml"));
        await Expect(Page.Locator("circle").First).ToBeAttachedAsync();
        Assert.That(await Page.Locator("circle").CountAsync(), Is.GreaterThan(50), "the seed letter's cities");
    }

    [Test]
    public async Task The_home_page_links_to_the_letter_and_the_link_leads_to_it()
    {
        var screenshots = new Screenshots(Page);

        await Page.GotoAsync("/");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Open letters", Level = 1 })).ToBeVisibleAsync();
        var link = Page.GetByRole(AriaRole.Link, new() { Name = LetterTitle, Exact = true });
        await Expect(link).ToHaveAttributeAsync("href", LetterPath);
        await screenshots.SaveAsync("home");

        await link.ClickAsync();

        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(LetterPath)}$"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(LetterTitle);
        await screenshots.SaveAsync("letter");
    }

    [TestCase("/", TestName = "Axe_finds_no_serious_or_critical_violations_on_the_home_page")]
    [TestCase(LetterPath, TestName = "Axe_finds_no_serious_or_critical_violations_on_the_letter_page")]
    public async Task Axe_finds_no_serious_or_critical_violations(string path)
    {
        var screenshots = new Screenshots(Page);
        await Page.GotoAsync(path);
        await screenshots.SaveAsync("page");

        var result = await Page.RunAxe();

        if (result.Violations.Length > 0)
        {
            // Minor and moderate findings do not fail the test, but stay visible in its output.
            await TestContext.Out.WriteLineAsync(AxeReport.Describe(path, result.Violations));
        }

        // axe really looked at the page: a run that checked nothing would also report no violations.
        Assert.That(result.Passes, Is.Not.Empty, "axe passed no rule at all");
        var severe = result.Violations.Where(AxeReport.IsSevere).ToList();
        Assert.That(severe.Select(v => v.Id), Is.Empty, () => AxeReport.Describe(path, severe));
    }
}
