using Microsoft.Extensions.DependencyInjection;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>A sign-on is cleaned once where it comes in; the validator and the writer take it as it is.</summary>
public class CleanOnceTests
{
    private static SignRequest Valid() => new()
    {
        Organisation = "  Stichting\u200B  Schoon ", City = "Utrecht", Country = "nl", ContactName = "Anna de Vries", ContactRole = "Director",
        ContactEmail = " anna@schoon.example.org ", Comment = "Line one\r\n\r\n\r\nLine two", Consent = true,
    };

    [Test]
    public void CleaningACleanedRequestGivesItBackAsItIs()
    {
        var cleaned = Valid().Cleaned();

        Assert.That(cleaned.Cleaned(), Is.SameAs(cleaned));
        Assert.That(cleaned.Organisation, Is.EqualTo("Stichting Schoon"));
        Assert.That(cleaned.Country, Is.EqualTo("NL"));
        Assert.That(cleaned.Comment, Is.EqualTo("Line one\n\nLine two"));
    }

    // Cleaning drops bidi overrides and turns tabs into spaces: judged on the cleaned text alone they would pass unseen.
    [TestCase("Organisation", "Stichting\u202E Schoon", "text-direction overrides")]
    [TestCase("ContactName", "Anna\tde Vries", "control characters")]
    [TestCase("City", "Utr\u2066echt", "text-direction overrides")]
    [TestCase("Website", "https://schoon.example.org/\n", "control characters")]
    public void ACleanedRequestIsStillRefusedWhatCleaningTookOut(string field, string value, string message)
    {
        var request = Valid();
        request = field switch
        {
            "Organisation" => request with { Organisation = value },
            "ContactName" => request with { ContactName = value },
            "City" => request with { City = value },
            _ => request with { Website = value },
        };

        var result = new SignRequestValidator().Validate(request.Cleaned());

        Assert.That(result.Errors.Select(e => (e.PropertyName, Mentions: e.ErrorMessage.Contains(message, StringComparison.Ordinal))),
            Is.EqualTo(new[] { (field, true) }));
    }

    [Test]
    public void AValidCleanedRequestPassesTheSignOnAndTheImportRules()
    {
        Assert.That(new SignRequestValidator().Validate(Valid().Cleaned()).IsValid, Is.True);
        Assert.That(SignRequestValidator.ForImport.Validate(new SignRequest { Organisation = " Stichting  Schoon" }.Cleaned()).IsValid, Is.True);
    }

    [Test]
    public void TheValidatorRefusesToJudgeARequestThatWasNotCleaned()
    {
        Assert.That(() => new SignRequestValidator().Validate(Valid()), Throws.ArgumentException);
    }

    [Test]
    public async Task SignOnRefusesARequestThatWasNotCleanedAndStoresNothing()
    {
        using var app = new PetitionsApp();
        app.CreateClient().Dispose();
        var letter = await app.Services.GetRequiredService<global::Petitions.Petitions.PetitionStore>().FindAsync("iap-2017");
        var before = await SignOnClient.CountsAsync(app);
        var signOn = app.Services.GetRequiredService<SignOn>();

        Assert.That(async () => await signOn.SignAsync(letter!, Valid(), "api"), Throws.ArgumentException);
        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before));
        Assert.That(await signOn.SignAsync(letter!, Valid().Cleaned(), "api"), Is.EqualTo(SignOnOutcome.Accepted));
    }
}
