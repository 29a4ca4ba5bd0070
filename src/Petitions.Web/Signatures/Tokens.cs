using System.Data.Common;
using System.Buffers.Text;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Data.Sqlite;
using Petitions.Data;

namespace Petitions.Signatures;

public enum TokenState
{
    Valid,
    Unknown,
    Used,
    Expired,
}

public sealed record TokenRecord(long Id, string Purpose, long? SignatureId, long? ContactId, long? SubjectId, DateTimeOffset ExpiresAt, bool Spent)
{
    public TokenState StateAt(DateTimeOffset now) => Spent ? TokenState.Used : now < ExpiresAt ? TokenState.Valid : TokenState.Expired;
}

/// <summary>
/// One-time tokens for links in emails: 32 random bytes, base64url in the link, only their
/// SHA-256 stored. Single use, absolute expiry, and a new token of a purpose voids the old ones.
/// </summary>
public static class Tokens
{
    public const string Confirm = "confirm";
    public const string Contact = "contact";
    public const string Withdraw = "withdraw";
    public const string SignIn = "sign-in";

    public static readonly TimeSpan ConfirmLifetime = TimeSpan.FromHours(24);

    /// <returns>The token to put in a link; the database keeps only its hash.</returns>
    public static async Task<string> IssueAsync(
        DbConnection connection, DbTransaction transaction, string purpose, long? signatureId, long? contactId, long? subjectId,
        DateTimeOffset now, TimeSpan lifetime)
    {
        var at = Time.Format(now);
        // "=" rather than "IS" where there is a signature, so the index on (signature_id, purpose) is used.
        await connection.ExecuteAsync(signatureId is null
            ? """
              UPDATE tokens SET voided_at = @at
              WHERE purpose = @purpose AND used_at IS NULL AND voided_at IS NULL
                AND signature_id IS NULL AND contact_id IS NOT DISTINCT FROM @contactId AND subject_id IS NOT DISTINCT FROM @subjectId
              """
            : """
              UPDATE tokens SET voided_at = @at
              WHERE signature_id = @signatureId AND purpose = @purpose AND used_at IS NULL AND voided_at IS NULL
                AND contact_id IS NOT DISTINCT FROM @contactId AND subject_id IS NOT DISTINCT FROM @subjectId
              """, new { at, purpose, signatureId, contactId, subjectId }, transaction);
        return IssueFirst(connection, transaction, purpose, signatureId, contactId, subjectId, now, lifetime);
    }

    /// <summary>
    /// A token for a signature (or contact) created in this very transaction: there is no earlier
    /// one to void, so this skips <see cref="IssueAsync"/>'s search for one.
    /// </summary>
    public static string IssueFirst(
        DbConnection connection, DbTransaction transaction, string purpose, long? signatureId, long? contactId, long? subjectId,
        DateTimeOffset now, TimeSpan lifetime)
    {
        var (token, hash) = Web.SecretTokens.New();
        Prepared.Command(connection, transaction, """
            INSERT INTO tokens (hash, purpose, signature_id, contact_id, subject_id, created_at, expires_at)
            VALUES (@hash, @purpose, @signatureId, @contactId, @subjectId, @at, @expires)
            """)
            .With("@hash", hash).With("@purpose", purpose).With("@signatureId", signatureId).With("@contactId", contactId)
            .With("@subjectId", subjectId).With("@at", Time.Format(now)).With("@expires", Time.Format(now + lifetime))
            .ExecuteNonQuery();
        return token;
    }

    /// <summary><see cref="IssueFirst"/> for many new signatures at once, on PostgreSQL: one statement.</summary>
    /// <returns>The tokens, in the signatures' order.</returns>
    public static string[] IssueFirstAll(
        DbConnection connection, DbTransaction transaction, string purpose, IReadOnlyList<(long SignatureId, DateTimeOffset Now)> signatures,
        TimeSpan lifetime)
    {
        var issued = signatures.Select(_ => Web.SecretTokens.New()).ToArray();
        Prepared.Command(connection, transaction, """
            INSERT INTO tokens (hash, purpose, signature_id, created_at, expires_at)
            SELECT t.hash, @purpose, t.signature_id, t.created_at, t.expires_at
            FROM unnest(@hashes::bytea[], @signatureIds::bigint[], @createdAts::text[], @expiresAts::text[]) AS t(hash, signature_id, created_at, expires_at)
            """)
            .With("@hashes", issued.Select(t => t.Hash).ToArray()).With("@signatureIds", signatures.Select(s => s.SignatureId).ToArray())
            .With("@purpose", purpose).With("@createdAts", signatures.Select(s => Time.Format(s.Now)).ToArray())
            .With("@expiresAts", signatures.Select(s => Time.Format(s.Now + lifetime)).ToArray())
            .ExecuteNonQuery();
        return issued.Select(t => t.Token).ToArray();
    }

    /// <returns>The token's record, or null when the text is not one we issued.</returns>
    public static async Task<TokenRecord?> FindAsync(DbConnection connection, DbTransaction? transaction, string purpose, string? token)
    {
        if (Web.SecretTokens.HashOf(token) is not { } hash)
        {
            return null;
        }

        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>("""
            SELECT id, purpose, signature_id AS signatureId, contact_id AS contactId, subject_id AS subjectId, expires_at AS expiresAt,
                   (used_at IS NOT NULL OR voided_at IS NOT NULL) AS spent
            FROM tokens WHERE hash = @hash AND purpose = @purpose
            """, new { hash, purpose }, transaction);
        return row is null ? null : new TokenRecord(row.Id, row.Purpose, row.SignatureId, row.ContactId, row.SubjectId, Time.Parse(row.ExpiresAt), row.Spent);
    }

    /// <returns>False when another request used the token first.</returns>
    public static async Task<bool> UseAsync(DbConnection connection, DbTransaction transaction, long tokenId, DateTimeOffset now) =>
        await connection.ExecuteAsync(
            "UPDATE tokens SET used_at = @at WHERE id = @tokenId AND used_at IS NULL AND voided_at IS NULL",
            new { at = Time.Format(now), tokenId }, transaction) == 1;

    private sealed class TokenRow
    {
        public long Id { get; init; }
        public string Purpose { get; init; } = "";
        public long? SignatureId { get; init; }
        public long? ContactId { get; init; }
        public long? SubjectId { get; init; }
        public string ExpiresAt { get; init; } = "";
        public bool Spent { get; init; }
    }
}
