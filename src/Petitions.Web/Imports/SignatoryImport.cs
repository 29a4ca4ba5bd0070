using System.Data.Common;
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
    DateTimeOffset? WithdrawnAt, string? WithdrawalReason)
{
    /// <summary>Nothing but when the organisation signed, as a printed letter's date tells it.</summary>
    public static ImportDetails SignedOn(DateTimeOffset signedAt) => new(null, null, null, null, signedAt, null, null);
}

public sealed record ImportRejection(int Line, string Reason);

public sealed record ImportResult(int Imported, int Merged, int Flagged, IReadOnlyList<ImportRejection> Rejected);

public sealed class UnknownPetitionException(string slug) : InvalidOperationException($"There is no letter '{slug}'.")
{
    public string Slug { get; } = slug;
}

/// <summary>
/// Imports signatories gathered elsewhere: the one path for a pasted published list, the
/// command line and the seed letter. Each row meets the sign-on's own rules
/// (<see cref="SignRequestValidator.ForImport"/>) or is rejected with its line. An organisation
/// already on the letter is merged, not added twice; one whose place needs a person's decision is
/// imported for review (confirmed, not listed) with its flags. Rows are written in chunks through
/// the sign-ons' own writer, so sign-ons go on while a long list is imported.
/// </summary>
public sealed class SignatoryImport(Db db, PlaceResolver places, TimeProvider clock, GroupCommit writer, ListChanges changes)
{
    /// <summary>The most an import may be, in bytes, counted as it is read (a chunked body has no length to trust).</summary>
    public const int MaxImportBytes = 16 * 1024 * 1024;

    /// <summary>Rows per transaction: small enough that a sign-on waits for one chunk at most, not the whole import.</summary>
    public const int ChunkSize = 500;

    /// <summary>The body as text, read up to <see cref="MaxImportBytes"/>; null as soon as it is longer.</summary>
    public static async Task<string?> ReadTextAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxImportBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        buffer.Position = 0;
        using var reader = new StreamReader(buffer, System.Text.Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    /// <summary>Reads a published "Name, City" list and infers each organisation's country; lines that break a rule are rejected.</summary>
    public (IReadOnlyList<ImportRow> Rows, IReadOnlyList<ImportRejection> Rejected) ReadPublishedList(string text)
    {
        var rejected = new List<ImportRejection>();
        var listed = new List<PublishedLine>();
        foreach (var line in PublishedList.Read(text))
        {
            if ((line.Rejection ?? Problems(new SignRequest { Organisation = line.Name, City = line.City }, null)) is { } reason)
            {
                rejected.Add(new ImportRejection(line.Line, reason));
            }
            else
            {
                listed.Add(line);
            }
        }

        var resolved = places.Resolve(listed.Select(o => CleanOrNull(o.City)).ToList());
        var rows = listed
            .Select((o, i) => new ImportRow(o.Line, Names.Clean(o.Name), resolved[i].City, resolved[i].Country, null, resolved[i].Flags))
            .ToList();
        return (rows, rejected);
    }

    public Task<ImportResult> ImportPublishedListAsync(string slug, string text, string actor, CancellationToken cancellationToken = default) =>
        ImportPublishedListAsync(slug, text, actor, null, cancellationToken);

    /// <param name="afterEachChunk">Called with the running total once each chunk is committed.</param>
    public Task<ImportResult> ImportPublishedListAsync(
        string slug, string text, string actor, Func<ImportResult, Task>? afterEachChunk, CancellationToken cancellationToken = default)
    {
        var (rows, rejected) = ReadPublishedList(text);
        return ImportAsync(slug, rows, rejected, actor, afterEachChunk, cancellationToken);
    }

    /// <summary>
    /// Reads a CSV in the export's own format: the country where it is a valid code (else inferred
    /// from the city), the contact, and the status where it is withdrawn, with its date and reason.
    /// </summary>
    public (IReadOnlyList<ImportRow> Rows, IReadOnlyList<ImportRejection> Rejected) ReadCsv(string text)
    {
        var lines = Exports.SignatoriesCsv.Read(new StringReader(text)).ToList();
        var rejected = lines.Where(l => !l.IsAccepted).Select(l => new ImportRejection(l.Line, l.Reason ?? "malformed")).ToList();
        var accepted = new List<Exports.CsvLine>();
        foreach (var line in lines.Where(l => l.IsAccepted))
        {
            var row = line.Row!;
            var request = new SignRequest
            {
                Organisation = row.Organisation, City = row.City, ContactName = row.ContactName, ContactRole = row.ContactRole,
                ContactEmail = row.ContactEmail, Website = row.Website,
            };
            if (Problems(request, row.WithdrawalReason) is { } reason)
            {
                rejected.Add(new ImportRejection(line.Line, reason));
            }
            else
            {
                accepted.Add(line);
            }
        }

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
                    ParseTime(row.SignedAt), ParseTime(row.WithdrawnAt), FreeText.CleanReason(row.WithdrawalReason)),
            });
        }

        return (rows, rejected.OrderBy(r => r.Line).ToList());
    }

    public Task<ImportResult> ImportCsvAsync(string slug, string text, string actor, CancellationToken cancellationToken = default) =>
        ImportCsvAsync(slug, text, actor, null, cancellationToken);

    /// <param name="afterEachChunk">Called with the running total once each chunk is committed.</param>
    public Task<ImportResult> ImportCsvAsync(
        string slug, string text, string actor, Func<ImportResult, Task>? afterEachChunk, CancellationToken cancellationToken = default)
    {
        var (rows, rejected) = ReadCsv(text);
        return ImportAsync(slug, rows, rejected, actor, afterEachChunk, cancellationToken);
    }

    private async Task<ImportResult> ImportAsync(
        string slug, IReadOnlyList<ImportRow> rows, IReadOnlyList<ImportRejection> rejectedAlready, string actor,
        Func<ImportResult, Task>? afterEachChunk, CancellationToken cancellationToken)
    {
        long petitionId;
        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            petitionId = (await PetitionStore.FindAsync(connection, null, slug) ?? throw new UnknownPetitionException(slug)).Id;
        }

        var total = new ImportResult(0, 0, 0, rejectedAlready);
        foreach (var chunk in rows.Chunk(ChunkSize))
        {
            var part = await writer.RunAsync(
                (connection, transaction) => WriteAsync(connection, transaction, petitionId, chunk, "import", actor, clock.GetUtcNow()), cancellationToken);
            total = new ImportResult(total.Imported + part.Imported, total.Merged + part.Merged, total.Flagged + part.Flagged,
                [.. total.Rejected, .. part.Rejected]);
            // Every list: an import can give an organisation on no other letter its country.
            changes.ChangedAll();
            if (afterEachChunk is not null)
            {
                await afterEachChunk(total);
            }
        }

        return total with { Rejected = total.Rejected.OrderBy(r => r.Line).ToList() };
    }

    /// <summary>
    /// What the sign-on's rules find wrong with a row, as "field: message; …" in the CSV's column
    /// names, or null. The same rules judge the text as sent and, before it is written, as cleaned.
    /// </summary>
    private static string? Problems(SignRequest request, string? withdrawalReason)
    {
        var problems = SignRequestValidator.ForImport.Validate(request.Cleaned()).Errors
            .Select(e => $"{Column(e.PropertyName)}: {e.ErrorMessage}")
            .ToList();
        if (FreeText.ReasonProblem(withdrawalReason) is { } reason)
        {
            problems.Add($"withdrawal_reason: {reason}");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems.Distinct());
    }

    private static string Column(string property) => property switch
    {
        nameof(SignRequest.ContactName) => "contact_name",
        nameof(SignRequest.ContactRole) => "contact_role",
        nameof(SignRequest.ContactEmail) => "contact_email",
        _ => property.ToLowerInvariant(),
    };

    private static string? CleanOrNull(string? text) => text is null ? null : Names.Clean(text) is { Length: > 0 } clean ? clean : null;

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    public static async Task<ImportResult> WriteAsync(
        DbConnection connection, DbTransaction transaction, long petitionId, IReadOnlyList<ImportRow> rows,
        string source, string actor, DateTimeOffset now)
    {
        int imported = 0, merged = 0, flagged = 0;
        var rejected = new List<ImportRejection>();
        bool? hooked = null;
        foreach (var row in rows)
        {
            if (Reject(row) is { } reason)
            {
                rejected.Add(new ImportRejection(row.Line, reason));
                continue;
            }

            // An organisation row is shared by every letter it signs: only the import may fill in a missing country, for this letter.
            var (organisationId, _) = OrganisationStore.FindOrCreate(connection, transaction,
                OrganisationDraft.Of(row.Name, row.City, row.Country, row.Website), now, importingInto: petitionId);
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
            var action = details?.Status == SignatureStatus.Withdrawn ? SignatureAction.ImportWithdrawn
                : row.Flags.Count == 0 ? SignatureAction.Import : SignatureAction.ImportForReview;
            var email = details?.ContactEmail is { } given && EmailAddress.TryNormalise(given, out var normal, out _) ? normal : null;
            var signatureId = SignatureStore.Create(connection, transaction,
                new SignatureDraft(petitionId, organisationId, source, string.Join(' ', row.Flags), details?.ContactName, details?.ContactRole,
                    email, row.Website, details?.SignedAt ?? now)
                {
                    WithdrawnAt = details?.WithdrawnAt, WithdrawalReason = details?.WithdrawalReason,
                },
                action, actor, row.Flags.Count == 0 ? null : string.Join(' ', row.Flags), now);
            // An imported row arrives listed (or withdrawn): subscribers hear of it as of a sign-on listed (or withdrawn).
            var arrived = action == SignatureAction.Import ? Webhooks.WebhookEvents.SignatureListed
                : action == SignatureAction.ImportWithdrawn ? Webhooks.WebhookEvents.SignatureWithdrawn : null;
            if (arrived is not null && (hooked ??= await connection.ExecuteScalarAsync<long>(
                "SELECT webhooks FROM petitions WHERE id = @petitionId", new { petitionId }, transaction) > 0))
            {
                Webhooks.WebhookEvents.Queue(connection, transaction, petitionId, signatureId, arrived, now);
            }

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
        var details = row.Details;
        var request = new SignRequest
        {
            Organisation = row.Name, City = row.City, ContactName = details?.ContactName, ContactRole = details?.ContactRole,
            ContactEmail = details?.ContactEmail, Website = row.Website,
        };
        if (Problems(request, details?.WithdrawalReason) is { } problems)
        {
            return problems;
        }

        return details?.Status == SignatureStatus.Rejected ? "status: rejected in the source, not imported" : null;
    }
}
