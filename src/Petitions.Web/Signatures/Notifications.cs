using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Petitions.Coordinators;
using Petitions.Email;
using Petitions.Petitions;

namespace Petitions.Signatures;

/// <summary>A signature with what its emails need to say.</summary>
public sealed class SignatureContext
{
    public long Id { get; init; }
    public long PetitionId { get; init; }
    public string Status { get; init; } = "";
    public string Flags { get; init; } = "";
    public string? ContactEmail { get; init; }

    /// <summary>The partner whose link brought the sign-on: that partner's coordinators are alerted too.</summary>
    public string? Ref { get; init; }
    public string Organisation { get; init; } = "";
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public bool RequiresReview { get; init; }

    /// <summary>The letter's review setting (ReviewSetting).</summary>
    public string Review { get; init; } = "";

    /// <summary>How the letter's coordinators hear of sign-ons to review (ReviewAlertSetting).</summary>
    public string ReviewAlerts { get; init; } = "";

    /// <summary>The language the sign-on was made in (the letter's for an import): the signatory's emails are in it.</summary>
    public string Language { get; init; } = "en";

    /// <summary>The language the letter is written in: its coordinators' emails are in it.</summary>
    public string LetterLanguage { get; init; } = "en";

    /// <summary>The letter's title as the signatory read it: its published translation's, where there is one.</summary>
    public string SignatoryTitle { get; init; } = "";

    public static Task<SignatureContext?> LoadAsync(DbConnection connection, DbTransaction? transaction, long signatureId) =>
        connection.QuerySingleOrDefaultAsync<SignatureContext>("""
            SELECT s.id, s.petition_id AS petitionId, s.status, s.flags, s.contact_email AS contactEmail, o.name AS organisation,
                   p.slug, p.title, p.review = 'all' AS requiresReview, p.review, p.review_alerts AS reviewAlerts,
                   coalesce(s.language, p.language) AS language, p.language AS letterLanguage, coalesce(t.title, p.title) AS signatoryTitle,
                   s.ref
            FROM signatures s JOIN organisations o ON o.id = s.organisation_id JOIN petitions p ON p.id = s.petition_id
                 LEFT JOIN petition_translations t ON t.petition_id = p.id AND t.language = s.language AND t.status = 'published'
            WHERE s.id = @signatureId
            """, new { signatureId }, transaction);
}

/// <summary>
/// The emails that follow a change of a signature, queued in the transaction of that change:
/// to the signatory (listed, awaiting review, withdrawn) and alerts to the letter's coordinators.
/// </summary>
public sealed class Notifications(Outbox outbox, Web.PublicBaseUrl publicBase, IOptions<PetitionsOptions> options)
{
    /// <summary>The coalition the emails come from, as configured now.</summary>
    public EmailBrand Brand => EmailBrand.From(options);

    /// <summary>A withdrawal link must work long after the signature: a letter can be delivered a year later.</summary>
    public static readonly TimeSpan WithdrawLinkLifetime = TimeSpan.FromDays(730);

    public async Task ListedAsync(DbConnection connection, DbTransaction transaction, SignatureContext signature, DateTimeOffset now)
    {
        if (signature.ContactEmail is null)
        {
            return;
        }

        var token = await Tokens.IssueAsync(connection, transaction, Tokens.Withdraw, signature.Id, null, null, now, WithdrawLinkLifetime);
        Queue(connection, transaction, signature, Emails.Listed(
            Brand, signature.Language, signature.ContactEmail, signature.SignatoryTitle, signature.Organisation, Link($"/petitions/{signature.Slug}"), Link($"/withdraw/{token}")), now);
    }

    public async Task AwaitingReviewAsync(DbConnection connection, DbTransaction transaction, SignatureContext signature, DateTimeOffset now)
    {
        if (signature.ContactEmail is not null)
        {
            Queue(connection, transaction, signature, Emails.Review(Brand, signature.Language, signature.ContactEmail, signature.SignatoryTitle, signature.Organisation), now);
        }

        if (signature.ReviewAlerts == ReviewAlertSetting.Daily)
        {
            // The day's digest (ReviewDigests) tells them, with every other sign-on waiting.
            return;
        }

        var reasons = SignatureFlags.WhyItWaits(signature.Flags);
        foreach (var coordinator in await CoordinatorStore.EmailsForAsync(connection, transaction, signature.PetitionId, signature.Ref))
        {
            // Coordinators have no language of their own: the one their letter is written in.
            Queue(connection, transaction, signature,
                Emails.NewForReview(Brand, signature.LetterLanguage, coordinator, signature.Title, signature.Organisation, reasons, SignatoryLink(signature.Slug, signature.Id)), now);
        }
    }

    public async Task WithdrawnAsync(
        DbConnection connection, DbTransaction transaction, SignatureContext signature, string? reason, DateTimeOffset withdrawnAt, DateTimeOffset now)
    {
        if (signature.ContactEmail is not null)
        {
            Queue(connection, transaction, signature, Emails.Withdrawn(Brand, signature.Language, signature.ContactEmail, signature.SignatoryTitle, signature.Organisation, reason, withdrawnAt), now);
        }

        foreach (var coordinator in await CoordinatorStore.EmailsForAsync(connection, transaction, signature.PetitionId, signature.Ref))
        {
            // Coordinators have no language of their own: the one their letter is written in.
            Queue(connection, transaction, signature, Emails.WithdrawalNotice(
                Brand, signature.LetterLanguage, coordinator, signature.Title, signature.Organisation, reason, withdrawnAt,
                SignatoryLink(signature.Slug, signature.Id)), now);
        }
    }

    public string Link(string path) => publicBase.Link(path);

    /// <summary>The signatory's page in the coordinators' console (Pages/Coordinators/Signatory.cshtml).</summary>
    public string SignatoryLink(string slug, long signatureId) =>
        Link($"/coordinators/petitions/{Uri.EscapeDataString(slug)}/signatures/{signatureId.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    private void Queue(DbConnection connection, DbTransaction transaction, SignatureContext signature, OutgoingEmail email, DateTimeOffset now) =>
        outbox.Enqueue(connection, transaction, email with { PetitionId = signature.PetitionId, SignatureId = signature.Id }, now);
}
