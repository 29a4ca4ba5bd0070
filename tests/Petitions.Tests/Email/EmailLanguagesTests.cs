using Petitions.Email;
using Petitions.Tests.Web;

namespace Petitions.Tests.Email;

/// <summary>Every kind of email in French and Arabic: subject, text and HTML without the English of the email texts.</summary>
public sealed class EmailLanguagesTests
{
    private static readonly EmailBrand Coalition = new("Coalition for Justice", "info@coalition.example.org");
    private static readonly DateTimeOffset At = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private const string Letter = "Lettre ouverte";
    private const string Organisation = "Stichting Testorganisatie";

    public static IEnumerable<TestCaseData> EveryKind()
    {
        foreach (var language in new[] { "fr", "ar" })
        {
            IEnumerable<(string Kind, OutgoingEmail Email)> emails =
            [
                (Emails.ConfirmSignOn, Emails.Confirm(Coalition, language, "a@b.example.org", Letter, Organisation, "https://p.example.org/confirm/t")),
                (Emails.AlreadySigned, Emails.Repeat(Coalition, language, "a@b.example.org", Letter, Organisation, "https://p.example.org/petitions/l")),
                (Emails.ConfirmContact, Emails.Contact(Coalition, language, "a@b.example.org", Letter, Organisation, "https://p.example.org/confirm/t")),
                (Emails.NowListed, Emails.Listed(Coalition, language, "a@b.example.org", Letter, Organisation, "https://p.example.org/petitions/l", "https://p.example.org/withdraw/t")),
                (Emails.NowListed + " (name withheld)", Emails.Listed(Coalition, language, "a@b.example.org", Letter, "www.evil.example", "https://p.example.org/petitions/l", null)),
                (Emails.AwaitingReview, Emails.Review(Coalition, language, "a@b.example.org", Letter, Organisation)),
                (Emails.ReviewAlert, Emails.NewForReview(Coalition, language, "c@b.example.org", Letter, Organisation, ["no city given", "the email's domain does not match the website"], "https://p.example.org/s/1")),
                (Emails.ReviewDigest, Emails.ReviewDigestFor(Coalition, language, "c@b.example.org", Letter,
                    Enumerable.Range(1, Emails.DigestItems + 3).Select(i => new ReviewItem($"Org {i}", ["no city given"], $"https://p.example.org/s/{i}")).ToList(), 5, "https://p.example.org/q")),
                (Emails.ReviewDigest + " (one)", Emails.ReviewDigestFor(Coalition, language, "c@b.example.org", Letter,
                    [new ReviewItem("Org", ["its name looks like a web address"], "https://p.example.org/s/1")], 1, "https://p.example.org/q")),
                (Emails.WithdrawalReceipt, Emails.Withdrawn(Coalition, language, "a@b.example.org", Letter, Organisation, "We merged", At)),
                (Emails.WithdrawalReceipt + " (no reason)", Emails.Withdrawn(Coalition, language, "a@b.example.org", Letter, Organisation, null, At)),
                (Emails.WithdrawalAlert, Emails.WithdrawalNotice(Coalition, language, "c@b.example.org", Letter, "www.evil.example", "https://x.example", At, "https://p.example.org/s/1")),
                (Emails.CoordinatorSignIn, Emails.SignIn(Coalition, language, "c@b.example.org", "https://p.example.org/coordinators/sign-in/t")),
            ];
            foreach (var (kind, email) in emails)
            {
                yield return new TestCaseData(language, email).SetArgDisplayNames(language, kind);
            }
        }
    }

    [TestCaseSource(nameof(EveryKind))]
    public void AnEmailShowsNoEnglishInFrenchOrArabic(string language, OutgoingEmail email)
    {
        var direction = language == "ar" ? "rtl" : "ltr";
        Assert.That(email.Html, Does.Contain($"<html lang=\"{language}\" dir=\"{direction}\">"));

        var (_, html) = Localised.Visible(email.Html);
        Assert.That(Localised.EnglishIn(html, language, "Petitions.Resources.EmailTexts"), Is.Empty, html);
        Assert.That(Localised.EnglishIn(email.Text, language, "Petitions.Resources.EmailTexts"), Is.Empty, email.Text);
        Assert.That(Localised.EnglishIn(email.Subject, language, "Petitions.Resources.EmailTexts"), Is.Empty, email.Subject);
    }

    [Test]
    public void DatesAreInTheEmailsLanguageInTheGregorianCalendar()
    {
        Assert.That(Emails.Withdrawn(Coalition, "fr", "a@b.example.org", Letter, Organisation, null, At).Text, Does.Contain("6 décembre 2026"));
        Assert.That(Emails.Withdrawn(Coalition, "es", "a@b.example.org", Letter, Organisation, null, At).Text, Does.Contain("6 de diciembre de 2026"));
        Assert.That(Emails.Withdrawn(Coalition, "ru", "a@b.example.org", Letter, Organisation, null, At).Text, Does.Contain("6 декабря 2026"));
        Assert.That(Emails.Withdrawn(Coalition, "ar", "a@b.example.org", Letter, Organisation, null, At).Text, Does.Contain("6 ديسمبر 2026"));
        Assert.That(Emails.Withdrawn(Coalition, "en", "a@b.example.org", Letter, Organisation, null, At).Text, Does.Contain("6 December 2026"));
    }

    [Test]
    public void CountsTakeTheLanguagesPluralForms()
    {
        static string Digest(string language, int count) => Emails.ReviewDigestFor(Coalition, language, "c@b.example.org", Letter,
            Enumerable.Range(1, count).Select(i => new ReviewItem($"Org {i}", [], "https://p.example.org/s")).ToList(), 0, "https://p.example.org/q").Subject;

        Assert.That(Digest("ru", 1), Does.Contain("1 подпись,"));
        Assert.That(Digest("ru", 3), Does.Contain("3 подписи,"));
        Assert.That(Digest("ru", 5), Does.Contain("5 подписей,"));
        Assert.That(Digest("ru", 21), Does.Contain("21 подпись,"));
        Assert.That(Digest("ar", 2), Does.Contain("توقيعان"));
        Assert.That(Digest("ar", 11), Does.Contain("11 توقيعًا"));
        Assert.That(Digest("en", 1), Is.EqualTo("To review: 1 sign-on on Lettre ouverte"));
        Assert.That(Digest("en", 2), Is.EqualTo("To review: 2 sign-ons on Lettre ouverte"));
    }

    [Test]
    public void ValuesStayApartFromTheTranslatedWords()
    {
        var email = Emails.Confirm(Coalition, "ar", "a@b.example.org", "<b>Letter</b>", "جمعية العدالة", "https://p.example.org/confirm/t");

        Assert.That(email.Html, Does.Contain("&lt;b&gt;Letter&lt;/b&gt;").And.Not.Contain("<b>Letter</b>"));
        Assert.That(email.Html, Does.Contain("<bdi>جمعية العدالة</bdi>"));
    }
}
