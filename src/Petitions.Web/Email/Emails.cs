using System.Net;
using Petitions.Organisations;

namespace Petitions.Email;

/// <summary>
/// The texts of the emails: each has a plain-text and an HTML part and names the letter.
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
    public const string WithdrawalReceipt = "withdrawal-receipt";
    public const string WithdrawalAlert = "withdrawal-alert";
    public const string CoordinatorSignIn = "coordinator-sign-in";

    public static OutgoingEmail Confirm(string to, string letter, string organisation, string link) => Compose(
        ConfirmSignOn, to, $"Confirm your signature: {letter}",
        $"You asked to sign the letter \"{letter}\" on behalf of {Name(organisation, "an organisation")}.",
        "To confirm, open this link and press the button on the page. The link works once, for 24 hours.",
        link, "Confirm the signature",
        "If you did not ask for this, ignore this email: nothing is published without a confirmation.");

    public static OutgoingEmail Repeat(string to, string letter, string organisation, string letterLink) => Compose(
        AlreadySigned, to, $"Already signed: {letter}",
        $"Someone asked to sign the letter \"{letter}\" on behalf of {Name(organisation, "an organisation")} with this email address.",
        "This address has already been used to sign it, so nothing has changed. The letter and its signatories are here:",
        letterLink, "See the letter",
        "If you did not ask for this, you can ignore this email.");

    public static OutgoingEmail Contact(string to, string letter, string organisation, string link) => Compose(
        ConfirmContact, to, $"Confirm you are a contact for {Name(organisation, "your organisation")}: {letter}",
        $"You asked to sign the letter \"{letter}\" on behalf of {Name(organisation, "an organisation")}. Your organisation has already signed it, so it stays listed once; we will add you as a further contact for it.",
        "To confirm your address, open this link and press the button on the page. The link works once, for 24 hours.",
        link, "Confirm my address",
        "If you did not ask for this, ignore this email.");

    public static OutgoingEmail Listed(string to, string letter, string organisation, string letterLink, string? withdrawLink) => Compose(
        NowListed, to, $"Signed: {letter}",
        $"Thank you. {Name(organisation, "Your organisation")} is now listed among the organisations supporting the letter \"{letter}\".",
        "You can see the letter and its signatories here:",
        letterLink, "See the letter",
        withdrawLink is null ? "" : $"Should your organisation withdraw its support later, use this link: {withdrawLink}");

    public static OutgoingEmail Review(string to, string letter, string organisation) => Compose(
        AwaitingReview, to, $"Confirmed, awaiting review: {letter}",
        $"Thank you. The signature of {Name(organisation, "your organisation")} on the letter \"{letter}\" is confirmed.",
        "The coordinators of this letter review each organisation before it is listed; you will hear from us when it is.",
        null, null, "");

    public static OutgoingEmail NewForReview(string to, string letter, string organisation, string reviewLink) => Compose(
        ReviewAlert, to, $"To review: {Name(organisation, "an organisation")} signed {letter}",
        $"{Name(organisation, Withheld)} has confirmed its signature on the letter \"{letter}\" and waits for your review before it is listed.",
        "Review it here:", reviewLink, "Open the review queue", "");

    public static OutgoingEmail Withdrawn(string to, string letter, string organisation, string? reason, DateTimeOffset at) => Compose(
        WithdrawalReceipt, to, $"Withdrawn: {letter}",
        $"The signature of {Name(organisation, "your organisation")} on the letter \"{letter}\" is withdrawn as of {Day(at)}. It is no longer listed.",
        Reason(reason), null, null,
        "If this is a mistake, please write to the letter's coordinators.");

    public static OutgoingEmail WithdrawalNotice(string to, string letter, string organisation, string? reason, DateTimeOffset at, string link) => Compose(
        WithdrawalAlert, to, $"Withdrawal: {Name(organisation, "an organisation")} from {letter}",
        $"{Name(organisation, Withheld)} withdrew its signature from the letter \"{letter}\" as of {Day(at)}.",
        Reason(reason), link, "See the signatory", "");

    public static OutgoingEmail SignIn(string to, string link) => Compose(
        CoordinatorSignIn, to, "Sign in to Petitions",
        "You asked to sign in to Petitions as a coordinator.",
        "Open this link and press the button on the page. It works once, for 15 minutes.", link, "Sign in",
        "If you did not ask for this, ignore this email.");

    // For coordinators, who will see the name on the page the link opens.
    private const string Withheld = "An organisation whose name looks like a web address (it is not repeated here)";

    private static string Name(string organisation, string instead) => LinkLikeText.MayBecomeLink(organisation) ? instead : organisation;

    private static string Reason(string? reason) => reason switch
    {
        null or "" => "No reason was recorded.",
        _ when LinkLikeText.MayBecomeLink(reason) => "A reason was recorded with the signature.",
        _ => $"The reason recorded: {reason}",
    };

    // Dates in emails are English whatever the server's culture.
    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("d MMMM yyyy", System.Globalization.CultureInfo.GetCultureInfo("en-GB"));

    private static OutgoingEmail Compose(string kind, string to, string subject, string opening, string instruction, string? link, string? button, string closing)
    {
        var text = $"{opening}\n\n{instruction}\n\n{(link is null ? "" : link + "\n\n")}{(closing.Length > 0 ? closing + "\n\n" : "")}-- \nPetitions\n";
        var e = (string s) => WebUtility.HtmlEncode(s);
        var html = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{e(subject)}</title></head>
            <body style="font-family: Georgia, serif; line-height: 1.5; max-width: 40rem;">
            <p>{e(opening)}</p>
            <p>{e(instruction)}</p>
            {(link is null ? "" : $"<p><a href=\"{e(link)}\">{e(button ?? link)}</a></p><p style=\"font-size: .9em; color: #555;\">{e(link)}</p>")}
            {(closing.Length > 0 ? $"<p>{e(closing)}</p>" : "")}
            <p>— Petitions</p>
            </body></html>
            """;
        return new OutgoingEmail(kind, to, subject, text, html);
    }
}
