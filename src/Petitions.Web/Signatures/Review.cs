using Dapper;
using Petitions.Data;
using Petitions.Email;

namespace Petitions.Signatures;

public sealed class UnknownSignatureException(long id) : InvalidOperationException($"There is no signature {id} on this letter.");

/// <summary>
/// What coordinators (and signatories, by their withdrawal link) do to a signature after it is
/// confirmed: approve, reject, withdraw. Each is one transaction with its emails.
/// </summary>
public sealed class Review(Db db, Notifications notifications, Outbox outbox, ListChanges changes, TimeProvider clock)
{
    /// <param name="at">When it happened, as a formal letter dates a withdrawal; now if not given.</param>
    /// <returns>The new status.</returns>
    /// <remarks>Approving a look-alike of a listed organisation in the same country throws <see cref="LookAlikeListedException"/>.</remarks>
    public Task<string> ApplyAsync(
        long petitionId, long signatureId, SignatureAction action, string actor, string? reason, DateTimeOffset? at = null,
        CancellationToken cancellationToken = default) =>
        ApplyAsync(petitionId, signatureId, action, actor, reason, at, besideTwin: false, cancellationToken);

    /// <summary>Lists a look-alike beside the organisation it resembles, for the reason given.</summary>
    public Task<string> ApproveBesideTwinAsync(long petitionId, long signatureId, string actor, string reason, CancellationToken cancellationToken = default) =>
        ApplyAsync(petitionId, signatureId, SignatureAction.Approve, actor, reason, null, besideTwin: true, cancellationToken);

    private async Task<string> ApplyAsync(
        long petitionId, long signatureId, SignatureAction action, string actor, string? reason, DateTimeOffset? at, bool besideTwin,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var signature = await SignatureContext.LoadAsync(connection, transaction, signatureId);
        if (signature is null || signature.PetitionId != petitionId)
        {
            throw new UnknownSignatureException(signatureId);
        }

        if (action == SignatureAction.Approve && await Twins.FindAsync(connection, transaction, signatureId) is { } twin)
        {
            if (!besideTwin || string.IsNullOrWhiteSpace(reason))
            {
                throw new LookAlikeListedException(twin);
            }

            reason = $"Listed beside {twin.Organisation}: {reason}";
        }

        var status = await SignatureStore.ApplyAsync(connection, transaction, changes, signatureId, action, actor, reason, at ?? now);
        switch (action)
        {
            case SignatureAction.Approve:
                await notifications.ListedAsync(connection, transaction, signature, now);
                break;
            case SignatureAction.Withdraw:
                await notifications.WithdrawnAsync(connection, transaction, signature, reason, at ?? now, now);
                break;
        }

        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
        return status;
    }

    /// <summary>
    /// Merges a look-alike into the listed organisation it resembles: its contact becomes a further
    /// contact of that signature, and it is rejected with the reason, in one transaction.
    /// </summary>
    /// <returns>The signature it was merged into.</returns>
    public async Task<Twin> MergeAsync(long petitionId, long signatureId, string actor, string? reason, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var signature = await SignatureContext.LoadAsync(connection, transaction, signatureId);
        if (signature is null || signature.PetitionId != petitionId)
        {
            throw new UnknownSignatureException(signatureId);
        }

        var twin = await Twins.FindAsync(connection, transaction, signatureId)
            ?? throw new IllegalTransitionException(signature.Status, SignatureAction.Reject);
        var why = $"Merged into {twin.Organisation}" + (string.IsNullOrWhiteSpace(reason) ? "." : $": {reason}");
        await SignatureStore.ApplyAsync(connection, transaction, changes, signatureId, SignatureAction.Reject, actor, why, now);
        await connection.ExecuteAsync("""
            INSERT INTO contacts (signature_id, name, role, email, consent_version, consented_at, created_at, confirmed_at)
            SELECT @twin, s.contact_name, s.contact_role, s.contact_email, s.consent_version, s.consented_at, @at, s.confirmed_at
            FROM signatures s
            WHERE s.id = @signatureId AND s.contact_email IS NOT NULL AND s.contact_name IS NOT NULL
              AND lower(s.contact_email) <> lower(coalesce((SELECT t.contact_email FROM signatures t WHERE t.id = @twin), ''))
            ON CONFLICT DO NOTHING
            """, new { twin = twin.Id, signatureId, at = Time.Format(now) }, transaction);
        SignatureStore.Record(connection, transaction, petitionId, twin.Id, actor, "merged", null, null, $"Signature {signatureId} merged into this one: {signature.Organisation}", now);
        await transaction.CommitAsync(cancellationToken);
        return twin;
    }

    /// <summary>The letter a withdrawal link belongs to, without using it.</summary>
    public async Task<(TokenState State, SignatureContext? Signature)> PeekWithdrawalAsync(string? token, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var record = await Tokens.FindAsync(connection, null, Tokens.Withdraw, token);
        if (record is null)
        {
            return (TokenState.Unknown, null);
        }

        var signature = await SignatureContext.LoadAsync(connection, null, record.SignatureId!.Value);
        var state = record.StateAt(clock.GetUtcNow());
        // A link of a signature that is withdrawn or rejected already has nothing left to do.
        return state == TokenState.Valid && !SignatureStatus.CanApply(SignatureAction.Withdraw, signature!.Status)
            ? (TokenState.Used, signature)
            : (state, signature);
    }

    /// <summary>The signatory withdraws through the link in its "you are listed" email.</summary>
    public async Task<(TokenState State, SignatureContext? Signature)> WithdrawByLinkAsync(string? token, string? reason, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var record = await Tokens.FindAsync(connection, transaction, Tokens.Withdraw, token);
        if (record is null)
        {
            return (TokenState.Unknown, null);
        }

        var signature = (await SignatureContext.LoadAsync(connection, transaction, record.SignatureId!.Value))!;
        var state = record.StateAt(now);
        if (state != TokenState.Valid)
        {
            return (state, signature);
        }

        if (!SignatureStatus.CanApply(SignatureAction.Withdraw, signature.Status) || !await Tokens.UseAsync(connection, transaction, record.Id, now))
        {
            return (TokenState.Used, signature);
        }

        await SignatureStore.ApplyAsync(connection, transaction, changes, signature.Id, SignatureAction.Withdraw, "signatory", reason, now);
        await notifications.WithdrawnAsync(connection, transaction, signature, reason, now, now);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
        return (TokenState.Valid, signature);
    }

    /// <summary>Corrects the address of a signatory whose email failed for good, and sends that email again.</summary>
    public async Task ResendAsync(long petitionId, long outboxId, string newAddress, string actor, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var failed = await connection.QuerySingleOrDefaultAsync<FailedEmail>("""
            SELECT id, kind, signature_id AS signatureId, to_address AS toAddress, subject, text_body AS textBody, html_body AS htmlBody
            FROM outbox WHERE id = @outboxId AND petition_id = @petitionId AND status = 'failed'
            """, new { outboxId, petitionId }, transaction) ?? throw new UnknownSignatureException(outboxId);
        if (failed.SignatureId is { } signatureId)
        {
            await connection.ExecuteAsync(
                "UPDATE signatures SET contact_email = @newAddress WHERE id = @signatureId AND contact_email = @ToAddress COLLATE NOCASE",
                new { newAddress, signatureId, failed.ToAddress }, transaction);
            SignatureStore.Record(connection, transaction, petitionId, signatureId, actor, "email-corrected", null, null,
                $"{failed.Kind} resent to the corrected address", now);
        }

        // The failed message was never sent, so its body (and any link in it) was kept for this.
        outbox.Enqueue(connection, transaction, new OutgoingEmail(
            failed.Kind, newAddress, failed.Subject, failed.TextBody ?? "", failed.HtmlBody ?? "", petitionId, failed.SignatureId), now);
        await connection.ExecuteAsync("UPDATE outbox SET last_error = last_error || ' (resent to a corrected address)' WHERE id = @outboxId",
            new { outboxId }, transaction);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
    }

    private sealed class FailedEmail
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public long? SignatureId { get; init; }
        public string ToAddress { get; init; } = "";
        public string Subject { get; init; } = "";
        public string? TextBody { get; init; }
        public string? HtmlBody { get; init; }
    }
}
