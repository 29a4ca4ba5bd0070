using System.Data.Common;
using System.Buffers.Text;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Data.Sqlite;
using Petitions.Data;

namespace Petitions.Coordinators;

public sealed record Coordinator(long Id, string Email, string? Name, bool AllPetitions);

/// <summary>A coordinator's reach on one letter.</summary>
/// <param name="Partner">The partner code whose sign-ons alone they see, review and export; null: the whole letter.</param>
public sealed record LetterAccess(string? Partner)
{
    public static readonly LetterAccess Whole = new((string?)null);

    public bool WholeLetter => Partner is null;
}

public sealed class CoordinatorStore(Db db, TimeProvider clock)
{
    /// <summary>Creates a coordinator (or finds the one with that email) and issues a new API token, shown once.</summary>
    /// <param name="petitionIds">The letters the coordinator may act on; none means every letter.</param>
    /// <param name="tokenLifetime">How long the token works; <see cref="DefaultTokenLifetime"/> unless given.</param>
    public Task<(Coordinator Coordinator, string Token)> AddAsync(
        string email, string? name, IReadOnlyList<long> petitionIds, TimeSpan? tokenLifetime = null, CancellationToken cancellationToken = default) =>
        AddAsync(email, name, petitionIds, partnerCode: null, tokenLifetime, cancellationToken);

    /// <param name="partnerCode">A partner of each of those letters: the coordinator acts only on the sign-ons it brought. Null: the whole letters.</param>
    public async Task<(Coordinator Coordinator, string Token)> AddAsync(
        string email, string? name, IReadOnlyList<long> petitionIds, string? partnerCode, TimeSpan? tokenLifetime = null, CancellationToken cancellationToken = default)
    {
        var issued = clock.GetUtcNow();
        var now = Time.Format(issued);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var removed = await connection.QuerySingleOrDefaultAsync<(long Id, string? RemovedAt)?>(
            "SELECT id, removed_at FROM coordinators WHERE email = @email", new { email }, transaction);
        if (removed is { RemovedAt: not null })
        {
            // Adding a removed coordinator again starts afresh: none of their former letters come back with them.
            await connection.ExecuteAsync("DELETE FROM coordinator_petitions WHERE coordinator_id = @id", new { id = removed.Value.Id }, transaction);
            await connection.ExecuteAsync("UPDATE coordinators SET removed_at = NULL, all_petitions = @all WHERE id = @id",
                new { id = removed.Value.Id, all = petitionIds.Count == 0 }, transaction);
        }

        var id = removed?.Id
            ?? await connection.ExecuteScalarAsync<long>("""
                INSERT INTO coordinators (email, name, all_petitions, created_at) VALUES (@email, @name, @all, @now) RETURNING id
                """, new { email, name, all = petitionIds.Count == 0, now }, transaction);
        if (name is not null)
        {
            await connection.ExecuteAsync("UPDATE coordinators SET name = @name WHERE id = @id", new { name, id }, transaction);
        }

        // Added again, the coordinator's reach on a letter is what this call says: the whole letter, or one partner's sign-ons.
        foreach (var petitionId in petitionIds)
        {
            await connection.ExecuteAsync("""
                INSERT INTO coordinator_petitions (coordinator_id, petition_id, partner_code) VALUES (@id, @petitionId, @partnerCode)
                ON CONFLICT (coordinator_id, petition_id) DO UPDATE SET partner_code = excluded.partner_code
                """, new { id, petitionId, partnerCode }, transaction);
        }

        var (token, hash) = Web.SecretTokens.New();
        await connection.ExecuteAsync("""
            INSERT INTO api_tokens (coordinator_id, hash, prefix, created_at, expires_at) VALUES (@id, @hash, @prefix, @now, @expires)
            """, new { id, hash, prefix = token[..TokenPrefixLength], now, expires = Time.Format(issued + (tokenLifetime ?? DefaultTokenLifetime)) },
            transaction);
        var coordinator = await FindAsync(connection, transaction, id);
        await transaction.CommitAsync(cancellationToken);
        return (coordinator!, token);
    }

    /// <summary>How long an API token works unless `coordinators add --expires-days` says otherwise.</summary>
    public static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromDays(365);

    /// <summary>The characters of a token kept in clear, to name it in `coordinators revoke`.</summary>
    public const int TokenPrefixLength = 8;

    public async Task<Coordinator?> FindByApiTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        if (Web.SecretTokens.HashOf(token) is not { } hash)
        {
            return null;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long CoordinatorId, string? ExpiresAt)?>(
            "SELECT coordinator_id, expires_at FROM api_tokens WHERE hash = @hash AND revoked_at IS NULL", new { hash });
        if (row is not { } live || (live.ExpiresAt is not null && Time.Parse(live.ExpiresAt) <= clock.GetUtcNow()))
        {
            return null;
        }

        return await FindAsync(connection, null, live.CoordinatorId);
    }

    /// <summary>Revokes every API token and session of a coordinator.</summary>
    /// <returns>How many tokens and sessions were still live; null when there is no such coordinator.</returns>
    public async Task<(int Tokens, int Sessions)?> RevokeAllAsync(string email, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var id = await connection.ExecuteScalarAsync<long?>("SELECT id FROM coordinators WHERE email = @email", new { email }, transaction);
        if (id is null)
        {
            return null;
        }

        var revoked = await RevokeAllAsync(connection, transaction, id.Value, clock.GetUtcNow());
        await transaction.CommitAsync(cancellationToken);
        return revoked;
    }

    /// <summary>Revokes the one API token whose text starts with the prefix.</summary>
    /// <returns>The coordinator's email, or why nothing was revoked.</returns>
    public async Task<(string? Email, string? Problem)> RevokeTokenAsync(string prefix, CancellationToken cancellationToken = default)
    {
        if (prefix.Length < TokenPrefixLength || !Base64Url.IsValid(prefix))
        {
            return (null, $"a token prefix is at least {TokenPrefixLength} characters of the token");
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        // The whole token names itself by its hash; a shorter prefix by the characters kept in clear.
        var matches = (Web.SecretTokens.HashOf(prefix) is { } hash
            ? await connection.QueryAsync<(long Id, string Email)>("""
                SELECT t.id, c.email FROM api_tokens t JOIN coordinators c ON c.id = t.coordinator_id WHERE t.hash = @hash AND t.revoked_at IS NULL
                """, new { hash }, transaction)
            : await connection.QueryAsync<(long Id, string Email)>("""
                SELECT t.id, c.email FROM api_tokens t JOIN coordinators c ON c.id = t.coordinator_id WHERE t.prefix = @prefix AND t.revoked_at IS NULL
                """, new { prefix = prefix[..TokenPrefixLength] }, transaction)).ToList();
        if (matches.Count != 1)
        {
            return (null, matches.Count == 0 ? $"no live token starts with '{prefix}'" : $"'{prefix}' starts {matches.Count} tokens; give more of it, or the email");
        }

        await connection.ExecuteAsync("UPDATE api_tokens SET revoked_at = @now WHERE id = @id",
            new { now = Time.Format(clock.GetUtcNow()), id = matches[0].Id }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return (matches[0].Email, null);
    }

    /// <summary>
    /// Removes a coordinator: every token and session revoked, no letter to act on, no sign-in or
    /// alert. The row stays, so the history's "coordinator:ID" still names who did what.
    /// </summary>
    /// <returns>False when there is no such coordinator (or they were removed already).</returns>
    public async Task<bool> RemoveAsync(string email, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var id = await connection.ExecuteScalarAsync<long?>(
            "SELECT id FROM coordinators WHERE email = @email AND removed_at IS NULL", new { email }, transaction);
        if (id is null)
        {
            return false;
        }

        await RevokeAllAsync(connection, transaction, id.Value, now);
        await connection.ExecuteAsync("UPDATE coordinators SET removed_at = @now, all_petitions = @everyLetter WHERE id = @id", new { now = Time.Format(now), everyLetter = false, id }, transaction);
        await connection.ExecuteAsync("DELETE FROM coordinator_petitions WHERE coordinator_id = @id", new { id }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static async Task<(int Tokens, int Sessions)> RevokeAllAsync(DbConnection connection, DbTransaction transaction, long id, DateTimeOffset now)
    {
        var at = Time.Format(now);
        var tokens = await connection.ExecuteAsync("UPDATE api_tokens SET revoked_at = @at WHERE coordinator_id = @id AND revoked_at IS NULL", new { at, id }, transaction);
        var sessions = await connection.ExecuteAsync(
            "UPDATE coordinator_sessions SET revoked_at = @at WHERE coordinator_id = @id AND revoked_at IS NULL", new { at, id }, transaction);
        return (tokens, sessions);
    }

    /// <summary>Whether the coordinator may act on every letter, and so on routes that name none.</summary>
    public async Task<bool> ActsOnEveryLetterAsync(long coordinatorId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM coordinators WHERE id = @coordinatorId AND all_petitions AND removed_at IS NULL)", new { coordinatorId });
    }

    public async Task<Coordinator?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long?>("SELECT id FROM coordinators WHERE email = @email AND removed_at IS NULL", new { email });
        return id is null ? null : await FindAsync(connection, null, id.Value);
    }

    public async Task<Coordinator?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id);
    }

    public static async Task<Coordinator?> FindAsync(DbConnection connection, DbTransaction? transaction, long id)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CoordinatorRow>(
            "SELECT id, email, name, all_petitions AS allPetitions FROM coordinators WHERE id = @id AND removed_at IS NULL", new { id }, transaction);
        return row is null ? null : new Coordinator(row.Id, row.Email, row.Name, row.AllPetitions);
    }

    /// <summary>Whether the coordinator may act on the letter: every letter, or one of theirs.</summary>
    public async Task<bool> CanActOnAsync(long coordinatorId, long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM coordinators c WHERE c.id = @coordinatorId AND c.removed_at IS NULL AND (c.all_petitions
                OR EXISTS (SELECT 1 FROM coordinator_petitions cp WHERE cp.coordinator_id = c.id AND cp.petition_id = @petitionId)))
            """, new { coordinatorId, petitionId });
    }

    /// <summary>
    /// How far the coordinator reaches on the letter: null when not at all; else the partner whose
    /// sign-ons alone they may see and act on, or a whole-letter reach. The one rule; see <see cref="LetterAccess"/>.
    /// </summary>
    public async Task<LetterAccess?> AccessAsync(long coordinatorId, long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<AccessRow>("""
            SELECT c.all_petitions AS "All", cp.coordinator_id IS NOT NULL AS listed, cp.partner_code AS partner
            FROM coordinators c LEFT JOIN coordinator_petitions cp ON cp.coordinator_id = c.id AND cp.petition_id = @petitionId
            WHERE c.id = @coordinatorId AND c.removed_at IS NULL
            """, new { coordinatorId, petitionId });
        return row switch
        {
            null => null,
            { All: true } => LetterAccess.Whole,
            { Listed: true, Partner: null } => LetterAccess.Whole,
            { Listed: true, Partner: { } partner } => new LetterAccess(partner),
            _ => null,
        };
    }

    /// <summary>
    /// The partner a coordinator is limited to on a letter (only the sign-ons whose <c>ref</c> is its code),
    /// or null for a coordinator of the whole letter. Ask <see cref="AccessAsync"/> first whether they reach it at all.
    /// </summary>
    public async Task<string?> PartnerOfAsync(long coordinatorId, long petitionId, CancellationToken cancellationToken = default) =>
        (await AccessAsync(coordinatorId, petitionId, cancellationToken))?.Partner;

    /// <summary>
    /// The addresses of everyone who coordinates a letter, for alerts: its whole-letter coordinators,
    /// and with <paramref name="signatureRef"/> the coordinators limited to that partner too.
    /// </summary>
    public static async Task<IReadOnlyList<string>> EmailsForAsync(DbConnection connection, DbTransaction transaction, long petitionId, string? signatureRef = null) =>
        (await connection.QueryAsync<string>("""
            SELECT c.email FROM coordinators c
            WHERE c.removed_at IS NULL AND (c.all_petitions OR EXISTS (SELECT 1 FROM coordinator_petitions cp WHERE cp.coordinator_id = c.id AND cp.petition_id = @petitionId
                AND (cp.partner_code IS NULL OR cp.partner_code = @signatureRef)))
            ORDER BY c.id
            """, new { petitionId, signatureRef }, transaction)).ToList();

    /// <summary>A letter a coordinator created is theirs to act on.</summary>
    public static Task GrantAsync(DbConnection connection, DbTransaction transaction, long coordinatorId, long petitionId) =>
        connection.ExecuteAsync("INSERT INTO coordinator_petitions (coordinator_id, petition_id) VALUES (@coordinatorId, @petitionId) ON CONFLICT DO NOTHING",
            new { coordinatorId, petitionId }, transaction);

    private sealed class AccessRow
    {
        public bool All { get; init; }
        public bool Listed { get; init; }
        public string? Partner { get; init; }
    }

    private sealed class CoordinatorRow
    {
        public long Id { get; init; }
        public string Email { get; init; } = "";
        public string? Name { get; init; }
        public bool AllPetitions { get; init; }
    }
}
