using System.Buffers.Text;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Data.Sqlite;
using Petitions.Data;

namespace Petitions.Coordinators;

public sealed record Coordinator(long Id, string Email, string? Name, bool AllPetitions);

public sealed class CoordinatorStore(Db db, TimeProvider clock)
{
    /// <summary>Creates a coordinator (or finds the one with that email) and issues a new API token, shown once.</summary>
    /// <param name="petitionIds">The letters the coordinator may act on; none means every letter.</param>
    public async Task<(Coordinator Coordinator, string Token)> AddAsync(string email, string? name, IReadOnlyList<long> petitionIds, CancellationToken cancellationToken = default)
    {
        var now = Time.Format(clock.GetUtcNow());
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var id = await connection.ExecuteScalarAsync<long?>("SELECT id FROM coordinators WHERE email = @email", new { email }, transaction)
            ?? await connection.ExecuteScalarAsync<long>("""
                INSERT INTO coordinators (email, name, all_petitions, created_at) VALUES (@email, @name, @all, @now) RETURNING id
                """, new { email, name, all = petitionIds.Count == 0, now }, transaction);
        if (name is not null)
        {
            await connection.ExecuteAsync("UPDATE coordinators SET name = @name WHERE id = @id", new { name, id }, transaction);
        }

        foreach (var petitionId in petitionIds)
        {
            await connection.ExecuteAsync(
                "INSERT OR IGNORE INTO coordinator_petitions (coordinator_id, petition_id) VALUES (@id, @petitionId)", new { id, petitionId }, transaction);
        }

        var bytes = RandomNumberGenerator.GetBytes(32);
        await connection.ExecuteAsync("INSERT INTO api_tokens (coordinator_id, hash, created_at) VALUES (@id, @hash, @now)",
            new { id, hash = SHA256.HashData(bytes), now }, transaction);
        var coordinator = await FindAsync(connection, transaction, id);
        await transaction.CommitAsync(cancellationToken);
        return (coordinator!, Base64Url.EncodeToString(bytes));
    }

    public async Task<Coordinator?> FindByApiTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        var bytes = new byte[32];
        if (token.Length != 43 || !Base64Url.IsValid(token) || !Base64Url.TryDecodeFromChars(token, bytes, out var written) || written != 32)
        {
            return null;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long?>(
            "SELECT coordinator_id FROM api_tokens WHERE hash = @hash AND revoked_at IS NULL", new { hash = SHA256.HashData(bytes) });
        return id is null ? null : await FindAsync(connection, null, id.Value);
    }

    public async Task<Coordinator?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long?>("SELECT id FROM coordinators WHERE email = @email", new { email });
        return id is null ? null : await FindAsync(connection, null, id.Value);
    }

    public async Task<Coordinator?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id);
    }

    public static async Task<Coordinator?> FindAsync(SqliteConnection connection, SqliteTransaction? transaction, long id)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CoordinatorRow>(
            "SELECT id, email, name, all_petitions AS allPetitions FROM coordinators WHERE id = @id", new { id }, transaction);
        return row is null ? null : new Coordinator(row.Id, row.Email, row.Name, row.AllPetitions);
    }

    /// <summary>Whether the coordinator may act on the letter: every letter, or one of theirs.</summary>
    public async Task<bool> CanActOnAsync(long coordinatorId, long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM coordinators c WHERE c.id = @coordinatorId AND (c.all_petitions = 1
                OR EXISTS (SELECT 1 FROM coordinator_petitions cp WHERE cp.coordinator_id = c.id AND cp.petition_id = @petitionId)))
            """, new { coordinatorId, petitionId });
    }

    /// <summary>The addresses of everyone who coordinates a letter, for alerts.</summary>
    public static async Task<IReadOnlyList<string>> EmailsForAsync(SqliteConnection connection, SqliteTransaction transaction, long petitionId) =>
        (await connection.QueryAsync<string>("""
            SELECT c.email FROM coordinators c
            WHERE c.all_petitions = 1 OR EXISTS (SELECT 1 FROM coordinator_petitions cp WHERE cp.coordinator_id = c.id AND cp.petition_id = @petitionId)
            ORDER BY c.id
            """, new { petitionId }, transaction)).ToList();

    /// <summary>A letter a coordinator created is theirs to act on.</summary>
    public static Task GrantAsync(SqliteConnection connection, SqliteTransaction transaction, long coordinatorId, long petitionId) =>
        connection.ExecuteAsync("INSERT OR IGNORE INTO coordinator_petitions (coordinator_id, petition_id) VALUES (@coordinatorId, @petitionId)",
            new { coordinatorId, petitionId }, transaction);

    private sealed class CoordinatorRow
    {
        public long Id { get; init; }
        public string Email { get; init; } = "";
        public string? Name { get; init; }
        public bool AllPetitions { get; init; }
    }
}
