using System.Globalization;
using Microsoft.Playwright;

namespace Petitions.BrowserTests.Support;

/// <summary>
/// Full-page screenshots of a test's steps, kept as test artefacts:
/// <c>{WorkDirectory}/screenshots/{Class.Test}/{nn}-{step}.png</c>, each attached to the test result.
/// Create one per test (in <c>[SetUp]</c> or in the test itself).
/// </summary>
public sealed class Screenshots
{
    private readonly IPage page;
    private readonly string directory;
    private int step;

    public Screenshots(IPage page)
    {
        this.page = page;
        var test = TestContext.CurrentContext.Test;
        var className = test.ClassName?.Split('.')[^1] ?? "Test";
        directory = Path.Combine(TestContext.CurrentContext.WorkDirectory, "screenshots", SafeName($"{className}.{test.Name}"));

        // A rerun starts from an empty folder, so its numbering is not mixed with an older run's.
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Saves the whole page as the next numbered step and attaches it; returns the file's path.</summary>
    public async Task<string> SaveAsync(string name)
    {
        Directory.CreateDirectory(directory);
        step++;
        var path = Path.Combine(directory, $"{step.ToString("00", CultureInfo.InvariantCulture)}-{SafeName(name)}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, $"step {step}: {name} ({page.Url})");
        return path;
    }

    private static string SafeName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var chars = name.Select(c => invalid.Contains(c) || char.IsWhiteSpace(c) || c is '"' or '\'' or '(' or ')' or ',' ? '-' : c);
        return new string(chars.ToArray()).Trim('-');
    }
}
