using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Deque.AxeCore.Playwright;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;
using MimeKit;
using Petitions.BrowserTests.Support;
using Petitions.Coordinators;

namespace Petitions.BrowserTests;

/// <summary>
/// Every page of the coordinators' console, signed in, at desktop and phone widths: no axe violation
/// of any impact, nothing wider than the screen, a screenshot of each kept for review.
/// </summary>
[TestFixture]
public sealed partial class ConsolePagesTests : PageTest
{
    private const string Slug = "iap-2017";
    private const string Console = "/coordinators/petitions/" + Slug;
    private const string CoordinatorEmail = "console-pages@coalition.example.org";

    private LiveApp app = null!;
    private long waiting;
    private System.Net.Cookie? cookie;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        app = new LiveApp(new Dictionary<string, string?>
        {
            ["RateLimiting:SignOnsPerMinutePerIp"] = "0",
            ["RateLimiting:TokenAttemptsPerMinutePerIp"] = "0",
        }).Start();
        await app.Services.GetRequiredService<CoordinatorStore>().AddAsync(CoordinatorEmail, "Console Pages", []);
        await using (var connection = new SqliteConnection($"Data Source={app.DatabasePath}"))
        {
            await connection.ExecuteAsync("UPDATE petitions SET requires_review = 1 WHERE slug = @Slug", new { Slug });
        }

        // Two sign-ons wait for review, one imitating a listed name with a Cyrillic letter.
        await SignAndConfirmAsync("Observatorio Ciudadano de la Justicia", "Bogotá", "CO", "observatorio@navegador.example.net");
        waiting = await SignAndConfirmAsync("Frоnt Line Defenders", "Dublin", "IE", "frontline@lookalike.example.net");
    }

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
            yield return new TestCaseData("letters", width).SetName($"Your_letters_at_{width}px");
            yield return new TestCaseData("letters-ar", width).SetName($"Your_letters_in_Arabic_at_{width}px");
            yield return new TestCaseData("letter", width).SetName($"Letter_console_at_{width}px");
            yield return new TestCaseData("searched", width).SetName($"Searched_list_by_name_at_{width}px");
            yield return new TestCaseData("next-page", width).SetName($"Second_page_at_{width}px");
            yield return new TestCaseData("bulk-reject", width).SetName($"Bulk_rejection_to_confirm_at_{width}px");
            yield return new TestCaseData("signatory", width).SetName($"Signatory_at_{width}px");
            yield return new TestCaseData("reject", width).SetName($"Rejection_to_confirm_at_{width}px");
            yield return new TestCaseData("edit", width).SetName($"Letter_editor_at_{width}px");
            yield return new TestCaseData("translation", width).SetName($"Translation_editor_at_{width}px");
            yield return new TestCaseData("update", width).SetName($"Update_preview_at_{width}px");
        }
    }

    [TestCaseSource(nameof(Pages))]
    public async Task The_console_page_fits_the_width_and_has_no_axe_violation(string which, int width)
    {
        await Page.SetViewportSizeAsync(width, width > 600 ? 800 : 844);
        var screenshots = new Screenshots(Page);
        await SignInAsync();

        switch (which)
        {
            case "letters":
                await Page.GotoAsync("/coordinators");
                await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Your letters");
                break;
            case "letters-ar":
                await Page.GotoAsync("/coordinators?lang=ar");
                await Expect(Page.Locator("html")).ToHaveAttributeAsync("dir", "rtl");
                await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("رسائلكم");
                break;
            case "letter":
                await Page.GotoAsync(Console);
                await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 2, Name = "Waiting for review (2)" })).ToBeVisibleAsync();
                await Expect(Page.Locator("table.queue mark.odd-letter")).ToHaveCountAsync(1);
                await Expect(Page.Locator("table.signature-list tbody tr")).ToHaveCountAsync(50);
                break;
            case "searched":
                await Page.GotoAsync(Console);
                await Page.GetByLabel("Name contains").FillAsync("human rights");
                await Page.GetByLabel("Order").SelectOptionAsync("name");
                await Page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
                await Expect(Page.Locator("table.signature-list tbody tr").First).ToContainTextAsync("Asian Forum for Human Rights");
                break;
            case "next-page":
                await Page.GotoAsync(Console);
                await Page.GetByRole(AriaRole.Link, new() { Name = "Next 50" }).ClickAsync();
                await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "First page" })).ToBeVisibleAsync();
                await Expect(Page.Locator("table.signature-list tbody tr")).ToHaveCountAsync(50);
                break;
            case "bulk-reject":
                await Page.GotoAsync(Console);
                await Page.GetByLabel("Select Frоnt Line Defenders").CheckAsync();
                await Page.GetByLabel("Reason for rejecting them").FillAsync("Imitates Front Line Defenders");
                await Page.GetByRole(AriaRole.Button, new() { Name = "Reject ticked…" }).ClickAsync();
                await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Reject this sign-on?" })).ToBeVisibleAsync();
                await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Reject this sign-on?" })).ToBeFocusedAsync();
                break;
            case "signatory":
                await Page.GotoAsync($"{Console}/signatures/{waiting}");
                await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("nt Line Defenders");
                break;
            case "reject":
                await Page.GotoAsync($"{Console}/signatures/{waiting}");
                await Page.GetByLabel(new Regex("^Reason for rejecting")).First.FillAsync("Imitates Front Line Defenders");
                await Page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Reject") }).First.ClickAsync();
                await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("nt Line Defenders?");
                break;
            case "edit":
                await Page.GotoAsync($"{Console}/edit");
                await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Edit");
                break;
            case "translation":
                await Page.GotoAsync(Console);
                await Page.Locator("ul.translations").GetByRole(AriaRole.Link, new() { Name = "Français", Exact = true }).ClickAsync();
                await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Translation into Français");
                await Expect(Page.GetByLabel("Title", new() { Exact = true })).ToHaveValueAsync("Pétition à l'Association internationale des procureurs");
                break;
            case "update":
                await Page.GotoAsync(Console);
                await Page.GetByRole(AriaRole.Link, new() { Name = "Write an update" }).ClickAsync();
                await Page.Locator("#subject").FillAsync("The letter is delivered");
                await Page.Locator("#body").FillAsync("We handed it to the **prosecutors** today.");
                await Page.GetByRole(AriaRole.Button, new() { Name = "Preview", Exact = true }).ClickAsync();
                await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 2, Name = "Preview" })).ToBeVisibleAsync();
                await Expect(Page.Locator("article.update-preview strong").First).ToHaveTextAsync("prosecutors");
                break;
        }

        // Nothing wider than the screen: wide tables scroll inside their own box.
        var overflow = await Page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        if (overflow > 0)
        {
            var wide = await Page.EvaluateAsync<string[]>("""
                [...document.querySelectorAll('body *')]
                    .filter(e => { for (let a = e.parentElement; a; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return false; return true; })
                    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                    .slice(-6).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))
                """);
            Assert.Fail($"the page scrolls sideways by {overflow}px: {string.Join(", ", wide)}");
        }
        await screenshots.SaveAsync($"{which}-{width}px");

        var result = await Page.RunAxe();
        Assert.That(result.Violations, Is.Empty, AxeReport.Describe(Page.Url, result.Violations));
    }

    // One sign-in for the fixture (sign-in emails to an address are capped); each test's browser gets its cookie.
    private async Task SignInAsync()
    {
        cookie ??= await SignInOverHttpAsync();
        await Context.AddCookiesAsync([new Cookie { Name = cookie.Name, Value = cookie.Value, Url = app.BaseUrl.ToString() }]);
        await Page.GotoAsync("/coordinators");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Your letters");
    }

    private async Task<System.Net.Cookie> SignInOverHttpAsync()
    {
        var jar = new System.Net.CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = app.BaseUrl };
        var before = DateTime.UtcNow.AddSeconds(-1);
        var form = await http.GetStringAsync("/coordinators/sign-in");
        using var asked = await http.PostAsync("/coordinators/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = CoordinatorEmail,
            ["__RequestVerificationToken"] = Antiforgery(form),
        }));
        Assert.That((int)asked.StatusCode, Is.LessThan(400), await asked.Content.ReadAsStringAsync());
        var link = SignInLink().Match(await WaitForMailAsync(CoordinatorEmail, "Sign in to", before));
        Assert.That(link.Success, Is.True);
        var page = await http.GetStringAsync(link.Value);
        using var signedIn = await http.PostAsync(link.Value, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Antiforgery(page),
        }));
        Assert.That((int)signedIn.StatusCode, Is.EqualTo(303), await signedIn.Content.ReadAsStringAsync());
        return jar.GetCookies(app.BaseUrl).Single(c => c.Name == "petitions.coordinator");
    }

    private static string Antiforgery(string html) =>
        System.Net.WebUtility.HtmlDecode(Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"|name=\"__RequestVerificationToken\" value=\"([^\"]+)\"") is { Success: true } m
            ? (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
            : throw new InvalidOperationException("no antiforgery token in the page"));

    private async Task<long> SignAndConfirmAsync(string organisation, string city, string country, string email)
    {
        // Before any page opens, so through HTTP as a signatory's own client would.
        using var api = new HttpClient { BaseAddress = app.BaseUrl };
        var before = DateTime.UtcNow.AddSeconds(-1);
        using var signed = await api.PostAsJsonAsync($"/api/petitions/{Slug}/signatures",
            new { organisation, city, country, contactName = "Console Pages", contactRole = "Director", contactEmail = email, consent = true });
        Assert.That((int)signed.StatusCode, Is.EqualTo(202), await signed.Content.ReadAsStringAsync());
        var token = ConfirmationToken().Match(await WaitForMailAsync(email, "Confirm your signature", before)).Groups["token"].Value;
        using var confirmed = await api.PostAsJsonAsync("/api/confirmations", new { token });
        Assert.That((int)confirmed.StatusCode, Is.EqualTo(200), await confirmed.Content.ReadAsStringAsync());

        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath}");
        return await connection.ExecuteScalarAsync<long>(
            "SELECT max(s.id) FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = @organisation", new { organisation });
    }

    /// <summary>The text of the newest email in the pickup folder to that address with a subject starting so, written after <paramref name="since"/>.</summary>
    private async Task<string> WaitForMailAsync(string address, string subjectStart, DateTime since)
    {
        var folder = Path.Combine(app.Directory, "mail");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (Directory.Exists(folder))
            {
                foreach (var file in new DirectoryInfo(folder).GetFiles("*.eml").Where(f => f.LastWriteTimeUtc >= since).OrderByDescending(f => f.LastWriteTimeUtc))
                {
                    var message = await MimeMessage.LoadAsync(file.FullName);
                    if (message.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase))
                        && (message.Subject ?? "").StartsWith(subjectStart, StringComparison.Ordinal))
                    {
                        return message.TextBody ?? "";
                    }
                }
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"no email \"{subjectStart}…\" to {address} in {folder}");
            await Task.Delay(200);
        }
    }

    [GeneratedRegex(@"https?://[^\s/]+/coordinators/sign-in/[A-Za-z0-9_\-]+")]
    private static partial Regex SignInLink();

    [GeneratedRegex(@"/confirm/(?<token>[A-Za-z0-9_\-]+)")]
    private static partial Regex ConfirmationToken();
}
