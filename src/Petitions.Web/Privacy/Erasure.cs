using Dapper;
using Petitions.Data;
using Petitions.Signatures;

namespace Petitions.Privacy;

/// <param name="Files">Emails in the pickup folder that named the address, deleted.</param>
public sealed record ErasureResult(int Signatures, int Contacts, int Emails, int Unlisted, int Files);

/// <summary>
/// Erases a person on request: their name, role, email and comments everywhere. An organisation
/// they signed for stays listed only if another of its contacts confirmed their address (and becomes
/// its contact); otherwise it is withdrawn with <see cref="WithdrawalReason"/>. The history records
/// the erasure without the address, and the deleted bytes are overwritten (secure_delete, WAL checkpoint).
/// </summary>
public sealed class Erasure(Db db, ListChanges changes, TimeProvider clock, PickupFolder pickup)
{
    /// <summary>Why a signature whose contact was erased, with no confirmed contact left, is withdrawn.</summary>
    public const string WithdrawalReason = "contact erased on request";

    public async Task<ErasureResult> EraseAsync(string email, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        int signatures = 0, contacts = 0, unlisted = 0;
        await using var connection = await db.OpenAsync(cancellationToken);
        if (!db.IsPostgres)
        {
            await connection.ExecuteAsync("PRAGMA secure_delete = ON");
        }

        await using (var transaction = Db.BeginWrite(connection))
        {
            var signed = (await connection.QueryAsync<(long Id, long PetitionId, string Status)>(
                "SELECT id, petition_id, status FROM signatures WHERE contact_email = @email COLLATE NOCASE", new { email }, transaction)).ToList();
            foreach (var (id, petitionId, status) in signed)
            {
                signatures++;
                // Only someone who proved they hold their address may speak for a listed organisation:
                // anyone can add themselves as a further contact without confirming.
                var heir = await connection.QuerySingleOrDefaultAsync<(long Id, string Name, string? Role, string Email)?>("""
                    SELECT id, name, role, email FROM contacts
                    WHERE signature_id = @id AND email <> @email COLLATE NOCASE AND confirmed_at IS NOT NULL
                    ORDER BY confirmed_at, id LIMIT 1
                    """,
                    new { id, email }, transaction);
                if (heir is { } next)
                {
                    await connection.ExecuteAsync(
                        "UPDATE signatures SET contact_name = @Name, contact_role = @Role, contact_email = @Email, comment = NULL WHERE id = @signatureId",
                        new { next.Name, next.Role, next.Email, signatureId = id }, transaction);
                    await connection.ExecuteAsync("DELETE FROM tokens WHERE contact_id = @Id; DELETE FROM contacts WHERE id = @Id", new { next.Id }, transaction);
                }
                else
                {
                    await connection.ExecuteAsync(
                        "UPDATE signatures SET contact_name = NULL, contact_role = NULL, contact_email = NULL, comment = NULL WHERE id = @id",
                        new { id }, transaction);
                    if (SignatureStatus.CanApply(SignatureAction.Withdraw, status))
                    {
                        await SignatureStore.ApplyAsync(connection, transaction, changes, id, SignatureAction.Withdraw, "system", WithdrawalReason, now);
                        unlisted++;
                    }
                    else if (SignatureStatus.CanApply(SignatureAction.Reject, status))
                    {
                        await SignatureStore.ApplyAsync(connection, transaction, changes, id, SignatureAction.Reject, "system", WithdrawalReason, now);
                    }
                }

                await connection.ExecuteAsync("DELETE FROM tokens WHERE signature_id = @id", new { id }, transaction);
                SignatureStore.Record(connection, transaction, petitionId, id, "system", "erased", null, null,
                    "a contact's personal data erased on request", now);
            }

            var contactRows = (await connection.QueryAsync<(long Id, long SignatureId)>(
                "SELECT id, signature_id FROM contacts WHERE email = @email COLLATE NOCASE", new { email }, transaction)).ToList();
            foreach (var (contactId, signatureId) in contactRows)
            {
                contacts++;
                await connection.ExecuteAsync("DELETE FROM tokens WHERE contact_id = @contactId; DELETE FROM contacts WHERE id = @contactId",
                    new { contactId }, transaction);
                var petitionId = await connection.ExecuteScalarAsync<long>("SELECT petition_id FROM signatures WHERE id = @signatureId", new { signatureId }, transaction);
                SignatureStore.Record(connection, transaction, petitionId, signatureId, "system", "erased", null, null,
                    "a further contact's personal data erased on request", now);
            }

            var emails = await connection.ExecuteAsync("DELETE FROM outbox WHERE to_address = @email COLLATE NOCASE", new { email }, transaction);
            // Not the request's token: a commit that happened must be announced, even if the client has gone.
            await transaction.CommitAsync(CancellationToken.None);
            foreach (var petitionId in signed.Select(s => s.PetitionId).Distinct())
            {
                changes.Changed(petitionId);
            }

            // Old page images live on in SQLite's WAL until it is checkpointed and truncated. PostgreSQL
            // keeps dead row versions until VACUUM, which autovacuum runs; its WAL is the server's to recycle.
            if (!db.IsPostgres)
            {
                await connection.ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            // Sent emails written to the pickup folder hold the address and the person's live links
            // (confirmation, sign-in, withdrawal), whoever they were sent to.
            var files = pickup.Erase(email);
            return new ErasureResult(signatures, contacts, emails, unlisted, files);
        }
    }
}
