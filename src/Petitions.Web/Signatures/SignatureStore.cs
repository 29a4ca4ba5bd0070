using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Petitions.Data;
using Petitions.Organisations;

namespace Petitions.Signatures;

/// <summary>A supporting organisation as the public sees it: never any contact data.</summary>
public sealed record PublicSignatory(string Organisation, string? City, string? Country, string? CountryName, DateTimeOffset SignedAt)
{
    /// <summary>The line as the seed letter prints it: "Name, City", or "Name, Country" where there is no city.</summary>
    public string Line => (City ?? CountryName) is { } place ? $"{Organisation}, {place}" : Organisation;
}

public sealed class SignatureStore(Db db)
{
    private const CompareOptions OrderOptions = CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace | CompareOptions.IgnoreWidth | CompareOptions.IgnoreKanaType;
    private static readonly CompareInfo Order = CultureInfo.GetCultureInfo("en").CompareInfo;
    private static readonly Comparer<SortKey> SortKeys = Comparer<SortKey>.Create(SortKey.Compare);

    /// <summary>How a person expects a list of names sorted: by letters, ignoring case and accents.</summary>
    public static readonly StringComparer NameOrder = StringComparer.Create(CultureInfo.GetCultureInfo("en"), OrderOptions);

    /// <summary>The organisations on a letter in one status (the public list: listed), sorted by name.</summary>
    public async Task<IReadOnlyList<PublicSignatory>> ListPublicAsync(
        long petitionId, string status = SignatureStatus.Listed, string? country = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Name, string? City, string? Country, string SignedAt)>("""
            SELECT o.name, o.city, o.country, s.signed_at
            FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.petition_id = @petitionId AND s.status = @status AND (@country IS NULL OR o.country = @country)
            """, new { petitionId, status, country });
        // Sort keys are computed once per name; comparing them is a byte comparison, where comparing
        // the names themselves would run the culture-aware comparison n log n times.
        return rows
            .Select(r => (Signatory: new PublicSignatory(r.Name, r.City, r.Country, Countries.NameOf(r.Country), Time.Parse(r.SignedAt)),
                Name: Order.GetSortKey(r.Name, OrderOptions), City: Order.GetSortKey(r.City ?? "", OrderOptions)))
            .OrderBy(s => s.Name, SortKeys)
            .ThenBy(s => s.City, SortKeys)
            .Select(s => s.Signatory)
            .ToList();
    }

    public async Task<long> CountListedAsync(long petitionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM signatures WHERE petition_id = @petitionId AND status = 'listed'", new { petitionId });
    }

    /// <summary>
    /// Applies an action to a signature, stamping that transition's time and recording the event.
    /// The only writer of a signature's status after it is created.
    /// </summary>
    /// <returns>The new status.</returns>
    public static async Task<string> ApplyAsync(
        SqliteConnection connection, SqliteTransaction transaction, long signatureId, SignatureAction action,
        string actor, string? reason, DateTimeOffset at)
    {
        var current = await connection.QuerySingleOrDefaultAsync<StatusRow>(
            "SELECT petition_id AS petitionId, status FROM signatures WHERE id = @signatureId", new { signatureId }, transaction)
            ?? throw new InvalidOperationException($"No signature {signatureId}.");
        if (!SignatureStatus.CanApply(action, current.Status))
        {
            throw new IllegalTransitionException(current.Status, action);
        }

        var to = SignatureStatus.TargetOf(action);
        var stamp = to switch
        {
            SignatureStatus.Confirmed => "confirmed_at = @at",
            SignatureStatus.Listed => "listed_at = @at, confirmed_at = coalesce(confirmed_at, @at)",
            SignatureStatus.Rejected => "rejected_at = @at, rejection_reason = @reason",
            _ => "withdrawn_at = @at, withdrawal_reason = @reason",
        };
        var time = Time.Format(at);
        await connection.ExecuteAsync(
            $"UPDATE signatures SET status = @to, {stamp} WHERE id = @signatureId",
            new { to, at = time, reason, signatureId }, transaction);
        await RecordAsync(connection, transaction, current.PetitionId, signatureId, actor, "status", current.Status, to, reason, at);
        return to;
    }

    public static Task RecordAsync(
        SqliteConnection connection, SqliteTransaction transaction, long petitionId, long? signatureId, string actor,
        string kind, string? from, string? to, string? reason, DateTimeOffset at)
    {
        Prepared.Command(connection, transaction, """
            INSERT INTO events (petition_id, signature_id, at, actor, kind, from_status, to_status, reason)
            VALUES ($petitionId, $signatureId, $at, $actor, $kind, $from, $to, $reason)
            """)
            .With("$petitionId", petitionId).With("$signatureId", signatureId).With("$at", Time.Format(at)).With("$actor", actor)
            .With("$kind", kind).With("$from", from).With("$to", to).With("$reason", reason)
            .ExecuteNonQuery();
        return Task.CompletedTask;
    }

    private sealed class StatusRow
    {
        public long PetitionId { get; init; }
        public string Status { get; init; } = "";
    }
}
