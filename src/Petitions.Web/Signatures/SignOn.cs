using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Petitions.Data;
using Petitions.Email;
using Petitions.Organisations;
using Petitions.Petitions;

namespace Petitions.Signatures;

public enum SignOnOutcome
{
    Accepted,
    UnknownPetition,
    NotOpen,
}

public enum ConfirmOutcome
{
    Confirmed,
    Unknown,
    Expired,
}

/// <summary>What a confirmation did, and the letter it belongs to.</summary>
public sealed record ConfirmResult(ConfirmOutcome Outcome, string? Status = null, string? Title = null, string? Slug = null);

/// <summary>
/// The way a sign-on travels, for the form and the JSON API alike: one transaction writes the
/// organisation, the signature and its email; confirming moves it on. A repeat of a sign-on is
/// answered exactly like a new one, and only the email differs.
/// </summary>
public sealed class SignOn(Db db, GroupCommit writer, Outbox outbox, Notifications notifications, TimeProvider clock, IOptions<PetitionsOptions> options)
{
    /// <summary>The consent text shown beside the checkbox; its version is stored with each sign-on.</summary>
    public const string ConsentVersion = "2026-11-consent-1";

    public const string ConsentText =
        "I may sign on behalf of this organisation. I agree that its name, city and country are published with the letter, " +
        "and that my name, role and email are kept for the letter's coordinators only, never published.";

    public const string PossibleDuplicate = "possible-duplicate";
    public const string LookAlike = "look-alike";

    /// <summary>No address gets more than this many emails about one signature, however often it is submitted.</summary>
    public const int MaxEmailsPerAddress = 5;

    private static readonly string[] FlagsNeedingReview = [PossibleDuplicate, LookAlike];

    /// <param name="request">A request that passed <see cref="SignRequestValidator"/>, as it arrived.</param>
    public async Task<SignOnOutcome> SignAsync(string slug, SignRequest request, string source, CancellationToken cancellationToken = default)
    {
        var sign = request.Cleaned();
        if (!EmailAddress.TryNormalise(sign.ContactEmail, out var email, out _))
        {
            throw new ArgumentException("The request was not validated.", nameof(request));
        }

        var now = clock.GetUtcNow();
        // Group commit: this sign-on shares its transaction (and fsync) with the others arriving now.
        var outcome = await writer.RunAsync((connection, transaction) => SignAsync(connection, transaction, slug, sign, email, source, now), cancellationToken);
        if (outcome == SignOnOutcome.Accepted)
        {
            outbox.Notify();
        }

        return outcome;
    }

    private async Task<SignOnOutcome> SignAsync(
        SqliteConnection connection, SqliteTransaction transaction, string slug, SignRequest sign, string email, string source, DateTimeOffset now)
    {
        var name = sign.Organisation!;
        var country = sign.Country!;
        var petition = await PetitionStore.FindAsync(connection, transaction, slug);
        if (petition is null)
        {
            return SignOnOutcome.UnknownPetition;
        }

        if (!petition.AcceptsSignOns(now))
        {
            return SignOnOutcome.NotOpen;
        }

        var nameKey = Names.OrganisationKey(name);
        var looseKey = Names.LooseKey(name);
        var organisationId = await connection.ExecuteScalarAsync<long?>(
            "SELECT id FROM organisations WHERE name_key = @nameKey AND country = @country", new { nameKey, country }, transaction);
        var existing = organisationId is null ? null : await connection.QuerySingleOrDefaultAsync<ExistingSignature>("""
            SELECT id, status, contact_email AS contactEmail FROM signatures WHERE petition_id = @Id AND organisation_id = @organisationId
            """, new { petition.Id, organisationId }, transaction);

        if (existing is not null)
        {
            await AnswerRepeatAsync(connection, transaction, petition, existing, name, email, sign, now);
        }
        else
        {
            await SignNewAsync(connection, transaction, petition, organisationId, nameKey, looseKey, email, sign, source, now);
        }

        return SignOnOutcome.Accepted;
    }

    private async Task SignNewAsync(
        SqliteConnection connection, SqliteTransaction transaction, Petition petition, long? organisationId, string nameKey, string looseKey,
        string email, SignRequest sign, string source, DateTimeOffset now)
    {
        var at = Time.Format(now);
        var flags = new List<string> { DomainCheck.Check(email, sign.Website) };
        // The same name spelt otherwise (accents, a missing country) on this letter already: a person decides.
        // Organisations by their keys first (indexed), then their signatures on this letter (indexed):
        // an OR across the join would read every signature of the letter, a million on a big day.
        var near = await connection.ExecuteScalarAsync<long>("""
            SELECT count(*)
            FROM (SELECT id FROM organisations WHERE loose_key = @looseKey UNION SELECT id FROM organisations WHERE name_key = @nameKey) o
            CROSS JOIN signatures s ON s.petition_id = @Id AND s.organisation_id = o.id
            WHERE s.status <> 'rejected'
            """, new { petition.Id, looseKey, nameKey }, transaction);
        if (near > 0)
        {
            flags.Add(PossibleDuplicate);
        }

        if (Names.MixesLookAlikeScripts(sign.Organisation!))
        {
            flags.Add(LookAlike);
        }

        organisationId ??= await connection.ExecuteScalarAsync<long>("""
            INSERT INTO organisations (name, name_key, loose_key, city, country, website, created_at)
            VALUES (@Organisation, @nameKey, @looseKey, @City, @Country, @Website, @at)
            RETURNING id
            """, new { sign.Organisation, nameKey, looseKey, sign.City, sign.Country, sign.Website, at }, transaction);

        var signatureId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO signatures (petition_id, organisation_id, status, source, flags, contact_name, contact_role, contact_email,
                                    website, comment, petition_version, consent_version, consented_at, signed_at)
            VALUES (@petitionId, @organisationId, 'pending', @source, @flags, @ContactName, @ContactRole, @email,
                    @Website, @Comment, @Version, @ConsentVersion, @at, @at)
            RETURNING id
            """, new
            {
                petitionId = petition.Id, organisationId, source, flags = string.Join(' ', flags), sign.ContactName, sign.ContactRole, email,
                sign.Website, sign.Comment, petition.Version, ConsentVersion, at,
            }, transaction);
        await SignatureStore.RecordAsync(connection, transaction, petition.Id, signatureId, "signatory", "signed", null, SignatureStatus.Pending, null, now);

        var token = await Tokens.IssueAsync(connection, transaction, Tokens.Confirm, signatureId, null, null, now, Tokens.ConfirmLifetime);
        await QueueAsync(connection, transaction, petition, signatureId,
            Emails.Confirm(email, petition.Title, sign.Organisation!, Link($"/confirm/{token}")), now);
    }

    private async Task AnswerRepeatAsync(
        SqliteConnection connection, SqliteTransaction transaction, Petition petition, ExistingSignature existing, string name,
        string email, SignRequest sign, DateTimeOffset now)
    {
        if (string.Equals(existing.ContactEmail, email, StringComparison.OrdinalIgnoreCase))
        {
            if (existing.Status == SignatureStatus.Pending)
            {
                // The first email may be lost or expired: a fresh link, and the old one stops working.
                var token = await Tokens.IssueAsync(connection, transaction, Tokens.Confirm, existing.Id, null, null, now, Tokens.ConfirmLifetime);
                await QueueAsync(connection, transaction, petition, existing.Id, Emails.Confirm(email, petition.Title, name, Link($"/confirm/{token}")), now);
            }
            else
            {
                await QueueAsync(connection, transaction, petition, existing.Id, Emails.Repeat(email, petition.Title, name, Link($"/petitions/{petition.Slug}")), now);
            }

            return;
        }

        // Another person of an organisation already on the letter: one line on the list, a further contact.
        var contact = await connection.QuerySingleOrDefaultAsync<ExistingContact>(
            "SELECT id, confirmed_at AS confirmedAt FROM contacts WHERE signature_id = @Id AND email = @email COLLATE NOCASE",
            new { existing.Id, email }, transaction);
        if (contact is { ConfirmedAt: not null })
        {
            await QueueAsync(connection, transaction, petition, existing.Id, Emails.Repeat(email, petition.Title, name, Link($"/petitions/{petition.Slug}")), now);
            return;
        }

        var contactId = contact?.Id ?? await connection.ExecuteScalarAsync<long>("""
            INSERT INTO contacts (signature_id, name, role, email, consent_version, consented_at, created_at)
            VALUES (@Id, @ContactName, @ContactRole, @email, @ConsentVersion, @at, @at)
            RETURNING id
            """, new { existing.Id, sign.ContactName, sign.ContactRole, email, ConsentVersion, at = Time.Format(now) }, transaction);
        if (contact is null)
        {
            await SignatureStore.RecordAsync(connection, transaction, petition.Id, existing.Id, "signatory", "contact-added", null, null, null, now);
        }

        var contactToken = await Tokens.IssueAsync(connection, transaction, Tokens.Contact, existing.Id, contactId, null, now, Tokens.ConfirmLifetime);
        await QueueAsync(connection, transaction, petition, existing.Id, Emails.Contact(email, petition.Title, name, Link($"/confirm/{contactToken}")), now);
    }

    /// <summary>Confirms a sign-on (or a further contact) from the token in its email.</summary>
    public async Task<ConfirmResult> ConfirmAsync(string? token, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var record = await Tokens.FindAsync(connection, transaction, Tokens.Confirm, token)
            ?? await Tokens.FindAsync(connection, transaction, Tokens.Contact, token);
        switch (record?.StateAt(now))
        {
            case null or TokenState.Unknown or TokenState.Used:
                return new ConfirmResult(ConfirmOutcome.Unknown);
            case TokenState.Expired:
                return new ConfirmResult(ConfirmOutcome.Expired);
        }

        if (!await Tokens.UseAsync(connection, transaction, record!.Id, now))
        {
            return new ConfirmResult(ConfirmOutcome.Unknown);
        }

        var signature = (await SignatureContext.LoadAsync(connection, transaction, record.SignatureId!.Value))!;
        var status = signature.Status;
        if (record.Purpose == Tokens.Contact)
        {
            await connection.ExecuteAsync("UPDATE contacts SET confirmed_at = @at WHERE id = @ContactId",
                new { at = Time.Format(now), record.ContactId }, transaction);
            await SignatureStore.RecordAsync(connection, transaction, signature.PetitionId, signature.Id, "signatory", "contact-confirmed", null, null, null, now);
        }
        else if (signature.Status == SignatureStatus.Pending)
        {
            var needsReview = signature.RequiresReview || signature.Flags.Split(' ').Intersect(FlagsNeedingReview).Any();
            status = await SignatureStore.ApplyAsync(connection, transaction, signature.Id,
                needsReview ? SignatureAction.ConfirmForReview : SignatureAction.Confirm, "signatory", null, now);
            await (needsReview
                ? notifications.AwaitingReviewAsync(connection, transaction, signature, now)
                : notifications.ListedAsync(connection, transaction, signature, now));
        }

        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
        return new ConfirmResult(ConfirmOutcome.Confirmed, status, signature.Title, signature.Slug);
    }

    /// <summary>The letter a confirmation link belongs to, without using the link (mail scanners open links).</summary>
    public async Task<(TokenState State, string? Title, string? Slug)> PeekAsync(string? token, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var record = await Tokens.FindAsync(connection, null, Tokens.Confirm, token)
            ?? await Tokens.FindAsync(connection, null, Tokens.Contact, token);
        if (record is null)
        {
            return (TokenState.Unknown, null, null);
        }

        var letter = await connection.QuerySingleAsync<(string Title, string Slug)>(
            "SELECT p.title, p.slug FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE s.id = @SignatureId", new { record.SignatureId });
        return (record.StateAt(clock.GetUtcNow()), letter.Title, letter.Slug);
    }

    private async Task QueueAsync(SqliteConnection connection, SqliteTransaction transaction, Petition? petition, long signatureId, OutgoingEmail email, DateTimeOffset now)
    {
        var sent = await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM outbox WHERE signature_id = @signatureId AND to_address = @To COLLATE NOCASE",
            new { signatureId, email.To }, transaction);
        if (sent >= MaxEmailsPerAddress)
        {
            return;
        }

        await outbox.EnqueueAsync(connection, transaction, email with { PetitionId = email.PetitionId ?? petition?.Id, SignatureId = signatureId }, now);
    }

    private string Link(string path) => options.Value.PublicBaseUrl.TrimEnd('/') + path;

    // Dapper rows as settable properties: SQLite's loose types then convert (integers to bool, NULLs).
    private sealed class ExistingSignature
    {
        public long Id { get; init; }
        public string Status { get; init; } = "";
        public string? ContactEmail { get; init; }
    }

    private sealed class ExistingContact
    {
        public long Id { get; init; }
        public string? ConfirmedAt { get; init; }
    }
}
