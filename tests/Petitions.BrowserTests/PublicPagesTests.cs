using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;
using Petitions.BrowserTests.Support;

namespace Petitions.BrowserTests;

/// <summary>
/// The pages a visitor can reach without signing in, at desktop and phone widths: each one in the
/// site's layout, without a single axe violation, with a screenshot kept for review.
/// </summary>
[TestFixture]
public sealed class PublicPagesTests : PageTest
{
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

    public static IEnumerable<TestCaseData> Pages()
    {
        foreach (var width in new[] { 1280, 390 })
        {
            yield return new TestCaseData("/", 200, "Open letters", width).SetName($"Home_at_{width}px");
            yield return new TestCaseData("/petitions/iap-2017", 200, "Petition to the International Association of Prosecutors", width).SetName($"Letter_at_{width}px");
            yield return new TestCaseData("/petitions/iap-2017/print", 200, null, width).SetName($"Print_at_{width}px");
            yield return new TestCaseData("/privacy", 200, "Privacy notice", width).SetName($"Privacy_notice_at_{width}px");
            yield return new TestCaseData("/petitions/iap-2017/signatories?group=country", 200, "Organisations that signed", width).SetName($"List_by_country_at_{width}px");
            yield return new TestCaseData("/petitions/iap-2017/signatories?q=helsinki", 200, "Organisations that signed", width).SetName($"List_searched_at_{width}px");
            yield return new TestCaseData("/no-such-page", 404, "Page not found", width).SetName($"Unknown_address_at_{width}px");
            yield return new TestCaseData("/petitions/no-such-letter", 404, "Page not found", width).SetName($"Unknown_letter_at_{width}px");
            yield return new TestCaseData("/coordinators", 401, "Sign in first", width).SetName($"Console_without_signing_in_at_{width}px");
            yield return new TestCaseData("/coordinators/sign-in", 200, "Sign in as a coordinator", width).SetName($"Sign_in_at_{width}px");
        }
    }

    [TestCaseSource(nameof(Pages))]
    public async Task The_page_is_in_the_site_layout_fits_the_width_and_has_no_axe_violation(string path, int status, string? heading, int width)
    {
        await Page.SetViewportSizeAsync(width, width > 600 ? 800 : 844);
        var screenshots = new Screenshots(Page);

        var response = await Page.GotoAsync(path);

        Assert.That(response?.Status, Is.EqualTo(status));
        Assert.That(response!.Headers["content-type"], Does.StartWith("text/html"));
        if (heading is not null)
        {
            await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(heading);
        }

        if (!path.EndsWith("/print", StringComparison.Ordinal))
        {
            await Expect(Page.Locator("header.site-header")).ToBeVisibleAsync();
        }
        else
        {
            // The page to hand over: the addressee and the count as of the day it was printed.
            await Expect(Page.Locator("p.addressee")).ToHaveTextAsync("To the International Association of Prosecutors");
            await Expect(Page.Locator("#signatory-count")).ToContainTextAsync("130 organisations had signed this letter on ");
        }
        // Nothing wider than the screen: no sideways scrolling at a phone's width.
        var overflow = await Page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the page scrolls sideways");
        await screenshots.SaveAsync($"{width}px");

        var result = await Page.RunAxe();

        Assert.That(result.Violations, Is.Empty, AxeReport.Describe(path, result.Violations));
    }
}
