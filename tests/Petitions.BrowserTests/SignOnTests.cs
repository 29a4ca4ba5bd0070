using System.Text.Json;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;
using Petitions.BrowserTests.Support;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.BrowserTests;

/// <summary>
/// Signing the seed letter as a person does, in Chromium: the form on the letter page, its errors,
/// the confirmation email through a real SMTP server, the link in it, and the list afterwards.
/// </summary>
/// <remarks>
/// One app and one SMTP server serve every test here. Each test signs for an organisation and an
/// address of its own and reads only the mail sent to that address; only the first test confirms a
/// signature, so the list stays at its 130 seed organisations until it does.
/// </remarks>
[TestFixture]
public sealed class SignOnTests : PageTest
{
    private const string Slug = "iap-2017";
    private const string LetterPath = "/petitions/" + Slug;
    private const string LetterTitle = "Petition to the International Association of Prosecutors";
    private const string SignatoriesApi = "/api/petitions/" + Slug + "/signatories";

    /// <summary>The dispatcher polls the outbox every second; this leaves room for a slow machine.</summary>
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(30);

    private SmtpServer smtp = null!;
    private LiveApp app = null!;

    [OneTimeSetUp]
    public async Task StartSmtpAndApp()
    {
        smtp = await SmtpServer.StartNewAsync();
        app = new LiveApp(smtp.AppSettings(("RateLimiting:SignOnsPerMinutePerIp", "0"))).Start();
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
    public async Task APersonSignsConfirmsFromTheEmailAndSeesTheOrganisationListed()
    {
        const string organisation = "Fundação Teste Navegador";
        const string city = "Lisboa";
        const string contactName = "Inês Conceição";
        const string contactRole = "Directora executiva";
        const string email = "ines.conceicao@fundacao-teste.example.org";
        const string website = "https://fundacao-teste.example.org";
        const string comment = "Assinamos com gosto.\nObrigada pelo trabalho.";
        var screenshots = new Screenshots(Page);

        await Page.GotoAsync(LetterPath);
        var supporters = Page.GetByRole(AriaRole.Region, new() { Name = "Supporting organisations" });
        await Expect(supporters.Locator("#signatory-count")).ToHaveTextAsync("130 organisations have signed this letter.");
        var form = new SignForm(Page);
        await Expect(form.Region).ToBeVisibleAsync();

        // Everything right but the email address.
        await form.Organisation.FillAsync(organisation);
        await form.City.FillAsync(city);
        await form.Country.SelectOptionAsync(new SelectOptionValue { Label = "Portugal" });
        await form.ContactName.FillAsync(contactName);
        await form.ContactRole.FillAsync(contactRole);
        await form.ContactEmail.FillAsync("not-an-email");
        await form.Website.FillAsync(website);
        await form.Comment.FillAsync(comment);
        await form.Consent.CheckAsync();

        var rejected = await form.SubmitAsync();

        Assert.That(rejected.Status, Is.EqualTo(400), "an invalid sign-on is answered with 400");
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(LetterPath)}/sign$"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(LetterTitle);

        // The message by the email field, tied to it, and that field alone marked wrong.
        var emailError = Page.Locator("#contactEmail-error");
        await Expect(emailError).ToBeVisibleAsync();
        await Expect(emailError).ToContainTextAsync("email address");
        var emailErrorText = (await emailError.InnerTextAsync()).Trim();
        await Expect(form.ContactEmail).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(form.ContactEmail).ToHaveAccessibleDescriptionAsync(new Regex(Regex.Escape(emailErrorText)));
        await Expect(form.Region.Locator(".field-error")).ToHaveCountAsync(1);
        await Expect(form.Region.Locator("[aria-invalid=true]")).ToHaveCountAsync(1);

        // The summary at the top of the form names the field and links to it.
        var summary = form.Region.GetByRole(AriaRole.Alert);
        await Expect(summary).ToBeVisibleAsync();
        await Expect(summary.GetByRole(AriaRole.Heading, new() { Name = "Please correct the following" })).ToBeVisibleAsync();
        await Expect(summary.GetByRole(AriaRole.Link)).ToHaveCountAsync(1);
        var summaryLink = summary.GetByRole(AriaRole.Link, new() { Name = $"Your email address: {emailErrorText}", Exact = true });
        await Expect(summaryLink).ToHaveAttributeAsync("href", "#contactEmail");

        // What was typed is all still there, the wrong address included, so only it needs fixing.
        await Expect(form.Organisation).ToHaveValueAsync(organisation);
        await Expect(form.City).ToHaveValueAsync(city);
        await Expect(form.Country).ToHaveValueAsync("PT");
        await Expect(form.Country.Locator("option:checked")).ToHaveTextAsync("Portugal");
        await Expect(form.ContactName).ToHaveValueAsync(contactName);
        await Expect(form.ContactRole).ToHaveValueAsync(contactRole);
        await Expect(form.ContactEmail).ToHaveValueAsync("not-an-email");
        await Expect(form.Website).ToHaveValueAsync(website);
        await Expect(form.Comment).ToHaveValueAsync(comment);
        await Expect(form.Consent).ToBeCheckedAsync();
        await screenshots.SaveAsync("email-error");

        // Nothing was stored for the rejected attempt. (That nothing was sent can only be told once the
        // dispatcher has run past it: checked below, after the next email.)
        Assert.That(await CountAsync("SELECT count(*) FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = $name", ("$name", organisation)), Is.Zero);
        Assert.That(await CountAsync("SELECT count(*) FROM outbox WHERE to_address = 'not-an-email'"), Is.Zero);

        await form.ContactEmail.FillAsync(email);
        await form.Consent.CheckAsync();
        var accepted = await form.SubmitAsync();

        Assert.That(accepted.Status, Is.EqualTo(303), "a valid sign-on is answered with 303 See Other");
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(LetterPath)}/check-email$"));
        await Expect(Page).ToHaveTitleAsync("Check your email · Petitions");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Check your email");
        await screenshots.SaveAsync("check-your-email");

        // The email, as MimeKit decodes it: to the person, about the letter and the organisation, with the link.
        var mail = await WaitForMailToAsync(email);
        Assert.That(mail.Message.Subject, Is.EqualTo($"Confirm your signature: {LetterTitle}"));
        // The dispatcher has now sent an email queued after the rejected attempt, and the outbox holds
        // nothing more to send: only now does "no email to the wrong address" mean something.
        await WaitForOutboxDrainedAsync();
        Assert.That(MailTo("not-an-email"), Is.Empty, "nothing was sent for the rejected attempt");
        Assert.That(await CountAsync("SELECT count(*) FROM outbox WHERE to_address = 'not-an-email'"), Is.Zero);
        var body = mail.Message.TextBody;
        Assert.That(body, Is.Not.Null, "the confirmation email has a text body");
        Assert.That(body, Does.Contain($"on behalf of {organisation}"), "the organisation's name, accents and all, reaches the email");
        var link = Regex.Match(body, $@"{Regex.Escape(app.BaseUrl.ToString())}confirm/[A-Za-z0-9_\-]+");
        Assert.That(link.Success, Is.True, $"no confirmation link to {app.BaseUrl}confirm/... in the email:\n{body}");

        var confirmPage = await Page.GotoAsync(link.Value);
        Assert.That(confirmPage?.Status, Is.EqualTo(200));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Confirm your signature");
        await Expect(Page.Locator("main strong")).ToHaveTextAsync(LetterTitle);
        var confirmButton = Page.GetByRole(AriaRole.Button, new() { Name = "Confirm the signature" });
        await Expect(confirmButton).ToBeVisibleAsync();

        // Opening the link changed nothing: the organisation is not listed, in the JSON nor on the letter.
        Assert.That(await ListedOrganisationsAsync(), Does.Not.Contain(organisation));
        var letterTab = await Context.NewPageAsync();
        await letterTab.GotoAsync(LetterPath);
        await Expect(letterTab.Locator("#signatory-count")).ToHaveTextAsync("130 organisations have signed this letter.");
        await Expect(letterTab.Locator("ul.signatories > li").Filter(new() { HasText = organisation })).ToHaveCountAsync(0);
        await letterTab.CloseAsync();
        await screenshots.SaveAsync("confirm-page");

        await confirmButton.ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Thank you: the signature is confirmed");
        await Expect(Page.GetByText($"Your organisation is now listed among the supporters of \"{LetterTitle}\".")).ToBeVisibleAsync();
        await screenshots.SaveAsync("thank-you");

        await Page.GetByRole(AriaRole.Link, new() { Name = "See the letter" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Uri(app.BaseUrl, LetterPath).ToString());

        await Expect(supporters.Locator("#signatory-count")).ToHaveTextAsync("131 organisations have signed this letter.");
        await Expect(supporters.Locator("ul.signatories > li")).ToHaveCountAsync(131);
        var line = supporters.Locator("ul.signatories > li").Filter(new() { HasText = organisation });
        await Expect(line).ToHaveTextAsync($"{organisation}, {city}");
        await line.ScrollIntoViewIfNeededAsync();
        await screenshots.SaveAsync("letter-with-the-organisation");

        // The public JSON agrees, and carries no contact data.
        var listed = await SignatoriesAsync();
        var entry = listed.Single(s => s.GetProperty("organisation").GetString() == organisation);
        Assert.Multiple(() =>
        {
            Assert.That(listed, Has.Count.EqualTo(131));
            Assert.That(entry.GetProperty("city").GetString(), Is.EqualTo(city));
            Assert.That(entry.GetProperty("country").GetString(), Is.EqualTo("PT"));
            Assert.That(entry.GetRawText(), Does.Not.Contain(email).And.Not.Contain(contactName));
        });

        // The link works once.
        var reused = await Page.GotoAsync(link.Value);
        Assert.That(reused?.Status, Is.EqualTo(404));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This link is not valid");
    }

    [Test]
    public async Task TheFormInItsErrorStateHasNoSeriousAccessibilityViolations()
    {
        var screenshots = new Screenshots(Page);
        await Page.GotoAsync(LetterPath);
        var form = new SignForm(Page);

        var rejected = await form.SubmitAsync();

        Assert.That(rejected.Status, Is.EqualTo(400));
        await Expect(form.Region.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        // The empty form misses every required field; the optional ones are not marked.
        string[] wrong = ["organisation", "country", "contactName", "contactRole", "contactEmail", "consent"];
        await Expect(form.Region.Locator(".field-error")).ToHaveCountAsync(wrong.Length);
        await Expect(form.Region.GetByRole(AriaRole.Alert).GetByRole(AriaRole.Link)).ToHaveCountAsync(wrong.Length);
        foreach (var field in wrong)
        {
            var input = form.Region.Locator($"#{field}");
            var error = form.Region.Locator($"#{field}-error");
            await Expect(error).ToBeVisibleAsync();
            var message = (await error.InnerTextAsync()).Trim();
            Assert.That(message, Is.Not.Empty, $"the error of {field} says nothing");
            await Expect(input).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(input).ToHaveAccessibleDescriptionAsync(new Regex(Regex.Escape(message)));
            await Expect(form.Region.GetByRole(AriaRole.Alert).Locator($"a[href='#{field}']")).ToContainTextAsync(message);
        }

        await screenshots.SaveAsync("error-state");

        var result = await Page.RunAxe();

        if (result.Violations.Length > 0)
        {
            // Minor and moderate findings do not fail the test, but stay visible in its output.
            await TestContext.Out.WriteLineAsync(AxeReport.Describe("the letter page with the form in its error state", result.Violations));
        }

        Assert.That(result.Passes, Is.Not.Empty, "axe passed no rule at all");
        var severe = result.Violations.Where(AxeReport.IsSevere).ToList();
        Assert.That(severe.Select(v => v.Id), Is.Empty, () => AxeReport.Describe("the letter page with the form in its error state", severe));

        // Every field a person sees has a label they see too (not only a placeholder or an aria-label).
        var fields = form.Region.Locator("form").Locator("input, select, textarea");
        var unlabelled = new List<string>();
        var visible = 0;
        foreach (var field in await fields.AllAsync())
        {
            if (!await field.IsVisibleAsync())
            {
                continue;
            }

            visible++;
            var labels = await field.EvaluateAsync<string[]>("""
                element => Array.from(element.labels ?? [])
                    .filter(label => label.checkVisibility({ visibilityProperty: true, opacityProperty: true })
                        && label.getBoundingClientRect().width > 0 && label.getBoundingClientRect().height > 0
                        && label.textContent.trim() !== '')
                    .map(label => label.textContent.trim())
                """);
            if (labels.Length == 0)
            {
                unlabelled.Add(await field.EvaluateAsync<string>("element => element.outerHTML"));
            }
        }

        Assert.That(visible, Is.GreaterThanOrEqualTo(9), "the form's nine fields (eight and the consent box) were not found");
        Assert.That(unlabelled, Is.Empty, "fields without a visible <label>");
    }

    [Test]
    public async Task TheFormWorksWithoutJavaScript()
    {
        const string email = "sekretariat@sans-script.example.ch";
        var options = ContextOptions();
        options.JavaScriptEnabled = false;
        var context = await Browser.NewContextAsync(options);
        try
        {
            var page = await context.NewPageAsync();
            var screenshots = new Screenshots(page);
            await page.GotoAsync(LetterPath);

            // Proof that scripts really are off in this browser context.
            await page.SetContentAsync("<p id=probe>off</p><script>document.getElementById('probe').textContent = 'on';</script>");
            await Expect(page.Locator("#probe")).ToHaveTextAsync("off");
            await page.GotoAsync(LetterPath);

            var form = new SignForm(page);
            await form.Organisation.FillAsync("Association Sans Script Navigateur");
            await form.City.FillAsync("Genève");
            await form.Country.SelectOptionAsync(new SelectOptionValue { Label = "Switzerland" });
            await form.ContactName.FillAsync("Zoé Müller");
            await form.ContactRole.FillAsync("Secrétaire générale");
            await form.ContactEmail.FillAsync(email);
            await form.Website.FillAsync("https://sans-script.example.ch");
            await form.Consent.CheckAsync();
            await screenshots.SaveAsync("filled-in");

            var accepted = await form.SubmitAsync();

            Assert.That(accepted.Status, Is.EqualTo(303));
            await Expect(page).ToHaveURLAsync(new Regex($"{Regex.Escape(LetterPath)}/check-email$"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Check your email");
            await screenshots.SaveAsync("check-your-email");

            var mail = await WaitForMailToAsync(email);
            Assert.That(mail.Message.TextBody, Does.Contain("on behalf of Association Sans Script Navigateur"));
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    /// <summary>Waits for the first message to <paramref name="address"/>, whatever else the server received.</summary>
    private async Task<ReceivedMail> WaitForMailToAsync(string address)
    {
        var deadline = DateTime.UtcNow + MailTimeout;
        while (true)
        {
            if (MailTo(address).FirstOrDefault() is { } mail)
            {
                return mail;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"No message to {address} reached the test SMTP server within {MailTimeout}; it received {smtp.Messages.Count} in all. Server log:\n{smtp.Log}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Waits until the outbox holds nothing still to send (every email queued so far went out or failed for good).</summary>
    private async Task WaitForOutboxDrainedAsync()
    {
        var deadline = DateTime.UtcNow + MailTimeout;
        while (await CountAsync("SELECT count(*) FROM outbox WHERE status = 'pending'") > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The outbox did not drain within {MailTimeout}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private async Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={app.DatabasePath};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    private List<ReceivedMail> MailTo(string address) =>
        smtp.Messages.Where(m => m.Recipients.Contains(address, StringComparer.OrdinalIgnoreCase)).ToList();

    private async Task<List<JsonElement>> SignatoriesAsync()
    {
        var response = await Page.APIRequest.GetAsync(SignatoriesApi);
        Assert.That(response.Status, Is.EqualTo(200), $"GET {SignatoriesApi}");
        var json = await response.JsonAsync();
        return json!.Value.EnumerateArray().ToList();
    }

    private async Task<List<string?>> ListedOrganisationsAsync() =>
        (await SignatoriesAsync()).Select(s => s.GetProperty("organisation").GetString()).ToList();

    /// <summary>The sign-on form of the letter page, its fields found by their labels as a person finds them.</summary>
    [TestCase(1280, 800, TestName = "An_invalid_sign_on_lands_the_reader_on_the_focused_error_summary_at_1280px")]
    [TestCase(390, 844, TestName = "An_invalid_sign_on_lands_the_reader_on_the_focused_error_summary_at_390px")]
    public async Task An_invalid_sign_on_lands_the_reader_on_the_focused_error_summary(int width, int height)
    {
        await Page.SetViewportSizeAsync(width, height);
        var screenshots = new Screenshots(Page);
        await Page.GotoAsync(LetterPath);
        var form = new SignForm(Page);
        await form.Organisation.FillAsync("Landing Test Foundation");
        await form.ContactEmail.FillAsync("not-an-email");

        var rejected = await form.SubmitAsync();

        Assert.That(rejected.Status, Is.EqualTo(400));
        var summary = Page.Locator("#error-summary");
        // In view without scrolling, and focused, so a screen reader starts there too.
        await Expect(summary).ToBeInViewportAsync();
        await Expect(summary).ToBeFocusedAsync();
        await Expect(summary.GetByRole(AriaRole.Link).First).ToBeInViewportAsync();
        await screenshots.SaveAsync($"error-summary-{width}px");

        // Its first link moves to the field named.
        await summary.GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(Page.Locator(":focus")).ToHaveAttributeAsync("aria-invalid", "true");
    }

    private sealed class SignForm(IPage page)
    {
        public ILocator Region { get; } = page.GetByRole(AriaRole.Region, new() { Name = "Sign this letter on behalf of your organisation" });

        // Labels carry hints ("City Where the organisation is based, ..."), so they are matched by their start.
        public ILocator Organisation => Region.GetByLabel("Organisation", new() { Exact = true });

        public ILocator City => Region.GetByLabel(new Regex(@"^City\b"));

        public ILocator Country => Region.GetByLabel("Country", new() { Exact = true });

        public ILocator ContactName => Region.GetByLabel(new Regex(@"^Your name\b"));

        public ILocator ContactRole => Region.GetByLabel(new Regex(@"^Your role in the organisation\b"));

        public ILocator ContactEmail => Region.GetByLabel(new Regex(@"^Your email address\b"));

        public ILocator Website => Region.GetByLabel(new Regex(@"^The organisation's website\b"));

        public ILocator Comment => Region.GetByLabel(new Regex(@"^Comment \(optional\)"));

        public ILocator Consent => Region.GetByLabel(SignOn.ConsentText, new() { Exact = true });

        public ILocator SignButton => Region.GetByRole(AriaRole.Button, new() { Name = "Sign the letter", Exact = true });

        /// <summary>Presses the button and returns the answer to the form's POST (before any redirect is followed).</summary>
        public async Task<IResponse> SubmitAsync()
        {
            var response = await page.RunAndWaitForResponseAsync(
                () => SignButton.ClickAsync(),
                r => r.Request.Method == "POST" && r.Url.EndsWith($"{LetterPath}/sign", StringComparison.Ordinal));
            await page.WaitForLoadStateAsync(LoadState.Load);
            return response;
        }
    }
}
