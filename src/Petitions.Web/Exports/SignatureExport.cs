using System.Globalization;
using System.Runtime.CompilerServices;
using Dapper;
using Petitions.Data;
using Petitions.Organisations;

namespace Petitions.Exports;

/// <summary>
/// The signatures of a letter as CSV or XLSX, streamed from the database row by row: the HTTP
/// export and the command line write through here, never holding the whole list in memory.
/// </summary>
public sealed class SignatureExport(Db db)
{
    public Task WriteCsvAsync(Stream output, long petitionId, string? status, string? country, CancellationToken cancellationToken) =>
        WriteCsvAsync(output, petitionId, status, country, partner: null, cancellationToken);

    /// <param name="partner">Only the sign-ons that partner's link brought (a partner coordinator's export); null: all.</param>
    public Task WriteCsvAsync(Stream output, long petitionId, string? status, string? country, string? partner, CancellationToken cancellationToken) =>
        SignatoriesCsv.WriteAsync(output, RowsAsync(petitionId, status, country, partner, cancellationToken), cancellationToken);

    public Task WriteXlsxAsync(Stream output, long petitionId, string? status, string? country, CancellationToken cancellationToken) =>
        WriteXlsxAsync(output, petitionId, status, country, partner: null, cancellationToken);

    public Task WriteXlsxAsync(Stream output, long petitionId, string? status, string? country, string? partner, CancellationToken cancellationToken) =>
        SignatoriesXlsx.WriteAsync(output, RowsAsync(petitionId, status, country, partner, cancellationToken), cancellationToken);

    private async IAsyncEnumerable<SignatoryCsvRow> RowsAsync(
        long petitionId, string? status, string? country, string? partner, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = connection.QueryUnbufferedAsync<ExportRow>("""
            SELECT o.name AS organisation, o.city, o.country, s.contact_name AS contactName, s.contact_role AS contactRole,
                   s.contact_email AS contactEmail, coalesce(s.website, o.website) AS website, s.status, s.signed_at AS signedAt,
                   s.confirmed_at AS confirmedAt, s.listed_at AS listedAt, s.withdrawn_at AS withdrawnAt,
                   s.withdrawal_reason AS withdrawalReason, s.source, s.comment, s.flags, s.language, s.ref
            FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.petition_id = @petitionId AND (@status IS NULL OR s.status = @status) AND (@country IS NULL OR o.country = @country)
              AND (@partner IS NULL OR s.ref = @partner)
            ORDER BY s.id
            """, new { petitionId, status, country, partner });
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            yield return new SignatoryCsvRow
            {
                Organisation = row.Organisation,
                City = row.City,
                Country = row.Country,
                CountryName = Countries.NameOf(row.Country),
                ContactName = row.ContactName,
                ContactRole = row.ContactRole,
                ContactEmail = row.ContactEmail,
                Website = row.Website,
                Status = row.Status,
                SignedAt = ToSecond(row.SignedAt),
                ConfirmedAt = ToSecond(row.ConfirmedAt),
                ListedAt = ToSecond(row.ListedAt),
                WithdrawnAt = ToSecond(row.WithdrawnAt),
                WithdrawalReason = row.WithdrawalReason,
                Source = row.Source,
                Comment = row.Comment,
                Flags = row.Flags,
                Language = row.Language,
                Ref = row.Ref,
            };
        }
    }

    // Stored times carry ten-millionths of a second, which a coordinator's spreadsheet only
    // clutters. A time that does not parse is shown as stored rather than breaking a download.
    private static string? ToSecond(string? stored) =>
        stored is not null && DateTimeOffset.TryParse(stored, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? Time.FormatToSecond(time)
            : stored;

    private sealed class ExportRow
    {
        public string Organisation { get; init; } = "";
        public string? City { get; init; }
        public string? Country { get; init; }
        public string? ContactName { get; init; }
        public string? ContactRole { get; init; }
        public string? ContactEmail { get; init; }
        public string? Website { get; init; }
        public string Status { get; init; } = "";
        public string SignedAt { get; init; } = "";
        public string? ConfirmedAt { get; init; }
        public string? ListedAt { get; init; }
        public string? WithdrawnAt { get; init; }
        public string? WithdrawalReason { get; init; }
        public string Source { get; init; } = "";
        public string? Comment { get; init; }
        public string Flags { get; init; } = "";
        public string? Language { get; init; }
        public string? Ref { get; init; }
    }
}
