using Dapper;
using Microsoft.Data.Sqlite;
using Petitions.Data;
using Petitions.Organisations;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Imports;

/// <summary>An organisation to import, its place already resolved.</summary>
public sealed record ImportRow(int Line, string Name, string? City, string? Country, string? Website, IReadOnlyList<string> Flags)
{
    /// <summary>What a CSV in the export's format carries beyond the organisation.</summary>
    public ImportDetails? Details { get; init; }
}

public sealed record ImportDetails(
    string? ContactName, string? ContactRole, string? ContactEmail, string? Status, DateTimeOffset? SignedAt,
    DateTimeOffset? WithdrawnAt, string? WithdrawalReason);

public sealed record ImportRejection(int Line, string Reason);

public sealed record ImportResult(int Imported, int Merged, int Flagged, IReadOnlyList<ImportRejection> Rejected);

public sealed class UnknownPetitionException(string slug) : InvalidOperationException($"There is no letter '{slug}'.")
{
    public string Slug { get; } = slug;
}

/// <summary>
/// Imports signatories gathered elsewhere: the one path for a pasted published list, the
/// command line and the seed letter. An organisation already on the letter is merged, not
/// added twice; one whose place needs a person's decision is imported for review (confirmed,
/// not listed) with its flags.
/// </summary>
public sealed class SignatoryImport(Db db, PlaceResolver places, TimeProvider clock)
{
    public const int MaxNameLength = 300;

    /// <summary>Reads a published "Name, City" list and infers each organisation's country.</summary>
    public IReadOnlyList<ImportRow> ReadPublishedList(string text)
    {
        var listed = PublishedList.Parse(text);
        var resolved = places.Resolve(listed.Select(o => o.City).ToList());
        return listed
            .Select((o, i) => new ImportRow(o.Line, o.Name, resolved[i].City, resolved[i].Country, null, resolved[i].Flags))
            .ToList();
    }

    public Task<ImportResult> ImportPublishedListAsync(string slug, string text, string actor, CancellationToken cancellationToken = default) =>
        ImportAsync(slug, ReadPublishedList(text), [], actor, cancellationToken);

    /// <summary>
    /// Reads a CSV in the export's own format: the country where it is a valid code (else inferred
    /// from the city), the contact, and the status where it is withdrawn, with its date and reason.
    /// </summary>
    public (IReadOnlyList<ImportRow> Rows, IReadOnlyList<ImportRejection> Rejected) ReadCsv(string text)
    {
        var lines = Exports.SignatoriesCsv.Read(new StringReader(text)).ToList();
        var rejected = lines.Where(l => !l.IsAccepted).Select(l => new ImportRejection(l.Line, l.Reason ?? "malformed")).ToList();
        var accepted = lines.Where(l => l.IsAccepted).ToList();
        var needPlace = accepted.Where(l => !Countries.IsCode(l.Row!.Country?.Trim().ToUpperInvariant())).ToList();
        var resolved = places.Resolve(needPlace.Select(l => CleanOrNull(l.Row!.City)).ToList());
        var byLine = needPlace.Select((l, i) => (l.Line, Place: resolved[i])).ToDictionary(p => p.Line, p => p.Place);
        var rows = new List<ImportRow>();
        foreach (var line in accepted)
        {
            var row = line.Row!;
            var city = CleanOrNull(row.City);
            var (country, flags) = byLine.TryGetValue(line.Line, out var place)
                ? (place.Country, place.Flags)
                : (row.Country!.Trim().ToUpperInvariant(), (IReadOnlyList<string>)[]);
            rows.Add(new ImportRow(line.Line, CleanOrNull(row.Organisation) ?? "", city, country, CleanOrNull(row.Website), flags)
            {
                Details = new ImportDetails(
                    CleanOrNull(row.ContactName), CleanOrNull(row.ContactRole), CleanOrNull(row.ContactEmail), CleanOrNull(row.Status),
                    ParseTime(row.SignedAt), ParseTime(row.WithdrawnAt), CleanOrNull(row.WithdrawalReason)),
            });
        }

        return (rows, rejected);
    }

    public Task<ImportResult> ImportCsvAsync(string slug, string text, string actor, CancellationToken cancellationToken = default)
    {
        var (rows, rejected) = ReadCsv(text);
        return ImportAsync(slug, rows, rejected, actor, cancellationToken);
    }

    private async Task<ImportResult> ImportAsync(
        string slug, IReadOnlyList<ImportRow> rows, IReadOnlyList<ImportRejection> rejectedAlready, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var petition = await PetitionStore.FindAsync(connection, transaction, slug) ?? throw new UnknownPetitionException(slug);
        var result = await WriteAsync(connection, transaction, petition.Id, rows, "import", actor, clock.GetUtcNow());
        await transaction.CommitAsync(cancellationToken);
        // Every list: an import can give an organisation on other letters its country.
        PublicListCache.InvalidateAll(db.ConnectionString);
        return result with { Rejected = rejectedAlready.Concat(result.Rejected).OrderBy(r => r.Line).ToList() };
    }

    private static string? CleanOrNull(string? text) => text is null ? null : Names.Clean(text) is { Length: > 0 } clean ? clean : null;

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    public static async Task<ImportResult> WriteAsync(
        SqliteConnection connection, SqliteTransaction transaction, long petitionId, IReadOnlyList<ImportRow> rows,
        string source, string actor, DateTimeOffset now)
    {
        int imported = 0, merged = 0, flagged = 0;
        var rejected = new List<ImportRejection>();
        foreach (var row in rows)
        {
            if (Reject(row) is { } reason)
            {
                rejected.Add(new ImportRejection(row.Line, reason));
                continue;
            }

            var organisationId = await FindOrCreateOrganisationAsync(connection, transaction, row, now);
            var existing = await connection.ExecuteScalarAsync<long?>(
                "SELECT id FROM signatures WHERE petition_id = @petitionId AND organisation_id = @organisationId",
                new { petitionId, organisationId }, transaction);
            if (existing is not null)
            {
                merged++;
                continue;
            }

            // A withdrawal travels with the list: it stays withdrawn, with its date and reason.
            var details = row.Details;
            var withdrawn = details?.Status == SignatureStatus.Withdrawn;
            var status = withdrawn ? SignatureStatus.Withdrawn : row.Flags.Count == 0 ? SignatureStatus.Listed : SignatureStatus.Confirmed;
            var at = Time.Format(now);
            var signedAt = details?.SignedAt is { } signed ? Time.Format(signed) : at;
            var signatureId = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO signatures (petition_id, organisation_id, status, source, flags, contact_name, contact_role, contact_email, website,
                                        signed_at, confirmed_at, listed_at, withdrawn_at, withdrawal_reason)
                VALUES (@petitionId, @organisationId, @status, @source, @flags, @ContactName, @ContactRole, @ContactEmail, @Website,
                        @signedAt, @at, CASE WHEN @status = 'listed' THEN @at END, @withdrawnAt, @withdrawalReason)
                RETURNING id
                """, new
                {
                    petitionId, organisationId, status, source, flags = string.Join(' ', row.Flags), details?.ContactName, details?.ContactRole,
                    ContactEmail = details?.ContactEmail is { } email && Signatures.EmailAddress.TryNormalise(email, out var normal, out _) ? normal : null,
                    row.Website, signedAt, at,
                    withdrawnAt = withdrawn ? Time.Format(details!.WithdrawnAt ?? now) : null,
                    withdrawalReason = withdrawn ? details!.WithdrawalReason : null,
                }, transaction);
            await SignatureStore.RecordAsync(connection, transaction, petitionId, signatureId, actor, "imported", null, status,
                row.Flags.Count == 0 ? null : string.Join(' ', row.Flags), now);
            imported++;
            if (row.Flags.Count > 0)
            {
                flagged++;
            }
        }

        return new ImportResult(imported, merged, flagged, rejected);
    }

    private static string? Reject(ImportRow row)
    {
        if (string.IsNullOrWhiteSpace(row.Name))
        {
            return "organisation: a name is required";
        }

        if (row.Name.Length > MaxNameLength)
        {
            return $"organisation: longer than {MaxNameLength} characters";
        }

        if (row.Name.Any(char.IsControl) || (row.City?.Any(char.IsControl) ?? false))
        {
            return "organisation: control characters are not allowed";
        }

        if (row.Details?.Status == SignatureStatus.Rejected)
        {
            return "status: rejected in the source, not imported";
        }

        return null;
    }

    /// <summary>
    /// The organisation with this name key in this country; with no country on either side, the
    /// only one of that name (a list without a city must not split an organisation in two).
    /// </summary>
    private static async Task<long> FindOrCreateOrganisationAsync(SqliteConnection connection, SqliteTransaction transaction, ImportRow row, DateTimeOffset now)
    {
        var nameKey = Names.OrganisationKey(row.Name);
        var candidates = (await connection.QueryAsync<(long Id, string? Country)>(
            "SELECT id, country FROM organisations WHERE name_key = @nameKey", new { nameKey }, transaction)).ToList();
        var sameCountry = candidates.Where(c => c.Country == row.Country).ToList();
        if (sameCountry.Count == 1)
        {
            return sameCountry[0].Id;
        }

        if (row.Country is null && candidates.Count == 1)
        {
            return candidates[0].Id;
        }

        var countryless = candidates.Where(c => c.Country is null).ToList();
        if (row.Country is not null && countryless.Count == 1 && candidates.Count == 1)
        {
            await connection.ExecuteAsync("UPDATE organisations SET country = @Country WHERE id = @Id",
                new { row.Country, countryless[0].Id }, transaction);
            return countryless[0].Id;
        }

        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO organisations (name, name_key, loose_key, city, country, website, created_at)
            VALUES (@Name, @nameKey, @looseKey, @City, @Country, @Website, @at)
            RETURNING id
            """, new { row.Name, nameKey, looseKey = Names.LooseKey(row.Name), row.City, row.Country, row.Website, at = Time.Format(now) }, transaction);
    }
}
