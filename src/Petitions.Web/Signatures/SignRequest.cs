using Petitions.Resources;
using System.Globalization;
using System.Text.Json.Serialization;
using FluentValidation;
using MimeKit;
using Petitions.Organisations;

namespace Petitions.Signatures;

/// <summary>
/// A sign-on as the form or the JSON API sends it. Only these fields are read: a client cannot
/// set a status, an id or a time.
/// </summary>
public sealed record SignRequest
{
    public string? Organisation { get; init; }
    public string? City { get; init; }
    public string? Country { get; init; }
    public string? ContactName { get; init; }
    public string? ContactRole { get; init; }
    public string? ContactEmail { get; init; }
    public string? Website { get; init; }
    public string? Comment { get; init; }
    public bool Consent { get; init; }

    /// <summary>The language the sign-on is made in (its emails are in it); the letter's own when not given.</summary>
    public string? Language { get; init; }

    /// <summary>The code of the partner whose link brought the sign-on (<c>?ref=CODE</c>), if one did.</summary>
    public string? Ref { get; init; }
    /// <summary>A preview link's token (PreviewLinks): signs a letter before its opening time. Not stored; not cleaned.</summary>
    public string? Preview { get; init; }
    /// <summary>The second, optional consent: the contact may go to the coalition's subscribed systems (webhooks).</summary>
    public bool ShareContact { get; init; }

    /// <summary>
    /// On a cleaned request, the request as it was sent: cleaning drops control characters and
    /// bidi overrides that the validator must still refuse. Null on a request as it arrived.
    /// </summary>
    [JsonIgnore]
    public SignRequest? Sent { get; private init; }

    /// <summary>The signer asks for updates about the letter (optional; unticked by default).</summary>
    public bool WantsUpdates { get; init; }

    /// <summary>Whether this is the request as it is stored (made by <see cref="Cleaned"/>).</summary>
    [JsonIgnore]
    public bool IsCleaned => Sent is not null;

    /// <summary>
    /// The request as it is stored: NFC, invisible characters removed, white space collapsed. Done
    /// once, where the request comes in; the validator and the sign-on take the result as it is.
    /// </summary>
    public SignRequest Cleaned() => IsCleaned ? this : new()
    {
        Organisation = CleanOrNull(Organisation),
        City = CleanOrNull(City),
        Country = CleanOrNull(Country)?.ToUpperInvariant(),
        ContactName = CleanOrNull(ContactName),
        ContactRole = CleanOrNull(ContactRole),
        ContactEmail = CleanOrNull(ContactEmail),
        Website = WithScheme(CleanOrNull(Website)),
        Comment = Comment is null ? null : CleanComment(Comment),
        Consent = Consent,
        Language = CleanOrNull(Language)?.ToLowerInvariant(),
        Ref = CleanOrNull(Ref)?.ToLowerInvariant(),
        ShareContact = ShareContact,
        WantsUpdates = WantsUpdates,
        Sent = this,
    };

    /// <summary>"www.example.org" is what people type: stored as "https://www.example.org".</summary>
    private static string? WithScheme(string? website) =>
        website is null || website.Contains("://", StringComparison.Ordinal) || !website.Contains('.', StringComparison.Ordinal)
        || website.Contains(' ', StringComparison.Ordinal) || website.StartsWith('/')
            ? website
            : "https://" + website;

    private static string? CleanOrNull(string? text) => text is null ? null : Names.Clean(text) is { Length: > 0 } clean ? clean : null;

    // A comment keeps its paragraphs: each line is cleaned, blank runs become one blank line.
    private static string? CleanComment(string comment)
    {
        var lines = comment.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n').Select(Names.Clean);
        var text = string.Join('\n', lines);
        while (text.Contains("\n\n\n", StringComparison.Ordinal))
        {
            text = text.Replace("\n\n\n", "\n\n", StringComparison.Ordinal);
        }

        return text.Trim('\n') is { Length: > 0 } kept ? kept : null;
    }
}

/// <summary>
/// The one validator of a sign-on, for the form and the JSON API alike, and of each row an import
/// brings (<see cref="ForImport"/>: the same rules, without what only a sign-on must carry: a
/// contact, a country and consent). It judges a cleaned request (<see cref="SignRequest.Cleaned"/>):
/// lengths and formula triggers on the text as it will be stored, and control characters and bidi
/// overrides on the text as sent (<see cref="SignRequest.Sent"/>), so they are refused, not silently dropped.
/// </summary>
public sealed class SignRequestValidator : AbstractValidator<SignRequest>
{
    public const int MaxName = 200;
    public const int MaxCity = 100;
    public const int MaxPerson = 200;
    public const int MaxRole = 200;
    public const int MaxWebsite = 300;
    public const int MaxComment = 2000;
    public const int MaxEmail = 254;
    public const int MaxEmailLocalPart = 64;

    /// <summary>The rules for a row of an import.</summary>
    public static readonly SignRequestValidator ForImport = new(signOn: false);

    public SignRequestValidator()
        : this(signOn: true)
    {
    }

    private SignRequestValidator(bool signOn)
    {
        // Cleaning leaves null, never an empty or blank string: NotNull is "not blank" (and shows as required).
        IRuleBuilder<SignRequest, string?> Required(IRuleBuilder<SignRequest, string?> rule, string message) =>
            signOn ? rule.NotNull().WithLocalMessage(message) : rule;

        RuleFor(r => r.Organisation).Cascade(CascadeMode.Stop)
            .NotNull().WithLocalMessage("Enter the name of your organisation.")
            .Must((r, _) => NoControlCharacters(Sent(r).Organisation)).WithLocalMessage("The organisation's name may not contain control characters.")
            .Must((r, _) => NoBidiOverrides(Sent(r).Organisation)).WithLocalMessage("The organisation's name may not contain text-direction overrides.")
            .MaximumLength(MaxName).WithLocalMessage($"The organisation's name must be at most {MaxName} characters.")
            .Must(NoFormulaStart).WithLocalMessage("The organisation's name may not start with = + - or @.");

        RuleFor(r => r.City).Cascade(CascadeMode.Stop)
            .Must((r, _) => NoControlCharacters(Sent(r).City)).WithLocalMessage("The city may not contain control characters.")
            .Must((r, _) => NoBidiOverrides(Sent(r).City)).WithLocalMessage("The city may not contain text-direction overrides.")
            .MaximumLength(MaxCity).WithLocalMessage($"The city must be at most {MaxCity} characters.")
            .Must(NoFormulaStart).WithLocalMessage("The city may not start with = + - or @.");

        // No country is an international organisation, which has no city either.
        RuleFor(r => r.Country).Cascade(CascadeMode.Stop)
            .Must((r, v) => v is not null || !signOn || r.City is null)
            .WithLocalMessage("Choose your organisation's country (an international organisation gives neither city nor country).")
            .Must(v => v is null || Countries.IsCode(v))
            .WithLocalMessage("Choose a country from the list (an ISO 3166-1 alpha-2 code such as NL or XK).");

        Required(RuleFor(r => r.ContactName).Cascade(CascadeMode.Stop), "Enter the name of the person signing.")
            .Must((r, _) => NoControlCharacters(Sent(r).ContactName)).WithLocalMessage("The name may not contain control characters.")
            .Must((r, _) => NoBidiOverrides(Sent(r).ContactName)).WithLocalMessage("The name may not contain text-direction overrides.")
            .MaximumLength(MaxPerson).WithLocalMessage($"The name must be at most {MaxPerson} characters.")
            .Must(NoFormulaStart).WithLocalMessage("The name may not start with = + - or @.");

        Required(RuleFor(r => r.ContactRole).Cascade(CascadeMode.Stop), "Enter the role of the person signing, such as Director.")
            .Must((r, _) => NoControlCharacters(Sent(r).ContactRole)).WithLocalMessage("The role may not contain control characters.")
            .Must((r, _) => NoBidiOverrides(Sent(r).ContactRole)).WithLocalMessage("The role may not contain text-direction overrides.")
            .MaximumLength(MaxRole).WithLocalMessage($"The role must be at most {MaxRole} characters.")
            .Must(NoFormulaStart).WithLocalMessage("The role may not start with = + - or @.");

        Required(RuleFor(r => r.ContactEmail).Cascade(CascadeMode.Stop), "Enter an email address: we send a link to confirm the sign-on.")
            .Must((r, _) => NoControlCharacters(Sent(r).ContactEmail)).WithLocalMessage("The email address may not contain control characters.")
            .MaximumLength(MaxEmail).WithLocalMessage($"The email address must be at most {MaxEmail} characters.")
            .Custom((email, context) =>
            {
                if (!EmailAddress.TryNormaliseClean(email, out _, out var problem) && problem is not null)
                {
                    context.AddFailure(Texts.Validation(problem));
                }
            });

        // A website of invisible characters only cleans to nothing, but something was sent that is not an address.
        RuleFor(r => r.Website).Cascade(CascadeMode.Stop)
            .Must((r, _) => NoControlCharacters(Sent(r).Website)).WithLocalMessage("The website may not contain control characters.")
            .MaximumLength(MaxWebsite).WithLocalMessage($"The website must be at most {MaxWebsite} characters.")
            .Must((r, v) => v is null ? string.IsNullOrWhiteSpace(Sent(r).Website) : IsWebAddress(v)).WithLocalMessage("Enter the website as an address starting with http:// or https://.");

        // The comment's length is judged as sent: what the person typed is what the limit shows them.
        RuleFor(r => r.Comment).Cascade(CascadeMode.Stop)
            .Must((r, _) => !FreeText.HasControlCharacters(Sent(r).Comment, multiLine: true)).WithLocalMessage("The comment may not contain control characters.")
            .Must((r, _) => NoBidiOverrides(Sent(r).Comment)).WithLocalMessage("The comment may not contain text-direction overrides.")
            .SetValidator(new MeasuredLength<SignRequest>(MaxComment, (r, _) => Sent(r).Comment, $"The comment must be at most {MaxComment} characters."));

        RuleFor(r => r.Language).Must(l => l is null || Petitions.LetterLanguages.IsKnown(l))
            .WithLocalMessage(Petitions.LetterLanguages.UnknownMessage);

        // Whether the letter has that partner is asked where the letter is known (SignaturesApi).
        RuleFor(r => r.Ref).Must(r => r is null || Partners.PartnerStore.IsCode(r))
            .WithLocalMessage("The partner code (ref) is 1 to 32 lower-case letters, digits or hyphens.");

        // U+FFFD is what a reader makes of bytes that are not UTF-8: the text that was meant is lost.
        foreach (var field in new System.Linq.Expressions.Expression<Func<SignRequest, string?>>[]
            { r => r.Organisation, r => r.City, r => r.Country, r => r.ContactName, r => r.ContactRole, r => r.ContactEmail, r => r.Website, r => r.Comment })
        {
            RuleFor(field).Must(v => v is null || !v.Contains('\uFFFD', StringComparison.Ordinal))
                .WithLocalMessage("This field holds characters that could not be read; send the text as UTF-8.");
        }

        if (signOn)
        {
            RuleFor(r => r.Consent)
                .Equal(true).WithLocalMessage("Tick the box to agree that the organisation's name and city are published and the contact details are kept for this letter.");
        }
    }

    /// <summary>A request that was not cleaned would be judged on text other than what is stored.</summary>
    protected override bool PreValidate(ValidationContext<SignRequest> context, FluentValidation.Results.ValidationResult result) =>
        context.InstanceToValidate.IsCleaned ? true
        : throw new ArgumentException("Clean the request (SignRequest.Cleaned) before it is validated.", nameof(context));

    private static SignRequest Sent(SignRequest cleaned) => cleaned.Sent!;

    private static bool NoControlCharacters(string? text) => !FreeText.HasControlCharacters(text);

    private static bool NoBidiOverrides(string? text) => !FreeText.HasBidiControls(text);

    // A spreadsheet reads a cell that starts with a trigger as a formula. An apostrophe before one
    // is how a CSV makes it text: as the start of a name it is a formula waiting for the apostrophe to go.
    private static bool NoFormulaStart(string? clean) =>
        !FreeText.StartsWithFormula(clean) && !(clean is ['\'', ..] && FreeText.StartsWithFormula(clean[1..]));

    private static bool IsWebAddress(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Contains('.', StringComparison.Ordinal);
}

/// <summary>Email addresses as MailKit reads them, within the lengths SMTP allows.</summary>
public static class EmailAddress
{
    /// <returns>True with the address in canonical form; false with what is wrong (null when nothing was given).</returns>
    public static bool TryNormalise(string? text, out string address, out string? problem)
    {
        return TryNormaliseClean(text is null ? null : Names.Clean(text), out address, out problem);
    }

    /// <summary><see cref="TryNormalise"/> of text that is cleaned already (<see cref="Names.Clean"/>).</summary>
    public static bool TryNormaliseClean(string? candidate, out string address, out string? problem)
    {
        address = "";
        problem = null;
        if (string.IsNullOrEmpty(candidate))
        {
            return false;
        }

        // Only a bare address: a display name ("Name <a@b>") or a list could smuggle in other recipients.
        if (!MailboxAddress.TryParse(ParserOptions.Default, candidate, out var mailbox)
            || mailbox.Name is { Length: > 0 } || candidate.Contains('<', StringComparison.Ordinal)
            || candidate.Contains(',', StringComparison.Ordinal) || candidate.Contains(';', StringComparison.Ordinal)
            || candidate.Contains(' ', StringComparison.Ordinal))
        {
            problem = "Enter an email address like name@organisation.org.";
            return false;
        }

        var at = mailbox.Address.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Address.Length - 1)
        {
            problem = "Enter an email address like name@organisation.org.";
            return false;
        }

        var local = mailbox.Address[..at];
        var domain = mailbox.Address[(at + 1)..];
        if (!domain.Contains('.', StringComparison.Ordinal))
        {
            problem = "The email address needs a full domain, such as organisation.org.";
            return false;
        }

        if (local.Length > SignRequestValidator.MaxEmailLocalPart)
        {
            problem = $"The part of the email address before the @ must be at most {SignRequestValidator.MaxEmailLocalPart} characters.";
            return false;
        }

        if (mailbox.Address.Length > SignRequestValidator.MaxEmail)
        {
            problem = $"The email address must be at most {SignRequestValidator.MaxEmail} characters.";
            return false;
        }

        address = local + "@" + domain.ToLower(CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>The domain of an address, in ASCII (IDN) and lower case.</summary>
    public static string Domain(string address)
    {
        var domain = address[(address.LastIndexOf('@') + 1)..].TrimEnd('.');
        try
        {
            return new IdnMapping().GetAscii(domain).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return domain.ToLowerInvariant();
        }
    }
}
