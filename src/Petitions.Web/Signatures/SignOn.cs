using System.Data.Common;
using System.Globalization;
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

/// <summary>
/// The way a sign-on travels, for the form and the JSON API alike: one transaction writes the
/// organisation, the signature and its email; <see cref="Confirmation"/> moves it on. A repeat of a sign-on is
/// answered exactly like a new one, and only the email differs.
/// </summary>
public sealed partial class SignOn(GroupCommit writer, Outbox outbox, PublicListCache lists, TimeProvider clock, Web.PublicBaseUrl publicBase, IOptions<PetitionsOptions> options)
{
    /// <summary>The consent text shown beside the checkbox; its version is stored with each sign-on.</summary>
    public const string ConsentVersion = "2026-11-consent-1";

    public const string ConsentText =
        "I may sign on behalf of this organisation. I agree that its name, city and country are published with the letter, " +
        "and that my name, role and email are kept for the letter's coordinators only, never published.";

    public const string PossibleDuplicate = "possible-duplicate";
    public const string LookAlike = "look-alike";

    /// <summary>The sign-on's email was not sent: its address had all the sign-on emails it may get in a day.</summary>
    public const string EmailCapped = "email-capped";

    /// <summary>No address gets more than this many emails about one signature, however often it is submitted.</summary>
    public const int MaxEmailsPerAddress = 5;

    /// <summary>
    /// No address gets more than this many sign-on emails (confirm, repeat, further contact) in 24 hours,
    /// whatever the letter or organisation: a new name is a new signature, so the cap above alone would
    /// let anyone mail anyone.
    /// </summary>
    public const int MaxSignOnEmailsPerRecipientPerDay = 5;

    /// <summary>
    /// Whether a letter takes a sign-on now: a missing or draft letter is unknown, one that is not
    /// open is refused. The one rule, for the callers' early answer and the writer's in its transaction.
    /// </summary>
    /// <param name="preview">The sign-on came through a live preview link of the letter: it may sign before the opening time.</param>
    public static SignOnOutcome Admits(Petition? letter, DateTimeOffset now, bool preview = false) =>
        letter is null || letter.Status == PetitionStatus.Draft ? SignOnOutcome.UnknownPetition
        : letter.AcceptsSignOns(now, preview) ? SignOnOutcome.Accepted
        : SignOnOutcome.NotOpen;

    /// <param name="petition">The letter, as the caller found it (public and open) and as the signatory read it (its emails name its title so); its state is checked again when the sign-on is written.</param>
    /// <param name="request">A request, cleaned (<see cref="SignRequest.Cleaned"/>), that passed <see cref="SignRequestValidator"/>.</param>
    /// <param name="translationVersion">The version of the translation read (<see cref="PetitionStore.InLanguageAsync"/>), if one was.</param>
    /// <param name="preview">The preview link's token the sign-on came with, if any: checked again in the writer's transaction.</param>
    public async Task<SignOnOutcome> SignAsync(
        Petition petition, SignRequest request, string source, int? translationVersion = null, string? preview = null,
        CancellationToken cancellationToken = default)
    {
        var sign = request.IsCleaned ? request : throw new ArgumentException("The request was not cleaned.", nameof(request));
        if (!EmailAddress.TryNormaliseClean(sign.ContactEmail, out var email, out _))
        {
            throw new ArgumentException("The request was not validated.", nameof(request));
        }

        // What can be worked out before the writer's turn is, so the writer does only the writing.
        var prepared = new PreparedSignOn(petition, sign, email, source, Names.OrganisationKey(sign.Organisation!), Names.LooseKey(sign.Organisation!),
            DomainCheck.Check(email, sign.Website), Names.MixesLookAlikeScripts(sign.Organisation!),
            LinkLikeText.LooksLikeLink(sign.Organisation) || LinkLikeText.LooksLikeLink(sign.ContactName), clock.GetUtcNow())
        {
            // The language the sign-on names (the form's page, the JSON's field), else the request's.
            Language = sign.Language ?? Web.Languages.Current.Code,
        };
        // Near a listed organisation's name or domain: a sign-on listed meanwhile is caught by the exact keys in the writer.
        var listed = await lists.GetNearAsync(petition.Id, cancellationToken);
        prepared = prepared with
        {
            NearListed = listed.Near(prepared.LooseKey, sign.Website), LookAlike = prepared.LookAlike || listed.Imitated(sign.Organisation!),
            TranslationVersion = translationVersion,
        };
        prepared = prepared with { PreviewHash = Web.SecretTokens.HashOf(preview) };
        // Group commit: this sign-on shares its transaction (and fsync) with the others arriving now.
        var outcome = await SignRetryingAsync(prepared, cancellationToken);
        if (outcome == SignOnOutcome.Accepted)
        {
            outbox.Notify();
        }

        return outcome;
    }

    /// <remarks>
    /// On PostgreSQL another node can write the same signature or contact in a transaction that
    /// commits while this one waits on the unique index; or two nodes' batches, each holding one new
    /// organisation the other's waits on, deadlock. Either way this unit alone is rolled back, and
    /// run again it finds the other's rows (a repeat is answered as one). Each retry needs another
    /// node to have made progress, so a few are enough.
    /// </remarks>
    private async Task<SignOnOutcome> SignRetryingAsync(PreparedSignOn prepared, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await writer.RunAsync((connection, transaction) => SignAsync(connection, transaction, prepared), together ??= new Together(this), prepared, cancellationToken);
            }
            catch (DbException exception) when (exception.SqlState is UniqueViolation or DeadlockDetected && attempt < 5)
            {
                // Tried again: the conflicting row is committed now.
            }
        }
    }

    private Together? together;

    private const string UniqueViolation = "23505";
    private const string DeadlockDetected = "40P01";

    private async Task<SignOnOutcome> SignAsync(DbConnection connection, DbTransaction transaction, PreparedSignOn sign)
    {
        var now = sign.Now;
        // The letter as it is now, in this transaction: it may have been closed since the caller looked.
        using (var reader = Prepared.Command(connection, transaction, $"SELECT {LetterNow.Columns} FROM petitions WHERE id = @id")
            .With("@id", sign.Petition.Id).ExecuteReader())
        {
            if (!reader.Read())
            {
                return SignOnOutcome.UnknownPetition;
            }

            var state = LetterNow.Read(reader);
            reader.Close();
            var (current, webhooks) = (state.Of(sign.Petition), state.Webhooks);
            // Before the opening only through a preview link, and one not revoked meanwhile.
            var preview = !current.HasOpenedAt(now) && sign.PreviewHash is { } hash
                && await PreviewLinks.AdmitsAsync(connection, transaction, current.Id, hash);
            if (Admits(current, now, preview) is not SignOnOutcome.Accepted and var refused)
            {
                return refused;
            }

            sign = sign with { Petition = current, Webhooks = webhooks };
        }

        var request = sign.Request;
        var (organisationId, created) = OrganisationStore.FindOrCreate(connection, transaction,
            new OrganisationDraft(request.Organisation!, sign.NameKey, sign.LooseKey, request.City, request.Country, request.Website), now);
        // An organisation created just now has no signature yet, on this letter or any. One that withdrew
        // or was rejected signs again: a new signature, its old one kept with its history.
        var existing = created ? null : await connection.QuerySingleOrDefaultAsync<ExistingSignature>("""
            SELECT id, status, contact_email AS contactEmail FROM signatures
            WHERE petition_id = @Id AND organisation_id = @organisationId AND status NOT IN ('withdrawn', 'rejected')
            """, new { sign.Petition.Id, organisationId }, transaction);

        if (existing is not null)
        {
            await AnswerRepeatAsync(connection, transaction, sign.Petition, existing, sign.Request.Organisation!, sign.Email, sign.Request, sign.Language, now);
        }
        else
        {
            SignNew(connection, transaction, sign, organisationId);
        }

        return SignOnOutcome.Accepted;
    }

    private void SignNew(DbConnection connection, DbTransaction transaction, PreparedSignOn sign, long organisationId)
    {
        // The same name spelt otherwise (accents, a missing country) on this letter already: a person decides.
        // Organisations by their keys first (indexed), then each one's living signature on this letter (the
        // partial unique index). A scalar subquery, not EXISTS: PostgreSQL turns EXISTS into a join of its
        // choosing, and while its statistics lag a growing table it hashes every signature of the letter.
        var near = Prepared.Command(connection, transaction, """
            SELECT count(*)
            FROM (SELECT id FROM organisations WHERE loose_key = @looseKey UNION SELECT id FROM organisations WHERE name_key = @nameKey) o
            WHERE (SELECT s.id FROM signatures s
                   WHERE s.petition_id = @petitionId AND s.organisation_id = o.id AND s.status NOT IN ('withdrawn', 'rejected')
                   LIMIT 1) IS NOT NULL
            """).With("@petitionId", sign.Petition.Id).With("@looseKey", sign.LooseKey).With("@nameKey", sign.NameKey).ScalarInt64();
        var capped = RecipientCapped(connection, transaction, sign.Email, sign.Now);
        var signatureId = SignatureStore.Create(connection, transaction, Draft(sign, organisationId, near > 0, capped),
            SignatureAction.Sign, "signatory", null, sign.Now);
        // Only a letter with subscriptions pays for the statement (the count came with the letter's row above).
        if (sign.Webhooks > 0)
        {
            Webhooks.WebhookEvents.Queue(connection, transaction, sign.Petition.Id, signatureId, Webhooks.WebhookEvents.SignaturePending, sign.Now);
        }

        if (capped)
        {
            RecordWithheld(connection, transaction, sign.Petition.Id, signatureId, Emails.ConfirmSignOn, sign.Now);
            return;
        }

        // A new signature has no earlier link to void, and no emails yet to count against its own cap.
        var token = Tokens.IssueFirst(connection, transaction, Tokens.Confirm, signatureId, null, null, sign.Now, Tokens.ConfirmLifetime);
        outbox.Enqueue(connection, transaction, ConfirmEmail(sign, signatureId, token), sign.Now);
    }

    /// <summary>A new sign-on's signature: its flags say what a coordinator should look at.</summary>
    /// <param name="near">An organisation of the same name, spelt otherwise, is on the letter already.</param>
    /// <param name="capped">Its address has had all the sign-on emails it may get in a day.</param>
    private static SignatureDraft Draft(PreparedSignOn sign, long organisationId, bool near, bool capped)
    {
        var request = sign.Request;
        var flags = new List<string>(4) { sign.DomainFlag };
        if (near || sign.NearListed)
        {
            flags.Add(PossibleDuplicate);
        }

        if (sign.LookAlike)
        {
            flags.Add(LookAlike);
        }

        if (sign.LinkLike)
        {
            flags.Add(LinkLikeText.Flag);
        }

        if (capped)
        {
            flags.Add(EmailCapped);
        }

        return new SignatureDraft(sign.Petition.Id, organisationId, sign.Source, string.Join(' ', flags), request.ContactName, request.ContactRole,
            sign.Email, request.Website, sign.Now)
        {
            Comment = request.Comment, PetitionVersion = sign.Petition.Version, ConsentVersion = ConsentVersion, ConsentedAt = sign.Now,
            Language = sign.Language, TranslationVersion = sign.TranslationVersion, Ref = request.Ref,
            ShareContact = request.ShareContact, WantsUpdates = request.WantsUpdates,
        };
    }

    private OutgoingEmail ConfirmEmail(PreparedSignOn sign, long signatureId, string token) =>
        Emails.Confirm(Brand, sign.Language, sign.Email, sign.Petition.Title, sign.Request.Organisation!, Link($"/confirm/{token}")) with
        {
            PetitionId = sign.Petition.Id, SignatureId = signatureId,
        };

    /// <summary>What a sign-on needs of its letter as it is in the writer's transaction: it may have been closed since the caller looked.</summary>
    private sealed record LetterNow(string Status, DateTimeOffset? ClosesAt, int Version, DateTimeOffset? OpensAt, long Webhooks)
    {
        public const string Columns = "status, closes_at, version, opens_at, webhooks";

        public static LetterNow Read(DbDataReader reader, int first = 0) => new(
            reader.GetString(first),
            reader.IsDBNull(first + 1) ? null : Time.Parse(reader.GetString(first + 1)),
            reader.GetInt32(first + 2),
            reader.IsDBNull(first + 3) ? null : Time.Parse(reader.GetString(first + 3)),
            reader.GetInt64(first + 4));

        /// <returns>The caller's letter (its text in the signatory's language) in this state.</returns>
        public Petition Of(Petition letter) => letter with { Status = Status, ClosesAt = ClosesAt, Version = Version, OpensAt = OpensAt };
    }

    private async Task AnswerRepeatAsync(
        DbConnection connection, DbTransaction transaction, Petition petition, ExistingSignature existing, string name,
        string email, SignRequest sign, string language, DateTimeOffset now)
    {
        if (string.Equals(existing.ContactEmail, email, StringComparison.OrdinalIgnoreCase))
        {
            if (existing.Status == SignatureStatus.Pending)
            {
                // The first email may be lost or expired: a fresh link, and the old one stops working.
                var token = await Tokens.IssueAsync(connection, transaction, Tokens.Confirm, existing.Id, null, null, now, Tokens.ConfirmLifetime);
                await QueueAsync(connection, transaction, petition, existing.Id, Emails.Confirm(Brand, language, email, petition.Title, name, Link($"/confirm/{token}")), now);
            }
            else
            {
                await QueueAsync(connection, transaction, petition, existing.Id, Emails.Repeat(Brand, language, email, petition.Title, name, Link($"/petitions/{petition.Slug}")), now);
            }

            return;
        }

        // Another person of an organisation already on the letter: one line on the list, a further contact.
        var contact = await connection.QuerySingleOrDefaultAsync<ExistingContact>(
            "SELECT id, confirmed_at AS confirmedAt FROM contacts WHERE signature_id = @Id AND email = @email COLLATE NOCASE",
            new { existing.Id, email }, transaction);
        if (contact is { ConfirmedAt: not null })
        {
            await QueueAsync(connection, transaction, petition, existing.Id, Emails.Repeat(Brand, language, email, petition.Title, name, Link($"/petitions/{petition.Slug}")), now);
            return;
        }

        var contactId = contact?.Id ?? await connection.ExecuteScalarAsync<long>("""
            INSERT INTO contacts (signature_id, name, role, email, consent_version, consented_at, created_at)
            VALUES (@Id, @ContactName, @ContactRole, @email, @ConsentVersion, @at, @at)
            RETURNING id
            """, new { existing.Id, sign.ContactName, sign.ContactRole, email, ConsentVersion, at = Time.Format(now) }, transaction);
        if (contact is null)
        {
            SignatureStore.Record(connection, transaction, petition.Id, existing.Id, "signatory", "contact-added", null, null, null, now);
        }

        if (sign.WantsUpdates)
        {
            await connection.ExecuteAsync("UPDATE contacts SET wants_updates = @yes WHERE id = @contactId", new { yes = true, contactId }, transaction);
        }

        var contactToken = await Tokens.IssueAsync(connection, transaction, Tokens.Contact, existing.Id, contactId, null, now, Tokens.ConfirmLifetime);
        await QueueAsync(connection, transaction, petition, existing.Id, Emails.Contact(Brand, language, email, petition.Title, name, Link($"/confirm/{contactToken}")), now);
    }

    private async Task QueueAsync(DbConnection connection, DbTransaction transaction, Petition? petition, long signatureId, OutgoingEmail email, DateTimeOffset now)
    {
        var sent = await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM outbox WHERE signature_id = @signatureId AND to_address = @To COLLATE NOCASE",
            new { signatureId, email.To }, transaction);
        if (sent >= MaxEmailsPerAddress)
        {
            return;
        }

        if (RecipientCapped(connection, transaction, email.To, now))
        {
            Prepared.Command(connection, transaction, $"""
                UPDATE signatures SET flags = ltrim(flags || ' ' || '{EmailCapped}') WHERE id = @id AND (' ' || flags || ' ') NOT LIKE '% {EmailCapped} %'
                """).With("@id", signatureId).ExecuteNonQuery();
            RecordWithheld(connection, transaction, email.PetitionId ?? petition!.Id, signatureId, email.Kind, now);
            return;
        }

        outbox.Enqueue(connection, transaction, email with { PetitionId = email.PetitionId ?? petition?.Id, SignatureId = signatureId }, now);
    }

    // One indexed count (outbox_by_recipient) in the sign-on's own transaction, so sign-ons arriving
    // together cannot pass the cap between them. Coordinator alerts and later emails are not sign-on emails.
    // On PostgreSQL several nodes write at once under READ COMMITTED: a lock on the address, held to
    // the commit, makes the others' count wait for this one's email.
    private static bool RecipientCapped(DbConnection connection, DbTransaction transaction, string to, DateTimeOffset now)
    {
        if (connection is Npgsql.NpgsqlConnection)
        {
            Prepared.Command(connection, transaction, $"SELECT pg_advisory_xact_lock({RecipientLockKey("@to::text")})").With("@to", to).ExecuteNonQuery();
        }

        return Prepared.Command(connection, transaction, $"""
            SELECT count(*) FROM outbox
            WHERE to_address = @to COLLATE NOCASE AND created_at > @since AND kind IN ({SignOnEmailKinds})
            """).With("@to", to).With("@since", Time.Format(now - TimeSpan.FromDays(1))).ScalarInt64() >= MaxSignOnEmailsPerRecipientPerDay;
    }

    // What the count takes for one address is PostgreSQL's nocase collation: ICU's root order at
    // level 2, which folds case and width further than ordinal case folding does (ẞ and ß, ｓ and s).
    // The lock is keyed by the server's hash under that collation (equal spellings, equal hashes, on
    // every node); a batch keeps addresses apart by the same folding in .NET (the same ICU collator).
    /// <summary>Addresses the cap counts as one.</summary>
    internal static readonly StringComparer SameRecipient = StringComparer.Create(CultureInfo.InvariantCulture,
        CompareOptions.IgnoreCase | CompareOptions.IgnoreWidth | CompareOptions.IgnoreKanaType);

    /// <summary>SQL for the advisory lock key of the address <paramref name="address"/> (PostgreSQL).</summary>
    internal static string RecipientLockKey(string address) => $"hashtextextended({address} COLLATE nocase, 8)";

    /// <summary>The emails a sign-on sends, as SQL: the ones <see cref="MaxSignOnEmailsPerRecipientPerDay"/> counts.</summary>
    private const string SignOnEmailKinds = $"'{Emails.ConfirmSignOn}', '{Emails.AlreadySigned}', '{Emails.ConfirmContact}'";

    // The sign-on is answered as any other; the coordinators see in its history why no email went.
    private static void RecordWithheld(DbConnection connection, DbTransaction transaction, long petitionId, long signatureId, string kind, DateTimeOffset now) =>
        SignatureStore.Record(connection, transaction, Withheld(petitionId, signatureId, kind, now));

    private static SignatureStore.HistoryEvent Withheld(long petitionId, long signatureId, string kind, DateTimeOffset now) =>
        new(petitionId, signatureId, "system", "email-withheld", null, null,
            $"No {kind} email was sent: its address has had {MaxSignOnEmailsPerRecipientPerDay} sign-on emails in the last 24 hours, " +
            "the most any address gets, whatever the letter.", now);

    private string Link(string path) => publicBase.Link(path);

    private EmailBrand Brand => EmailBrand.From(options);

    // Dapper rows as settable properties: SQLite's loose types then convert (integers to bool, NULLs).
    /// <summary>A sign-on with everything worked out that does not need the database.</summary>
    private sealed record PreparedSignOn(
        Petition Petition, SignRequest Request, string Email, string Source, string NameKey, string LooseKey, string DomainFlag, bool LookAlike,
        bool LinkLike, DateTimeOffset Now)
    {
        /// <summary>Near a listed organisation's name or domain (<see cref="NearNames.Index.Near"/>).</summary>
        public bool NearListed { get; init; }

        /// <summary>The version of the published translation the signatory read, when it read one.</summary>
        public int? TranslationVersion { get; init; }

        /// <summary>The language of the request that signs: its emails are written by the group commit's writer, in another request's flow.</summary>
        public string Language { get; init; } = Web.Languages.English.Code;

        /// <summary>The SHA-256 of the preview link's token the sign-on came with (<see cref="Web.SecretTokens.HashOf"/>).</summary>
        public byte[]? PreviewHash { get; init; }
        /// <summary>How many webhook subscriptions the letter has, as read in the writer's transaction.</summary>
        public long Webhooks { get; init; }
    }

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
