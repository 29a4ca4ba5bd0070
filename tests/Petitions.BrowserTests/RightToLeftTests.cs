using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;
using Petitions.BrowserTests.Support;

namespace Petitions.BrowserTests;

/// <summary>
/// Pages in Arabic, right to left, at desktop and phone widths: the direction applied, nothing wider than the
/// screen, no axe violation of any impact, a screenshot of each kept for review.
/// </summary>
[TestFixture]
public sealed class RightToLeftTests : PageTest
{
    private LiveApp app = null!;

    [OneTimeSetUp]
    public void StartApp() => app = new LiveApp(new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "0" }).Start();

    [OneTimeTearDown]
    public async Task StopApp() => await app.DisposeAsync();

    public override BrowserNewContextOptions ContextOptions() => new()
    {
        BaseURL = app.BaseUrl.ToString(),
        Locale = "ar",
    };

    public static IEnumerable<TestCaseData> Pages()
    {
        foreach (var width in new[] { 1280, 390 })
        {
            yield return new TestCaseData("/petitions/iap-2017?lang=ar", "وقّعوا هذه الرسالة باسم منظمتكم", width).SetName($"Letter_page_in_Arabic_at_{width}px");
            yield return new TestCaseData("/petitions/iap-2017/signatories?group=country&lang=ar", "المنظمات الموقّعة", width).SetName($"Signatories_by_country_in_Arabic_at_{width}px");
            yield return new TestCaseData("/coordinators/sign-in?lang=ar", "تسجيل الدخول بصفة منسّق", width).SetName($"Coordinator_sign_in_in_Arabic_at_{width}px");
        }
    }

    [TestCaseSource(nameof(Pages))]
    public async Task The_page_reads_right_to_left_fits_the_width_and_has_no_axe_violation(string path, string heading, int width)
    {
        await Page.SetViewportSizeAsync(width, width > 600 ? 800 : 844);
        var screenshots = new Screenshots(Page);

        var response = await Page.GotoAsync(path);

        Assert.That(response?.Status, Is.EqualTo(200));
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "ar");
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("dir", "rtl");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = heading })).ToBeVisibleAsync();
        Assert.That(await Page.EvaluateAsync<string>("getComputedStyle(document.body).direction"), Is.EqualTo("rtl"));
        // Right to left: the header's first item (the site's name) starts at the right-hand edge.
        var name = await Page.Locator(".site-name").BoundingBoxAsync();
        Assert.That(name!.X + name.Width, Is.GreaterThan(width / 2.0), "the site's name sits on the right");
        await Expect(Page.GetByRole(AriaRole.Navigation, new() { Name = "اللغة" }).GetByRole(AriaRole.Link, new() { Name = "English" })).ToHaveAttributeAsync("hreflang", "en");

        var overflow = await Page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the page scrolls sideways");
        await screenshots.SaveAsync($"arabic-{width}px");

        var result = await Page.RunAxe();
        Assert.That(result.Passes, Is.Not.Empty, "axe passed no rule at all");
        Assert.That(result.Violations, Is.Empty, AxeReport.Describe(Page.Url, result.Violations));
    }

    [Test]
    public async Task The_switcher_takes_the_reader_to_French_and_the_choice_is_kept()
    {
        await Page.GotoAsync("/petitions/iap-2017?lang=ar");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Français" }).ClickAsync();

        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("dir", "ltr");
        await Page.GotoAsync("/privacy");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Politique de confidentialité");
    }
}
