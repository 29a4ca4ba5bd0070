using System.Data.Common;
using Dapper;
using Petitions.Organisations;

namespace Petitions.Signatures;

/// <summary>A listed signature that a look-alike would stand beside: the same UTS #39 skeleton and the same country.</summary>
public sealed record Twin(long Id, string Organisation, string? City);

/// <summary>
/// Listing a look-alike beside the organisation it imitates is refused: a coordinator merges it into
/// that one or lists it anyway with a reason (<see cref="Review"/>).
/// </summary>
public sealed class LookAlikeListedException(Twin twin)
    : InvalidOperationException($"It looks like {twin.Organisation}{(twin.City is null ? "" : ", " + twin.City)}, already listed in the same country: merge it into that one, or list it anyway with a reason.")
{
    public Twin Twin { get; } = twin;
}

public static class Twins
{
    /// <summary>
    /// The listed signature on the same letter whose name has the same skeleton and whose organisation
    /// has the same country, if any. Only a signature flagged look-alike at sign-on is compared, so an
    /// approval of an ordinary one costs no read of the list.
    /// </summary>
    public static async Task<Twin?> FindAsync(DbConnection connection, DbTransaction transaction, long signatureId)
    {
        var self = await connection.QuerySingleOrDefaultAsync<(long PetitionId, string Name, string? Country, string Flags)>("""
            SELECT s.petition_id, o.name, o.country, s.flags FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE s.id = @signatureId
            """, new { signatureId }, transaction);
        if (self.Name is null || !self.Flags.Split(' ').Contains(SignOn.LookAlike))
        {
            return null;
        }

        var skeleton = Confusables.Skeleton(self.Name);
        var listed = await connection.QueryAsync<(long Id, string Name, string? City)>("""
            SELECT s.id, o.name, o.city FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.petition_id = @PetitionId AND s.status = 'listed' AND s.id <> @signatureId AND o.country IS NOT DISTINCT FROM @Country
            """, new { self.PetitionId, signatureId, self.Country }, transaction);
        return listed.Where(l => Confusables.Skeleton(l.Name) == skeleton).Select(l => new Twin(l.Id, l.Name, l.City)).FirstOrDefault();
    }
}
