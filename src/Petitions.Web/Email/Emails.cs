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

    public static OutgoingEmail Confirm(EmailBrand brand, string to, string letter, string organisation, string link) =>
        new EmailBody(brand)
            .Paragraph($"You asked to sign the letter \"{letter}\" on behalf of {Name(organisation, "an organisation")}.")
            .Paragraph("To confirm, open this link and press the button on the page. The link works once, for 24 hours.")
            .Button("Confirm the signature", link)
            .Paragraph("If you did not ask for this, ignore this email: nothing is published without a confirmation.")
            .Finish(ConfirmSignOn, to, $"Confirm your signature: {letter}");

    public static OutgoingEmail Repeat(EmailBrand brand, string to, string letter, string organisation, string letterLink) =>
        new EmailBody(brand)
            .Paragraph($"Someone asked to sign the letter \"{letter}\" on behalf of {Name(organisation, "an organisation")} with this email address.")
            .Paragraph("This address has already been used to sign it, so nothing has changed. The letter and its signatories are here:")
            .Button("See the letter", letterLink)
            .Paragraph("If you did not ask for this, you can ignore this email.")
            .Finish(AlreadySigned, to, $"Already signed: {letter}");

    public static OutgoingEmail Contact(EmailBrand brand, string to, string letter, string organisation, string link) =>
        new EmailBody(brand)
            .Paragraph($"You asked to sign the letter \"{letter}\" on behalf of {Name(organisation, "an organisation")}. Your organisation has already signed it, so it stays listed once; we will add you as a further contact for it.")
            .Paragraph("To confirm your address, open this link and press the button on the page. The link works once, for 24 hours.")
            .Button("Confirm my address", link)
            .Paragraph("If you did not ask for this, ignore this email.")
            .Finish(ConfirmContact, to, $"Confirm you are a contact for {Name(organisation, "your organisation")}: {letter}");

    public static OutgoingEmail Listed(EmailBrand brand, string to, string letter, string organisation, string letterLink, string? withdrawLink)
    {
        var body = new EmailBody(brand)
            .Paragraph($"Thank you. {Name(organisation, "Your organisation")} is now listed among the organisations supporting the letter \"{letter}\".")
            .Paragraph("You can see the letter and its signatories here:")
            .Button("See the letter", letterLink);
        if (withdrawLink is not null)
        {
            body.Link("Should your organisation withdraw its support later, use this link:", "Withdraw our signature", withdrawLink);
        }

        return body.Finish(NowListed, to, $"Signed: {letter}");
    }

    public static OutgoingEmail Review(EmailBrand brand, string to, string letter, string organisation) =>
        new EmailBody(brand)
            .Paragraph($"Thank you. The signature of {Name(organisation, "your organisation")} on the letter \"{letter}\" is confirmed.")
            .Paragraph("The coordinators of this letter review each organisation before it is listed; you will hear from us when it is.")
            .Finish(AwaitingReview, to, $"Confirmed, awaiting review: {letter}");

    /// <param name="reasons">Why it waits, in words (<see cref="Signatures.SignatureFlags.WhyItWaits"/>).</param>
    public static OutgoingEmail NewForReview(EmailBrand brand, string to, string letter, string organisation, IReadOnlyList<string> reasons, string signatoryLink) =>
        new EmailBody(brand)
            .Paragraph($"{Name(organisation, Withheld)} has confirmed its signature on the letter \"{letter}\" and waits for your review before it is listed.")
            .Paragraph($"Why it waits: {string.Join("; ", reasons)}.")
            .Button("Review the sign-on", signatoryLink)
            .Finish(ReviewAlert, to, $"To review: {Name(organisation, "an organisation")} signed {letter}");

    /// <summary>A letter's daily digest: every sign-on waiting for review, each with its reasons and its page.</summary>
    /// <param name="items">Oldest first; past <see cref="DigestItems"/> only counted.</param>
    public static OutgoingEmail ReviewDigestFor(EmailBrand brand, string to, string letter, IReadOnlyList<ReviewItem> items, int fresh, string queueLink)
    {
        ArgumentNullException.ThrowIfNull(items);
        var count = items.Count == 1 ? "1 sign-on" : $"{Count(items.Count, "sign-ons")}";
        var waits = items.Count == 1 ? "waits for your review before it is listed" : "wait for your review before they are listed";
        var body = new EmailBody(brand)
            .Paragraph($"{count} {waits} on the letter \"{letter}\" ({Count(fresh, "new since the last digest")}).")
            .Items(items.Take(DigestItems).Select(i => (Name(i.Organisation, Withheld), string.Join("; ", i.Reasons), i.Link)));
        if (items.Count > DigestItems)
        {
            body.Paragraph($"And {Count(items.Count - DigestItems, "more")} in the review queue.");
        }

        return body
            .Paragraph("The review queue holds them all:")
            .Button("Open the review queue", queueLink)
            .Paragraph("This letter sends one digest a day instead of an email per sign-on; its settings change that.")
            .Finish(ReviewDigest, to, $"To review: {count} on {letter}");
    }

    public static OutgoingEmail Withdrawn(EmailBrand brand, string to, string letter, string organisation, string? reason, DateTimeOffset at) =>
        new EmailBody(brand)
            .Paragraph($"The signature of {Name(organisation, "your organisation")} on the letter \"{letter}\" is withdrawn as of {Day(at)}. It is no longer listed.")
            .Paragraph(Reason(reason))
            .Paragraph("If this is a mistake, please write to the letter's coordinators.")
            .Finish(WithdrawalReceipt, to, $"Withdrawn: {letter}");

    public static OutgoingEmail WithdrawalNotice(EmailBrand brand, string to, string letter, string organisation, string? reason, DateTimeOffset at, string link) =>
        new EmailBody(brand)
            .Paragraph($"{Name(organisation, Withheld)} withdrew its signature from the letter \"{letter}\" as of {Day(at)}.")
            .Paragraph(Reason(reason))
            .Button("See the signatory", link)
            .Finish(WithdrawalAlert, to, $"Withdrawal: {Name(organisation, "an organisation")} from {letter}");

    public static OutgoingEmail SignIn(EmailBrand brand, string to, string link)
    {
        ArgumentNullException.ThrowIfNull(brand);
        return new EmailBody(brand)
            .Paragraph($"You asked to sign in to {brand.SiteName} as a coordinator.")
            .Paragraph("Open this link and press the button on the page. It works once, for 15 minutes.")
            .Button("Sign in", link)
            .Paragraph("If you did not ask for this, ignore this email.")
            .Finish(CoordinatorSignIn, to, $"Sign in to {brand.SiteName}");
    }

    // For coordinators, who will see the name on the page the link opens.
    private const string Withheld = "An organisation whose name looks like a web address (it is not repeated here)";

    private static string Name(string organisation, string instead) => LinkLikeText.MayBecomeLink(organisation) ? instead : organisation;

    private static Sentence Reason(string? reason) => reason switch
    {
        null or "" => "No reason was recorded.",
        _ when LinkLikeText.MayBecomeLink(reason) => "A reason was recorded with the signature.",
        _ => $"The reason recorded: {reason}",
    };

    private static string Count(int n, string what) => n.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + what;

    // Dates in emails are English whatever the server's culture.
    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("d MMMM yyyy", System.Globalization.CultureInfo.GetCultureInfo("en-GB"));
}
