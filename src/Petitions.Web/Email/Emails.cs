using Microsoft.Extensions.Options;
using Petitions.Organisations;

namespace Petitions.Email;

/// <summary>The coalition an email comes from: its name heads every email, its address (when set) closes it.</summary>
public sealed record EmailBrand(string SiteName, string? ContactEmail)
{
    public static EmailBrand Default { get; } = new("Petitions", null);

    public static EmailBrand From(PetitionsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(
            string.IsNullOrWhiteSpace(options.SiteName) ? Default.SiteName : options.SiteName.Trim(),
            string.IsNullOrWhiteSpace(options.ContactEmail) ? null : options.ContactEmail.Trim());
    }

    public static EmailBrand From(IOptions<PetitionsOptions> options) => From((options ?? throw new ArgumentNullException(nameof(options))).Value);
}

/// <summary>A sign-on in a coordinator's email: who, why it waits, and its page.</summary>
public sealed record ReviewItem(string Organisation, IReadOnlyList<string> Reasons, string Link);

/// <summary>
/// The texts of the emails: each has a plain-text and an HTML part, names the letter and the
/// coalition, and gives its main link as a button in HTML and on a line of its own in text.
/// Links carry one-time tokens, so these texts are never logged. A name or reason that a mail
/// program could turn into a link is never repeated (<see cref="LinkLikeText.MayBecomeLink"/>):
/// otherwise anyone could make the service deliver their link to any address.
/// </summary>
public static class Emails
{
    public const string ConfirmSignOn = "confirm-sign-on";
    public const string AlreadySigned = "already-signed";
    public const string NowListed = "now-listed";
    public const string ConfirmContact = "confirm-contact";
    public const string AwaitingReview = "awaiting-review";
    public const string ReviewAlert = "review-alert";
    public const string ReviewDigest = "review-digest";
    public const string WithdrawalReceipt = "withdrawal-receipt";
    public const string WithdrawalAlert = "withdrawal-alert";
    public const string CoordinatorSignIn = "coordinator-sign-in";

    /// <summary>How many waiting sign-ons a digest lists one by one; the rest are counted, and the queue has them all.</summary>
    public const int DigestItems = 50;

    public static OutgoingEmail Confirm(EmailBrand brand, string language, string to, string letter, string organisation, string link)
    {
        var w = new Words(language);
        return new EmailBody(brand, w.Language)
            .Paragraph(w.F("You asked to sign the letter \"{0}\" on behalf of {1}.", letter, Name(organisation, w.T("an organisation"))))
            .Paragraph(w.T("To confirm, open this link and press the button on the page. The link works once, for 24 hours."))
            .Button(w.T("Confirm the signature"), link)
            .Paragraph(w.T("If you did not ask for this, ignore this email: nothing is published without a confirmation."))
            .Finish(ConfirmSignOn, to, w.F("Confirm your signature: {0}", letter));
    }

    public static OutgoingEmail Repeat(EmailBrand brand, string language, string to, string letter, string organisation, string letterLink)
    {
        var w = new Words(language);
        return new EmailBody(brand, w.Language)
            .Paragraph(w.F("Someone asked to sign the letter \"{0}\" on behalf of {1} with this email address.", letter, Name(organisation, w.T("an organisation"))))
            .Paragraph(w.T("This address has already been used to sign it, so nothing has changed. The letter and its signatories are here:"))
            .Button(w.T("See the letter"), letterLink)
            .Paragraph(w.T("If you did not ask for this, you can ignore this email."))
            .Finish(AlreadySigned, to, w.F("Already signed: {0}", letter));
    }

    public static OutgoingEmail Contact(EmailBrand brand, string language, string to, string letter, string organisation, string link)
    {
        var w = new Words(language);
        return new EmailBody(brand, w.Language)
            .Paragraph(w.F("You asked to sign the letter \"{0}\" on behalf of {1}. Your organisation has already signed it, so it stays listed once; we will add you as a further contact for it.", letter, Name(organisation, w.T("an organisation"))))
            .Paragraph(w.T("To confirm your address, open this link and press the button on the page. The link works once, for 24 hours."))
            .Button(w.T("Confirm my address"), link)
            .Paragraph(w.T("If you did not ask for this, ignore this email."))
            .Finish(ConfirmContact, to, w.F("Confirm you are a contact for {0}: {1}", Name(organisation, w.T("your organisation")), letter));
    }

    public static OutgoingEmail Listed(EmailBrand brand, string language, string to, string letter, string organisation, string letterLink, string? withdrawLink)
    {
        var w = new Words(language);
        var body = new EmailBody(brand, w.Language)
            .Paragraph(LinkLikeText.MayBecomeLink(organisation)
                ? w.F("Thank you. Your organisation is now listed among the organisations supporting the letter \"{0}\".", letter)
                : w.F("Thank you. {0} is now listed among the organisations supporting the letter \"{1}\".", organisation, letter))
            .Paragraph(w.T("You can see the letter and its signatories here:"))
            .Button(w.T("See the letter"), letterLink);
        if (withdrawLink is not null)
        {
            body.Link(w.T("Should your organisation withdraw its support later, use this link:"), w.T("Withdraw our signature"), withdrawLink);
        }

        return body.Finish(NowListed, to, w.F("Signed: {0}", letter));
    }

    public static OutgoingEmail Review(EmailBrand brand, string language, string to, string letter, string organisation)
    {
        var w = new Words(language);
        return new EmailBody(brand, w.Language)
            .Paragraph(w.F("Thank you. The signature of {0} on the letter \"{1}\" is confirmed.", Name(organisation, w.T("your organisation")), letter))
            .Paragraph(w.T("The coordinators of this letter review each organisation before it is listed; you will hear from us when it is."))
            .Finish(AwaitingReview, to, w.F("Confirmed, awaiting review: {0}", letter));
    }

    /// <param name="reasons">Why it waits, in words (<see cref="Signatures.SignatureFlags.WhyItWaits"/>).</param>
    public static OutgoingEmail NewForReview(EmailBrand brand, string language, string to, string letter, string organisation, IReadOnlyList<string> reasons, string signatoryLink)
    {
        var w = new Words(language);
        return new EmailBody(brand, w.Language)
            .Paragraph(w.F("{0} has confirmed its signature on the letter \"{1}\" and waits for your review before it is listed.", Name(organisation, w.T(Withheld)), letter))
            .Paragraph(w.F("Why it waits: {0}.", string.Join("; ", reasons.Select(w.T))))
            .Button(w.T("Review the sign-on"), signatoryLink)
            .Finish(ReviewAlert, to, w.F("To review: {0} signed {1}", Name(organisation, w.T("an organisation")), letter));
    }

    /// <summary>A letter's daily digest: every sign-on waiting for review, each with its reasons and its page.</summary>
    /// <param name="items">Oldest first; past <see cref="DigestItems"/> only counted.</param>
    public static OutgoingEmail ReviewDigestFor(EmailBrand brand, string language, string to, string letter, IReadOnlyList<ReviewItem> items, int fresh, string queueLink)
    {
        ArgumentNullException.ThrowIfNull(items);
        var w = new Words(language);
        var waiting = w.Plural("{0} sign-ons wait for your review before they are listed on the letter \"{1}\"", items.Count);
        var body = new EmailBody(brand, w.Language)
            .Paragraph(Sentence.Format(waiting + " (" + w.Plural("{0} new since the last digest", fresh) + ").", "", letter))
            .Items(items.Take(DigestItems).Select(i => (Name(i.Organisation, w.T(Withheld)), string.Join("; ", i.Reasons.Select(w.T)), i.Link)));
        if (items.Count > DigestItems)
        {
            body.Paragraph(w.Plural("And {0} more in the review queue.", items.Count - DigestItems));
        }

        return body
            .Paragraph(w.T("The review queue holds them all:"))
            .Button(w.T("Open the review queue"), queueLink)
            .Paragraph(w.T("This letter sends one digest a day instead of an email per sign-on; its settings change that."))
            .Finish(ReviewDigest, to, Sentence.Format(w.Plural("To review: {0} sign-ons on {1}", items.Count), "", letter));
    }

    public static OutgoingEmail Withdrawn(EmailBrand brand, string language, string to, string letter, string organisation, string? reason, DateTimeOffset at)
    {
        var w = new Words(language);
        return new EmailBody(brand, w.Language)
            .Paragraph(w.F("The signature of {0} on the letter \"{1}\" is withdrawn as of {2}. It is no longer listed.", Name(organisation, w.T("your organisation")), letter, w.Day(at)))
            .Paragraph(Reason(w, reason))
            .Paragraph(w.T("If this is a mistake, please write to the letter's coordinators."))
            .Finish(WithdrawalReceipt, to, w.F("Withdrawn: {0}", letter));
    }

    public static OutgoingEmail WithdrawalNotice(EmailBrand brand, string language, string to, string letter, string organisation, string? reason, DateTimeOffset at, string link)
    {
        var w = new Words(language);
        return new EmailBody(brand, w.Language)
            .Paragraph(w.F("{0} withdrew its signature from the letter \"{1}\" as of {2}.", Name(organisation, w.T(Withheld)), letter, w.Day(at)))
            .Paragraph(Reason(w, reason))
            .Button(w.T("See the signatory"), link)
            .Finish(WithdrawalAlert, to, w.F("Withdrawal: {0} from {1}", Name(organisation, w.T("an organisation")), letter));
    }

    public static OutgoingEmail SignIn(EmailBrand brand, string language, string to, string link)
    {
        ArgumentNullException.ThrowIfNull(brand);
        var w = new Words(language);
        return new EmailBody(brand, w.Language)
            .Paragraph(w.F("You asked to sign in to {0} as a coordinator.", brand.SiteName))
            .Paragraph(w.T("Open this link and press the button on the page. It works once, for 15 minutes."))
            .Button(w.T("Sign in"), link)
            .Paragraph(w.T("If you did not ask for this, ignore this email."))
            .Finish(CoordinatorSignIn, to, w.F("Sign in to {0}", brand.SiteName));
    }

    // For coordinators, who will see the name on the page the link opens.
    private const string Withheld = "An organisation whose name looks like a web address (it is not repeated here)";

    private static string Name(string organisation, string instead) => LinkLikeText.MayBecomeLink(organisation) ? instead : organisation;

    private static Sentence Reason(Words w, string? reason) => reason switch
    {
        null or "" => w.T("No reason was recorded."),
        _ when LinkLikeText.MayBecomeLink(reason) => w.T("A reason was recorded with the signature."),
        _ => w.F("The reason recorded: {0}", reason),
    };

    /// <summary>An email's words in its language (the texts are keyed by their English; see <see cref="Resources.Texts"/>).</summary>
    private sealed class Words(string language)
    {
        public Web.Language Language { get; } = Web.Languages.Find(language);

        public string T(string english) => Resources.Texts.Email(english, Language.Culture);

        public Sentence F(string english, params string?[] values) => Sentence.Format(T(english), values);

        /// <summary>A counted phrase, its number filled in and its other placeholders left for <see cref="Sentence.Format"/>.</summary>
        public string Plural(string english, long count) => Resources.Texts.EmailPlural(english, count, Language.Culture);

        // Dates in emails are in the email's language, whatever the server's culture.
        public string Day(DateTimeOffset at) => Web.Languages.LongDate(at.UtcDateTime, Language);
    }
}
