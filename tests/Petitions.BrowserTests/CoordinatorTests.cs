using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Deque.AxeCore.Playwright;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;
using Petitions.BrowserTests.Support;
using Petitions.Coordinators;
using Petitions.Tests.Support;

namespace Petitions.BrowserTests;

/// <summary>
/// A coordinator at work, in Chromium: signing in from the link emailed through a real SMTP server,
/// the review queue of the seed letter, an approval, a withdrawal recorded from an organisation's
/// letter, the public page and the alerts afterwards; and the pages refusing anyone not signed in.
/// </summary>
/// <remarks>
/// One app and one SMTP server serve every test here; the seed letter requires review from the start.
/// Each test has a coordinator and an organisation of its own and reads only the mail to their
/// addresses. Only the first test lists or withdraws anyone; the others leave the list as it is, so
/// the tests pass in any order.
/// </remarks>
[TestFixture]
public sealed partial class CoordinatorTests : PageTest
{
    private const string Slug = "iap-2017";
    private const string LetterPath = "/petitions/" + Slug;
    private const string LetterTitle = "Petition to the International Association of Prosecutors";
    private const string CoordinatorLetterPath = "/coordinators/petitions/" + Slug;
    private const string SignaturesApi = "/api/petitions/" + Slug + "/signatures";

    /// <summary>The dispatcher polls the outbox every second; this leaves room for a slow machine.</summary>
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(30);

    private SmtpServer smtp = null!;
    private LiveApp app = null!;
    private string apiToken = "";

    [OneTimeSetUp]
    public async Task StartSmtpAndApp()
    {
        smtp = await SmtpServer.StartNewAsync();
        app = new LiveApp(smtp.AppSettings(("RateLimiting:SignOnsPerMinutePerIp", "0"), ("RateLimiting:TokenAttemptsPerMinutePerIp", "0"))).Start();

        // The seed letter lists a confirmed sign-on at once; this one has a coordinator review each first.
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath}");
        var changed = await connection.ExecuteAsync("UPDATE petitions SET requires_review = 1 WHERE slug = @Slug", new { Slug });
        Assert.That(changed, Is.EqualTo(1), $"the seed letter {Slug} is not in the database");
    }

    [OneTimeTearDown]
    public async Task StopSmtpAndApp()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        if (smtp is not null)
        {
            await smtp.DisposeAsync();
        }
    }

    public override BrowserNewContextOptions ContextOptions() => new()
    {
        BaseURL = app.BaseUrl.ToString(),
        Locale = "en-GB",
    };

    [Test]
    public async Task ACoordinatorSignsInFromTheEmailedLinkApprovesASignOnAndRecordsAWithdrawal()
    {
        const string coordinatorEmail = "coordinatrice@petitions-navigateur.example.org";
        const string organisation = "Observatorio Ciudadano de la Justicia";
        const string city = "Bogotá";
        const string contactName = "Camila Restrepo";
        const string contactRole = "Directora";
        // The address is not on the website's domain, so the sign-on carries that flag to the review.
        const string contactEmail = "camila.restrepo@correo-navegador.example.net";
        const string withdrawn = "Fair Trials";
        const string withdrawalReason = "Our board decided on 2 May 2026 to withdraw from all joint letters.";
        var coordinator = await AddCoordinatorAsync(coordinatorEmail, "Coordinatrice Navigateur");
        var screenshots = new Screenshots(Page);

        await SignOnAndConfirmAsync(organisation, city, "CO", contactName, contactRole, contactEmail, "https://observatorio-justicia.example.org");

        var alert = await WaitForMailAsync(coordinatorEmail, $"To review: {organisation} signed {LetterTitle}");
        Assert.That(alert.Message.TextBody, Does.Contain($"{app.BaseUrl}coordinators/petitions/{Slug}"), "the alert links to the review queue");

        await SignInThroughTheEmailedLinkAsync(Page, screenshots, coordinatorEmail);

        // Your letters: the seed letter, with its 130 listed organisations.
        var letterLink = Page.GetByRole(AriaRole.Link, new() { Name = LetterTitle, Exact = true });
        await Expect(letterLink).ToHaveAttributeAsync("href", CoordinatorLetterPath);
        await Expect(Page.Locator("ul.letters > li").Filter(new() { Has = letterLink })).ToContainTextAsync("130 listed");
        await letterLink.ClickAsync();

        // The letter: the sign-on waits for review, with its flags and its contact.
        await Expect(Page).ToHaveURLAsync(new Uri(app.BaseUrl, CoordinatorLetterPath).ToString());
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(LetterTitle);
        var waiting = await SignaturesAsync(Page, "confirmed");
        var signature = waiting.Single(s => s.GetProperty("organisation").GetString() == organisation);
        var signatureId = signature.GetProperty("id").GetInt64();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 2, Name = $"Waiting for review ({waiting.Count})", Exact = true })).ToBeVisibleAsync();
        var approve = Page.GetByRole(AriaRole.Button, new() { Name = $"Approve {organisation}", Exact = true });
        var queued = Page.GetByRole(AriaRole.Row).Filter(new() { Has = approve });
        await Expect(queued).ToHaveCountAsync(1);
        var cells = queued.GetByRole(AriaRole.Cell);
        await Expect(cells.Nth(0).GetByRole(AriaRole.Checkbox, new() { Name = $"Select {organisation}" })).ToBeVisibleAsync();
        await Expect(cells.Nth(1)).ToHaveTextAsync(organisation);
        await Expect(cells.Nth(1).GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", $"{CoordinatorLetterPath}/signatures/{signatureId}");
        await Expect(cells.Nth(2)).ToHaveTextAsync($"{city} (Colombia)");
        await Expect(cells.Nth(3)).ToContainTextAsync(contactName);
        await Expect(cells.Nth(3)).ToContainTextAsync(contactRole);
        await Expect(cells.Nth(3)).ToContainTextAsync(contactEmail);
        // Why it waits, in words.
        await Expect(cells.Nth(4)).ToHaveTextAsync("the email's domain does not match the website");
        Assert.That(signature.GetProperty("flags").EnumerateArray().Select(f => f.GetString()), Is.EqualTo(new[] { "domain-mismatch" }));
        await queued.ScrollIntoViewIfNeededAsync();
        await screenshots.SaveAsync("waiting-for-review");

        // Approving it lists it: the answer is 303 to the signatory's page.
        var approved = await Page.RunAndWaitForResponseAsync(
            () => approve.ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.Contains($"/signatures/{signatureId}", StringComparison.Ordinal));
        await Page.WaitForLoadStateAsync(LoadState.Load);
        Assert.That(approved.Status, Is.EqualTo(303), "an approval is answered with 303 See Other");
        // The coordinator stays in the queue, told what was done.
        await Expect(Page).ToHaveURLAsync(new Uri(app.BaseUrl, $"{CoordinatorLetterPath}?done=approved&id={signatureId}#review").ToString());
        await Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Approved: {organisation} is listed.");
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = $"Approve {organisation}", Exact = true })).ToHaveCountAsync(0);
        await screenshots.SaveAsync("approved-in-the-queue");
        await Page.GotoAsync($"{CoordinatorLetterPath}/signatures/{signatureId}");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(organisation);
        await Expect(Page.Locator("#status")).ToHaveTextAsync("listed");
        await Expect(HistoryRows(Page).Filter(new() { HasText = "listed" })).ToContainTextAsync(
            new Regex($@"{Regex.Escape(coordinator.Email)}\)?\s*status\s*confirmed\s*listed"));
        await screenshots.SaveAsync("approved");

        // The public page lists it now: 131.
        await Page.GotoAsync(LetterPath);
        var supporters = Page.GetByRole(AriaRole.Region, new() { Name = "Supporting organisations" });
        await Expect(supporters.Locator("#signatory-count")).ToHaveTextAsync("131 organisations have signed this letter.");
        await Expect(supporters.Locator("ul.signatories > li")).ToHaveCountAsync(131);
        var line = supporters.Locator("ul.signatories > li").Filter(new() { HasText = organisation });
        await Expect(line).ToHaveTextAsync($"{organisation}, {city}");
        await Expect(supporters.Locator("ul.signatories > li").Filter(new() { HasText = withdrawn })).ToHaveCountAsync(1);
        await line.ScrollIntoViewIfNeededAsync();
        await screenshots.SaveAsync("public-letter-lists-it");

        // A seed organisation writes to withdraw: its id through the coordinators' API (the browser's session
        // cookie authenticates it), its page through a search of "Every signature".
        var listed = await SignaturesAsync(Page, "listed");
        var every = await SignaturesAsync(Page, null);
        var withdrawnId = listed.Single(s => s.GetProperty("organisation").GetString() == withdrawn).GetProperty("id").GetInt64();
        var withdrawnPath = $"{CoordinatorLetterPath}/signatures/{withdrawnId}";
        await Page.GotoAsync(CoordinatorLetterPath);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 2, Name = $"Every signature ({every.Count})", Exact = true })).ToBeVisibleAsync();
        // The list shows 50 at a time: the coordinator finds the organisation by searching its name.
        await Page.GetByLabel("Name contains").FillAsync("FAIR trials");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Expect(Page.Locator("table.signature-list tbody tr")).ToHaveCountAsync(1);
        await screenshots.SaveAsync("console-list-searched");
        var withdrawnLink = Page.Locator("table.signature-list").GetByRole(AriaRole.Link, new() { Name = withdrawn, Exact = true });
        await Expect(withdrawnLink).ToHaveAttributeAsync("href", withdrawnPath);
        await withdrawnLink.ClickAsync();

        await Expect(Page).ToHaveURLAsync(new Uri(app.BaseUrl, withdrawnPath).ToString());
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(withdrawn);
        await Expect(Page.Locator("#status")).ToHaveTextAsync("listed");
        await Page.GetByLabel(new Regex("^Reason for the withdrawal")).FillAsync(withdrawalReason);
        var date = Page.GetByLabel("Date of the withdrawal", new() { Exact = true });
        await Expect(date).ToHaveAttributeAsync("type", "date");
        await date.FillAsync("2026-05-03");
        await screenshots.SaveAsync("withdrawal-filled-in");

        // First a page that says what will be recorded; nothing is, until it is confirmed.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Record the withdrawal…", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Record the withdrawal of {withdrawn}?");
        await Expect(Page.Locator(".warning-panel dd").First).ToHaveTextAsync(withdrawalReason);
        await screenshots.SaveAsync("withdrawal-to-confirm");
        var recorded = await Page.RunAndWaitForResponseAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Yes, record the withdrawal", Exact = true }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.Contains($"/signatures/{withdrawnId}", StringComparison.Ordinal));
        await Page.WaitForLoadStateAsync(LoadState.Load);
        Assert.That(recorded.Status, Is.EqualTo(303), "a withdrawal is answered with 303 See Other");
        await Expect(Page).ToHaveURLAsync(new Uri(app.BaseUrl, withdrawnPath + "?done=withdrawn").ToString());
        await Expect(Page.Locator("#status")).ToHaveTextAsync("withdrawn");
        await Expect(Page.Locator("dt").Filter(new() { HasTextRegex = new Regex("^Withdrawn$") }).Locator("+ dd"))
            .ToHaveTextAsync($"2026-05-03: {withdrawalReason}");
        var withdrawal = HistoryRows(Page).Filter(new() { HasText = "withdrawn" });
        await Expect(withdrawal).ToHaveCountAsync(1);
        var withdrawalCells = withdrawal.GetByRole(AriaRole.Cell);
        await Expect(withdrawalCells).ToHaveTextAsync(["2026-05-03 00:00", coordinator.Name is { Length: > 0 } name ? $"{name} ({coordinator.Email})" : coordinator.Email, "status", "listed", "withdrawn", withdrawalReason]);
        await withdrawal.ScrollIntoViewIfNeededAsync();
        await screenshots.SaveAsync("withdrawn");

        // The public page no longer lists it, and counts one fewer.
        await Page.GotoAsync(LetterPath);
        await Expect(supporters.Locator("#signatory-count")).ToHaveTextAsync("130 organisations have signed this letter.");
        await Expect(supporters.Locator("ul.signatories > li")).ToHaveCountAsync(130);
        await Expect(supporters.Locator("ul.signatories > li").Filter(new() { HasText = withdrawn })).ToHaveCountAsync(0);
        await Expect(supporters.Locator("ul.signatories > li").Filter(new() { HasText = organisation })).ToHaveCountAsync(1);
        await screenshots.SaveAsync("public-letter-without-it");
        var publicList = await Page.APIRequest.GetAsync($"/api/petitions/{Slug}/signatories");
        Assert.That(publicList.Status, Is.EqualTo(200));
        var names = (await publicList.JsonAsync())!.Value.EnumerateArray().Select(s => s.GetProperty("organisation").GetString()).ToList();
        Assert.That(names, Does.Not.Contain(withdrawn).And.Contain(organisation).And.Count.EqualTo(130));

        // The coordinators hear of it, with the reason, the date of the organisation's letter and a link to the signatory.
        var notice = await WaitForMailAsync(coordinatorEmail, $"Withdrawal: {withdrawn} from {LetterTitle}");
        Assert.That(notice.Message.TextBody, Does.Contain(withdrawalReason)
            .And.Contain("3 May 2026")
            .And.Contain($"{app.BaseUrl}coordinators/petitions/{Slug}/signatures/{withdrawnId}"));
    }

    [Test]
    public async Task WithoutSigningInTheCoordinatorPagesAnswer401()
    {
        var context = await Browser.NewContextAsync(ContextOptions());
        try
        {
            var page = await context.NewPageAsync();
            var screenshots = new Screenshots(page);
            foreach (var path in new[] { "/coordinators", CoordinatorLetterPath })
            {
                var response = await page.GotoAsync(path);

                Assert.That(response, Is.Not.Null);
                Assert.Multiple(() =>
                {
                    Assert.That(response!.Status, Is.EqualTo(401), $"GET {path}");
                    Assert.That(response.Request.RedirectedFrom, Is.Null, $"GET {path} was redirected");
                    Assert.That(page.Url, Is.EqualTo(new Uri(app.BaseUrl, path).ToString()), $"GET {path} ended elsewhere");
                });
                await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in first");
                // The sign-in link brings the coordinator back to the page asked for.
                await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in as a coordinator", Exact = true }))
                    .ToHaveAttributeAsync("href", "/coordinators/sign-in?returnUrl=" + Uri.EscapeDataString(path));
                await Expect(page.GetByText(LetterTitle)).ToHaveCountAsync(0);
                await screenshots.SaveAsync($"401-{path}");
            }

            foreach (var path in new[] { $"{SignaturesApi}.csv", SignaturesApi })
            {
                var response = await context.APIRequest.GetAsync(path, new() { MaxRedirects = 0 });

                var body = await response.TextAsync();
                Assert.Multiple(() =>
                {
                    Assert.That(response.Status, Is.EqualTo(401), $"GET {path}");
                    Assert.That(response.Headers.ContainsKey("location"), Is.False, $"GET {path} redirects");
                    Assert.That(body, Does.Not.Contain("Fair Trials"), $"GET {path} leaked signatures");
                });
            }
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Test]
    public async Task TheLetterAndSignatoryPagesOfASignedInCoordinatorHaveNoSeriousAccessibilityViolations()
    {
        const string coordinatorEmail = "relectrice@petitions-navigateur.example.org";
        const string organisation = "Stichting Toegankelijk Recht";
        await AddCoordinatorAsync(coordinatorEmail, null);
        await SignOnAndConfirmAsync(
            organisation, "Utrecht", "NL", "Sanne de Vries", "Coördinator", "sanne@toegankelijk-recht.example.nl", "https://toegankelijk-recht.example.nl");
        await WaitForMailAsync(coordinatorEmail, $"To review: {organisation} signed {LetterTitle}");
        var screenshots = new Screenshots(Page);
        await SignInThroughTheEmailedLinkAsync(Page, screenshots, coordinatorEmail);

        // The letter with something in its queue, so the table and its buttons are checked too.
        await Page.GotoAsync(CoordinatorLetterPath);
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = $"Approve {organisation}", Exact = true })).ToBeVisibleAsync();
        await screenshots.SaveAsync("letter");
        await AssertNoSevereViolationsAsync(Page, "the coordinator's letter page");

        await Page.GetByRole(AriaRole.Link, new() { Name = organisation, Exact = true }).First.ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(organisation);
        await Expect(Page.Locator("#status")).ToHaveTextAsync("confirmed");
        await screenshots.SaveAsync("signatory");
        await AssertNoSevereViolationsAsync(Page, "the signatory page");
    }

    /// <summary>
    /// Asks for a link on the sign-in page, takes it from the email, opens it, presses Sign in, and
    /// arrives at "Your letters" with the session cookie set.
    /// </summary>
    private async Task SignInThroughTheEmailedLinkAsync(IPage page, Screenshots screenshots, string email)
    {
        var form = await page.GotoAsync("/coordinators/sign-in");
        Assert.That(form?.Status, Is.EqualTo(200));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in as a coordinator");
        await page.GetByLabel("Your email address", new() { Exact = true }).FillAsync(email);
        await screenshots.SaveAsync("sign-in-form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Email me a sign-in link", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("we have sent it a link to sign in");
        await screenshots.SaveAsync("link-sent");

        var mail = await WaitForMailAsync(email, "Sign in to Petitions");
        var body = mail.Message.TextBody;
        Assert.That(body, Is.Not.Null, "the sign-in email has a text body");
        var link = Regex.Match(body, $@"{Regex.Escape(app.BaseUrl.ToString())}coordinators/sign-in/[A-Za-z0-9_\-]+");
        Assert.That(link.Success, Is.True, $"no link to {app.BaseUrl}coordinators/sign-in/... in the email:\n{body}");

        // Opening the link signs no one in (mail scanners open links): its button does.
        var opened = await page.GotoAsync(link.Value);
        Assert.That(opened?.Status, Is.EqualTo(200));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in to Petitions");
        Assert.That(await page.Context.CookiesAsync(), Has.None.Matches<BrowserContextCookiesResult>(c => c.Name == "petitions.coordinator"));
        await screenshots.SaveAsync("sign-in-link");

        var signedIn = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url == link.Value);
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.That(signedIn.Status, Is.EqualTo(303), "signing in is answered with 303 See Other");
        await Expect(page).ToHaveURLAsync(new Uri(app.BaseUrl, "/coordinators").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Your letters");
        await Expect(page.Locator("main")).ToContainTextAsync("Signed in as");

        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "petitions.coordinator");
        Assert.Multiple(() =>
        {
            Assert.That(cookie.HttpOnly, Is.True, "the session cookie is HttpOnly");
            Assert.That(cookie.SameSite, Is.EqualTo(SameSiteAttribute.Strict), "the session cookie is SameSite=Strict");
        });
        await screenshots.SaveAsync("your-letters");

        // The link worked once.
        var reused = await page.APIRequest.GetAsync(link.Value);
        Assert.That(reused.Status, Is.EqualTo(404), "a used sign-in link still answers");
    }

    private async Task<Coordinator> AddCoordinatorAsync(string email, string? name)
    {
        (var coordinator, apiToken) = await app.Services.GetRequiredService<CoordinatorStore>().AddAsync(email, name, []);
        return coordinator;
    }

    /// <summary>Signs the letter through the public JSON API and confirms with the token from the email, as a signatory's own client would.</summary>
    private async Task SignOnAndConfirmAsync(
        string organisation, string city, string country, string contactName, string contactRole, string contactEmail, string website)
    {
        var api = await Playwright.APIRequest.NewContextAsync(new() { BaseURL = app.BaseUrl.ToString() });
        try
        {
            var signed = await api.PostAsync($"/api/petitions/{Slug}/signatures", new()
            {
                DataObject = new
                {
                    organisation,
                    city,
                    country,
                    contactName,
                    contactRole,
                    contactEmail,
                    website,
                    comment = "Signed in the browser tests of the coordinators.",
                    consent = true,
                },
            });
            Assert.That(signed.Status, Is.EqualTo(202), await signed.TextAsync());

            var mail = await WaitForMailAsync(contactEmail, $"Confirm your signature: {LetterTitle}");
            var token = ConfirmationLink().Match(mail.Message.TextBody ?? "");
            Assert.That(token.Success, Is.True, $"no confirmation link in the email:\n{mail.Message.TextBody}");

            var confirmed = await api.PostAsync("/api/confirmations", new() { DataObject = new { token = token.Groups["token"].Value } });
            Assert.That(confirmed.Status, Is.EqualTo(200), await confirmed.TextAsync());
            var status = (await confirmed.JsonAsync())!.Value.GetProperty("status").GetString();
            Assert.That(status, Is.EqualTo("confirmed"), "a confirmed sign-on on a letter that requires review waits for it");
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    /// <summary>The coordinators' JSON list of signatures, through the page's context and so its session cookie.</summary>
    // The JSON API takes the coordinator's bearer token, never the browser's session cookie.
    private async Task<List<JsonElement>> SignaturesAsync(IPage page, string? status)
    {
        var path = status is null ? SignaturesApi : $"{SignaturesApi}?status={status}";
        var response = await page.APIRequest.GetAsync(path, new() { Headers = new Dictionary<string, string> { ["Authorization"] = $"Bearer {apiToken}" } });
        Assert.That(response.Status, Is.EqualTo(200), $"GET {path}");
        return (await response.JsonAsync())!.Value.EnumerateArray().ToList();
    }

    private static ILocator HistoryRows(IPage page) =>
        page.Locator("h2:text-is('History') + .table-scroll table").Locator("tbody").GetByRole(AriaRole.Row);

    private static async Task AssertNoSevereViolationsAsync(IPage page, string where)
    {
        var result = await page.RunAxe();
        if (result.Violations.Length > 0)
        {
            // Minor and moderate findings do not fail the test, but stay visible in its output.
            await TestContext.Out.WriteLineAsync(AxeReport.Describe(where, result.Violations));
        }

        Assert.That(result.Passes, Is.Not.Empty, $"axe passed no rule at all on {where}");
        var severe = result.Violations.Where(AxeReport.IsSevere).ToList();
        Assert.That(severe.Select(v => v.Id), Is.Empty, () => AxeReport.Describe(where, severe));
    }

    /// <summary>Waits for the first message to <paramref name="address"/> with that subject, whatever else the server received.</summary>
    private async Task<ReceivedMail> WaitForMailAsync(string address, string subject)
    {
        var deadline = DateTime.UtcNow + MailTimeout;
        while (true)
        {
            var mail = smtp.Messages.FirstOrDefault(m =>
                m.Recipients.Contains(address, StringComparer.OrdinalIgnoreCase) && m.Message.Subject == subject);
            if (mail is not null)
            {
                return mail;
            }

            if (DateTime.UtcNow > deadline)
            {
                var subjects = string.Join("\n", smtp.Messages.Select(m => $"  {string.Join(", ", m.Recipients)}: {m.Message.Subject}"));
                throw new TimeoutException(
                    $"No message \"{subject}\" to {address} reached the test SMTP server within {MailTimeout}. It received:\n{subjects}\nServer log:\n{smtp.Log}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    [GeneratedRegex(@"/confirm/(?<token>[A-Za-z0-9_\-]+)")]
    private static partial Regex ConfirmationLink();
}
