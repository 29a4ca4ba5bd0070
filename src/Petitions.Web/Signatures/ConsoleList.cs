using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Dapper;
using Petitions.Data;
using Petitions.Organisations;

namespace Petitions.Signatures;

/// <summary>What the console's list of a letter's signatures shows: filters, a search, an order and where the page starts.</summary>
/// <param name="Country">An ISO code, <see cref="ConsoleList.International"/> for organisations without one, or null for all.</param>
/// <param name="After">The cursor of the row before this page (<see cref="ConsolePage.Next"/>), or null for the first page.</param>
/// <param name="Partner">Only the sign-ons this partner's link brought (a partner coordinator's view), or null for all.</param>
public sealed record ConsoleQuery(string? Status, string? Country, string? Flag, string? Search, string Sort, string? After, string? Partner = null);

/// <param name="Next">The cursor of the next page, or null on the last.</param>
public sealed record ConsolePage(IReadOnlyList<SignatureRecord> Rows, string? Next);

/// <summary>How many signatures of a letter have each status, country and flag.</summary>
/// <param name="CountedAt">When they were counted: a long letter's counts are reused for a while (<see cref="ConsoleList.ReuseCountsFor"/>).</param>
public sealed record ConsoleCounts(
    long Total, IReadOnlyDictionary<string, long> ByStatus, IReadOnlyList<(string? Country, long Count)> ByCountry,
    IReadOnlyList<(string Flag, long Count)> ByFlag, DateTimeOffset CountedAt, bool Reused);

/// <summary>
/// The coordinators' console list of one letter: keyset pages of <see cref="PageSize"/> rows in date
/// order (newest first) or name order, walked along an index from a cursor, so that a letter of a
/// million signatures costs one page, not a million rows.
/// </summary>
public sealed class ConsoleList(Db db, TimeProvider clock)
{
    public const int PageSize = 50;

    public const string ByDate = "date";

    public const string ByName = "name";

    /// <summary>Oldest first, as the review queue is worked through.</summary>
    public const string ByDateOldestFirst = "oldest";

    /// <summary>The country filter's value for organisations without a country.</summary>
    public const string International = "international";

    /// <summary>Counting a long letter takes a noticeable time; its counts are reused for this long.</summary>
    public static readonly TimeSpan ReuseCountsFor = TimeSpan.FromSeconds(30);

    // A letter this long whose count took longer than a quick page has its counts reused; smaller letters
    // are counted at every look. At 100 ms a 100,000-signature letter's 60–90 ms count was redone at every look.
    internal const long LongLetter = 10_000;
    internal static readonly TimeSpan SlowCount = TimeSpan.FromMilliseconds(20);

    private readonly ConcurrentDictionary<long, ConsoleCounts> counted = new();

    public static bool IsSort(string? sort) => sort is ByDate or ByName or ByDateOldestFirst;

    public static bool IsCursor(string? cursor) => cursor is not null && TryReadCursor(cursor, out _, out _);

    /// <summary>Counts again at the next look, after a change made here.</summary>
    public void Forget(long petitionId) => counted.TryRemove(petitionId, out _);

    public async Task<ConsolePage> PageAsync(long petitionId, ConsoleQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var byName = query.Sort == ByName;
        var ascending = query.Sort != ByDate;
        var orderKey = byName ? "s.sort_name" : "s.signed_at";
        var where = new StringBuilder("WHERE s.petition_id = @petitionId");
        var parameters = new DynamicParameters(new { petitionId, limit = PageSize + 1 });
        if (query.Status is not null)
        {
            where.Append(" AND s.status = @status");
            parameters.Add("status", query.Status);
        }

        if (query.Partner is not null)
        {
            where.Append(" AND s.ref = @partner");
            parameters.Add("partner", query.Partner);
        }

        if (query.Country == International)
        {
            where.Append(" AND o.country IS NULL");
        }
        else if (query.Country is not null)
        {
            where.Append(" AND o.country = @country");
            parameters.Add("country", query.Country);
        }

        if (query.Flag is not null)
        {
            where.Append(" AND (' ' || s.flags || ' ') LIKE @flag");
            parameters.Add("flag", $"% {query.Flag} %");
        }

        if (Names.LooseKey(query.Search ?? "") is { Length: > 0 } search)
        {
            where.Append(@" AND s.sort_name LIKE @search ESCAPE '\'");
            parameters.Add("search", "%" + EscapeLike(search) + "%");
        }

        if (query.After is not null)
        {
            if (!TryReadCursor(query.After, out var key, out var id))
            {
                throw new ArgumentException("The cursor is not one this list gave.", nameof(query));
            }

            // Row values walk the index from the cursor on both databases.
            where.Append(ascending ? $" AND ({orderKey}, s.id) > (@key, @id)" : $" AND ({orderKey}, s.id) < (@key, @id)");
            parameters.Add("key", key);
            parameters.Add("id", id);
        }

        var order = ascending ? $"ORDER BY {orderKey}, s.id" : $"ORDER BY {orderKey} DESC, s.id DESC";
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<SignatureRecords.Row>(new CommandDefinition(
            $"{SignatureRecords.Select}\n{where}\n{order} LIMIT @limit", parameters, cancellationToken: cancellationToken))).ToList();
        string? next = null;
        if (rows.Count > PageSize)
        {
            rows.RemoveAt(PageSize);
            var last = rows[^1];
            next = Cursor(byName ? last.SortName ?? "" : last.SignedAt, last.Id);
        }

        return new ConsolePage(rows.Select(r => r.ToRecord()).ToList(), next);
    }

    /// <summary>The counts behind the filters' choices, over the whole letter.</summary>
    public Task<ConsoleCounts> CountsAsync(long petitionId, CancellationToken cancellationToken = default) =>
        CountsAsync(petitionId, partner: null, cancellationToken);

    /// <param name="partner">Only the sign-ons that partner's link brought; such counts are never reused.</param>
    public async Task<ConsoleCounts> CountsAsync(long petitionId, string? partner, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        if (partner is null && counted.TryGetValue(petitionId, out var earlier) && now - earlier.CountedAt < ReuseCountsFor)
        {
            return earlier with { Reused = true };
        }

        var timer = Stopwatch.StartNew();
        await using var connection = await db.OpenAsync(cancellationToken);
        var groups = (await connection.QueryAsync<(string Status, string? Country, string Flags, long Count)>(new CommandDefinition("""
            SELECT s.status, o.country, s.flags, count(*)
            FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.petition_id = @petitionId AND (@partner IS NULL OR s.ref = @partner)
            GROUP BY s.status, o.country, s.flags
            """, new { petitionId, partner }, cancellationToken: cancellationToken))).ToList();
        var counts = new ConsoleCounts(
            groups.Sum(g => g.Count),
            groups.GroupBy(g => g.Status).ToDictionary(g => g.Key, g => g.Sum(x => x.Count)),
            groups.GroupBy(g => g.Country).Select(g => (g.Key, g.Sum(x => x.Count)))
                .OrderBy(c => c.Key is null ? "" : Countries.NameOf(c.Key) ?? c.Key, StringComparer.CurrentCulture).ToList(),
            groups.SelectMany(g => g.Flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(flag => (Flag: flag, g.Count)))
                .GroupBy(f => f.Flag).Select(g => (g.Key, g.Sum(x => x.Count))).OrderBy(f => f.Key, StringComparer.Ordinal).ToList(),
            now, Reused: false);
        if (partner is not null)
        {
            return counts;
        }

        if (counts.Total >= LongLetter && timer.Elapsed >= SlowCount)
        {
            counted[petitionId] = counts;
        }
        else
        {
            counted.TryRemove(petitionId, out _);
        }

        return counts;
    }

    private static string Cursor(string key, long id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{key}\u001F{id}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryReadCursor(string cursor, out string key, out long id)
    {
        key = "";
        id = 0;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            var split = text.LastIndexOf('\u001F');
            if (split < 0 || !long.TryParse(text.AsSpan(split + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id))
            {
                return false;
            }

            key = text[..split];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string EscapeLike(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
}
