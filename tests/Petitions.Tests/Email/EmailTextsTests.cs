using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Petitions.Email;
using Petitions.Tests.Support;

namespace Petitions.Tests.Email;

/// <summary>What every email looks like: the coalition's name, a button and its plain link, nothing a signatory wrote left unencoded.</summary>
public partial class EmailTextsTests
{
    private static readonly EmailBrand Coalition = new("Coalition <b>for</b> Justice", "info@coalition.example.org");

    [Test]
    public void EveryEmailNamesTheCoalitionAndItsAddress()
    {
        var email = Emails.Confirm(Coalition, "en", "a@b.example.org", "The letter", "An Organisation", "https://petitions.example.org/confirm/abc");

        Assert.That(email.Text, Does.Contain("-- \nCoalition <b>for</b> Justice\n").And.Contain("info@coalition.example.org"));
        Assert.That(email.Html, Does.Contain("Coalition &lt;b&gt;for&lt;/b&gt; Justice").And.Not.Contain("<b>for</b>"));
        Assert.That(email.Html, Does.Contain("<a href=\"mailto:info@coalition.example.org\""));
    }

    [Test]
    public void TheMainLinkIsAButtonInHtmlAndALineOfItsOwnInText()
    {
        const string link = "https://petitions.example.org/confirm/abc?x=1&y=2";
        var email = Emails.Confirm(Coalition, "en", "a@b.example.org", "The letter", "An Organisation", link);

        Assert.That(email.Text, Does.Contain("\n" + link + "\n"));
        Assert.That(email.Html, Does.Match("<a href=\"https://petitions.example.org/confirm/abc\\?x=1&amp;y=2\" style=\"display: inline-block;[^\"]*\">Confirm the signature</a>"));
    }

    [Test]
    public void EveryLinkInTheHtmlIsAnAnchorTheWithdrawLinkToo()
    {
        var email = Emails.Listed(Coalition, "en", "a@b.example.org", "The letter", "An Organisation",
            "https://petitions.example.org/petitions/l", "https://petitions.example.org/withdraw/tok");

        var withoutAnchors = Anchor().Replace(email.Html, "");
        Assert.That(Regex.Matches(withoutAnchors, "https?://").Select(m => m.Value), Is.Empty, "no address outside an <a href>");
        Assert.That(email.Html, Does.Contain("<a href=\"https://petitions.example.org/withdraw/tok\""));
        Assert.That(email.Text, Does.Contain("https://petitions.example.org/withdraw/tok"));
    }

    [TestCase("<script>alert(1)</script> Org")]
    [TestCase("Org \" onmouseover=\"x")]
    [TestCase("Org\u202Egnp.exe")]
    [TestCase("Org\r\nBcc: victim@example.org")]
    public void AHostileNameIsEncodedAndDefused(string name)
    {
        var email = Emails.NewForReview(Coalition, "en", "c@coalition.example.org", "The <i>letter</i>", name, ["no city given"],
            "https://petitions.example.org/coordinators/petitions/l/signatures/5");

        Assert.That(email.Html, Does.Not.Contain("<script").And.Not.Contain("<i>").And.Not.Contain("\" onmouseover"));
        // A char, not a string: culture-aware string search ignores the override and finds it everywhere.
        Assert.That((email.Html + email.Text + email.Subject).Contains('\u202E', StringComparison.Ordinal), Is.False);
        Assert.That(email.Subject, Does.Not.Contain("\n").And.Not.Contain("\r"));
    }

    [Test]
    public void ARightToLeftNameIsIsolated()
    {
        var email = Emails.Review(Coalition, "en", "a@b.example.org", "The letter", "جمعية العدالة");

        Assert.That(email.Html, Does.Contain("<bdi>جمعية العدالة</bdi>"));
    }

    [Test]
    public void TheReviewAlertLinksToTheSignatoryAndSaysWhy()
    {
        var reasons = global::Petitions.Signatures.SignatureFlags.WhyItWaits("domain-verified domain-mismatch no-city");
        var email = Emails.NewForReview(Coalition, "en", "c@coalition.example.org", "The letter", "An Organisation", reasons,
            "https://petitions.example.org/coordinators/petitions/l/signatures/5");

        Assert.That(reasons, Is.EqualTo(new[] { "the email's domain does not match the website", "no city given" }));
        Assert.That(email.Text, Does.Contain("Why it waits: the email's domain does not match the website; no city given."));
        Assert.That(email.Text, Does.Contain("https://petitions.example.org/coordinators/petitions/l/signatures/5"));
        Assert.That(email.Html, Does.Contain("<a href=\"https://petitions.example.org/coordinators/petitions/l/signatures/5\""));
        Assert.That(global::Petitions.Signatures.SignatureFlags.WhyItWaits(""), Is.EqualTo(new[] { "every sign-on on this letter is reviewed" }));
    }

    [Test]
    public async Task TheDefaultSenderIsWarnedAboutInProduction()
    {
        using var logs = new CapturedLogs();
        using (var app = new PetitionsApp(services: s => s.AddSingleton<ILoggerProvider>(logs), environment: "Production"))
        {
            app.CreateClient().Dispose();
            await WaitForAsync(() => logs.Lines.Any(l => l.Contains("Mail:From", StringComparison.Ordinal)));
        }

        Assert.That(logs.Lines.Where(l => l.Contains("Mail:From", StringComparison.Ordinal)).ToList(),
            Has.Count.EqualTo(1).And.All.StartWith("Warning").And.All.Contain("petitions@localhost"));
    }

    [Test]
    public async Task AConfiguredSenderOrAnotherEnvironmentIsNotWarnedAbout()
    {
        using var logs = new CapturedLogs();
        using (var app = new PetitionsApp(
            settings: new Dictionary<string, string?> { ["Mail:From"] = "Coalition <letters@coalition.example.org>" },
            services: s => s.AddSingleton<ILoggerProvider>(logs), environment: "Production"))
        {
            app.CreateClient().Dispose();
        }

        using (var app = new PetitionsApp(services: s => s.AddSingleton<ILoggerProvider>(logs)))
        {
            app.CreateClient().Dispose();
        }

        Assert.That(logs.Lines.Where(l => l.Contains("Mail:From", StringComparison.Ordinal)), Is.Empty);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    [GeneratedRegex("<a href=\"[^\"]*\"[^>]*>[^<]*</a>")]
    private static partial Regex Anchor();
}
