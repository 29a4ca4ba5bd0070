using System.Buffers.Text;
using System.Data.Common;
using System.Security.Cryptography;
using Dapper;
using Petitions.Data;

namespace Petitions.Petitions;

/// <summary>A preview link as its letter's coordinators see it: never its token, which was shown once.</summary>
public sealed record PreviewLink(long Id, string Label, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt)
{
    public bool Revoked => RevokedAt is not null;
}

/// <summary>A preview link as it is made: the only time its address (with the token) is given.</summary>
public sealed record CreatedPreviewLink(long Id, string Label, string Url, DateTimeOffset CreatedAt);

/// <summary>
/// Preview links: a co-sponsor reads a letter before it opens (<see cref="Petition.OpensAt"/>), and may sign it.
/// The token is 32 random bytes, base64url in the link; only its SHA-256 is stored, so the link is shown once,
/// when it is made. A link works until its coordinators revoke it; it no longer matters once the letter is open.
/// </summary>
public sealed class PreviewLinks(Db db)
{
    /// <summary>The query parameter (on the letter page) and form field (on the sign-on form) that carry the token.</summary>
    public const string Parameter = "preview";

    public const int MaxLabel = 200;

    public static async Task<(long Id, string Token)> CreateAsync(
        DbConnection connection, DbTransaction transaction, long petitionId, string label, DateTimeOffset now, string actor)
    {
        var (token, hash) = Web.SecretTokens.New();
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO petition_previews (petition_id, label, hash, created_at, created_by)
            VALUES (@petitionId, @label, @hash, @at, @actor)
            RETURNING id
            """, new { petitionId, label, hash, at = Time.Format(now), actor }, transaction);
        return (id, token);
    }

    public async Task<IReadOnlyList<PreviewLink>> ListAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>("""
            SELECT id, label, created_at AS createdAt, created_by AS createdBy, revoked_at AS revokedAt
            FROM petition_previews WHERE petition_id = @petitionId ORDER BY id
            """, new { petitionId });
        return rows.Select(r => new PreviewLink(r.Id, r.Label, Time.Parse(r.CreatedAt), r.CreatedBy, Time.ParseOrNull(r.RevokedAt))).ToList();
    }

    /// <returns>False when the letter has no such link, or it was revoked already.</returns>
    public static async Task<bool> RevokeAsync(DbConnection connection, DbTransaction transaction, long petitionId, long id, DateTimeOffset now) =>
        await connection.ExecuteAsync(
            "UPDATE petition_previews SET revoked_at = @at WHERE id = @id AND petition_id = @petitionId AND revoked_at IS NULL",
            new { at = Time.Format(now), id, petitionId }, transaction) == 1;

    /// <summary>Whether the token is a live (unrevoked) preview link of the letter.</summary>
    public async Task<bool> AdmitsAsync(long petitionId, string? token, CancellationToken cancellationToken = default)
    {
        if (Web.SecretTokens.HashOf(token) is not { } hash)
        {
            return false;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        return await AdmitsAsync(connection, null, petitionId, hash);
    }

    /// <summary>The check again inside the sign-on's transaction: a link revoked meanwhile signs nothing.</summary>
    public static async Task<bool> AdmitsAsync(DbConnection connection, DbTransaction? transaction, long petitionId, byte[] hash) =>
        await connection.ExecuteScalarAsync<long?>(
            "SELECT id FROM petition_previews WHERE hash = @hash AND petition_id = @petitionId AND revoked_at IS NULL",
            new { hash, petitionId }, transaction) is not null;

    private sealed class Row
    {
        public long Id { get; init; }
        public string Label { get; init; } = "";
        public string CreatedAt { get; init; } = "";
        public string CreatedBy { get; init; } = "";
        public string? RevokedAt { get; init; }
    }
}
