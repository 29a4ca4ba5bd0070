using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;
using Petitions.BrowserTests.Support;

namespace Petitions.BrowserTests;

/// <summary>The browsable API description at /openapi, under the site's own Content-Security-Policy.</summary>
[TestFixture]
public sealed class OpenApiPageTests : PageTest
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

    [TestCase(1280)]
    [TestCase(390)]
    public async Task The_operations_are_rendered_with_no_console_error_and_no_axe_violation(int width)
    {
        await Page.SetViewportSizeAsync(width, width > 600 ? 800 : 844);
        var console = new List<string>();
        Page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                console.Add($"{message.Type}: {message.Text}");
            }
        };
        Page.PageError += (_, error) => console.Add($"page error: {error}");

        var response = await Page.GotoAsync("/openapi");

        Assert.That(response?.Status, Is.EqualTo(200));
        Assert.That(response!.Headers["content-security-policy"], Does.Contain("script-src 'none'"), "the site's policy, not a looser one");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Petitions API");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "POST /api/petitions/{slug}/signatures", Exact = true })).ToBeVisibleAsync();
        Assert.That(await Page.Locator("article.operation").CountAsync(), Is.GreaterThanOrEqualTo(18));
        await Expect(Page.Locator("#schema-SignRequest")).ToContainTextAsync("at most 200 characters");
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "OpenAPI document (JSON)" })).ToHaveAttributeAsync("href", "/openapi/v1.json");

        var overflow = await Page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the page scrolls sideways");
        await new Screenshots(Page).SaveAsync($"{width}px");

        var result = await Page.RunAxe();
        Assert.That(result.Violations, Is.Empty, AxeReport.Describe("/openapi", result.Violations));
        Assert.That(console, Is.Empty, "no Content-Security-Policy violation or other error in the console");
    }

    [Test]
    public async Task The_document_link_opens_the_json()
    {
        var response = await Page.APIRequest.GetAsync("/openapi/v1.json");

        Assert.That(response.Status, Is.EqualTo(200));
        Assert.That(response.Headers["content-type"], Does.StartWith("application/json"));
        Assert.That(await response.TextAsync(), Does.Contain("\"openapi\""));
    }
}
