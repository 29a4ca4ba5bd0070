using System.Data.Common;
using Microsoft.Data.Sqlite;
using Petitions.Data;

namespace Petitions.Organisations;

/// <summary>An organisation as a sign-on or an import names it, its keys worked out (<see cref="Names"/>).</summary>
public sealed record OrganisationDraft(string Name, string NameKey, string LooseKey, string? City, string? Country, string? Website)
{
    public static OrganisationDraft Of(string name, string? city, string? country, string? website) =>
        new(name, Names.OrganisationKey(name), Names.LooseKey(name), city, country, website);
}

/// <summary>The one way a sign-on and an import find the organisation they name, or create it.</summary>
public static class OrganisationStore
{
    /// <summary>
    /// The organisation with this name key in this country (one at most: organisations_identity);
    /// with no country on either side, the only one of that name (a list without a city must not
    /// split an organisation in two). Otherwise a new one.
    /// </summary>
    /// <param name="importingInto">
    /// The letter a coordinator's import writes to: only then may a countryless organisation of this
    /// name get the draft's country, and only while it is on no other letter (an organisation row is
    /// shared by every letter it signs); otherwise this letter gets a row of its own. A public
    /// sign-on never changes an organisation that exists.
    /// </param>
    /// <returns>The organisation's id, and whether it was created just now.</returns>
    public static (long Id, bool Created) FindOrCreate(
        DbConnection connection, DbTransaction transaction, OrganisationDraft draft, DateTimeOffset now, long? importingInto = null)
    {
        ArgumentNullException.ThrowIfNull(draft);
        // The sign-on's hot path: one prepared, indexed look-up, then (for a new name) one insert.
        if (Same(connection, transaction, draft) is { } same)
        {
            return (same, false);
        }

        if (draft.Country is null || importingInto is not null)
        {
            var candidates = Candidates(connection, transaction, draft.NameKey);
            if (draft.Country is null && candidates.Count == 1)
            {
                return (candidates[0].Id, false);
            }

            if (draft.Country is not null && candidates is [{ Country: null } countryless]
                && !OnAnotherLetter(connection, transaction, countryless.Id, importingInto!.Value))
            {
                Prepared.Command(connection, transaction, "UPDATE organisations SET country = @country WHERE id = @id")
                    .With("@country", draft.Country).With("@id", countryless.Id).ExecuteNonQuery();
                return (countryless.Id, false);
            }
        }

        // On PostgreSQL another node may insert the same organisation in a transaction that commits
        // while this insert waits on its index entry: then nothing is inserted, and the look-up, a new
        // statement under READ COMMITTED, finds that node's row. SQLite's single writer never conflicts.
        var created = Prepared.Command(connection, transaction, """
            INSERT INTO organisations (name, name_key, loose_key, city, country, website, created_at)
            VALUES (@name, @nameKey, @looseKey, @city, @country, @website, @at)
            ON CONFLICT DO NOTHING
            RETURNING id
            """)
            .With("@name", draft.Name).With("@nameKey", draft.NameKey).With("@looseKey", draft.LooseKey).With("@city", draft.City)
            .With("@country", draft.Country).With("@website", draft.Website).With("@at", Time.Format(now))
            .ScalarInt64();
        return created is { } id ? (id, true)
            : (Same(connection, transaction, draft) ?? throw new InvalidOperationException($"Organisation '{draft.NameKey}' conflicted on insert but is not found."), false);
    }

    /// <returns>The organisation with the draft's name key and country (no country matches no country), if there is one.</returns>
    private static long? Same(DbConnection connection, DbTransaction transaction, OrganisationDraft draft) =>
        Prepared.Command(connection, transaction, "SELECT id FROM organisations WHERE name_key = @nameKey AND country IS NOT DISTINCT FROM @country")
            .With("@nameKey", draft.NameKey).With("@country", draft.Country).ScalarInt64();

    private static List<(long Id, string? Country)> Candidates(DbConnection connection, DbTransaction transaction, string nameKey)
    {
        var candidates = new List<(long Id, string? Country)>();
        using var reader = Prepared.Command(connection, transaction, "SELECT id, country FROM organisations WHERE name_key = @nameKey")
            .With("@nameKey", nameKey).ExecuteReader();
        while (reader.Read())
        {
            candidates.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return candidates;
    }

    private static bool OnAnotherLetter(DbConnection connection, DbTransaction transaction, long organisationId, long petitionId) =>
        Prepared.Command(connection, transaction,
            "SELECT EXISTS (SELECT 1 FROM signatures WHERE organisation_id = @organisationId AND petition_id <> @petitionId)")
            .With("@organisationId", organisationId).With("@petitionId", petitionId).ScalarInt64() == 1;
}
