using System.Globalization;
using Petitions.Organisations;

namespace Petitions.Signatures;

public sealed record CountryCount(string? Country, string CountryName, int Count);

public sealed record DayCount(string Date, int Count);

/// <summary>How many organisations are listed on a letter, from where, and on which day each signed.</summary>
public sealed record LetterStats(int SignatoryCount, IReadOnlyList<CountryCount> ByCountry, IReadOnlyList<DayCount> ByDay)
{
    /// <summary>Counted from the listed rows themselves (never a counter that every sign-on would update).</summary>
    /// <remarks>Countries most first, then by name; organisations without a country count under "No country
    /// (international)". Days in order, as UTC dates of signing.</remarks>
    public static LetterStats Of(IReadOnlyList<ListedRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var names = StringComparer.Create(CultureInfo.GetCultureInfo("en"), CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace);
        var byCountry = rows.GroupBy(r => r.Country)
            .Select(g => new CountryCount(g.Key, g.Key is null ? "No country (international)" : Countries.NameOf(g.Key) ?? g.Key, g.Count()))
            .OrderByDescending(c => c.Count).ThenBy(c => c.CountryName, names)
            .ToList();
        // Stored times are ISO 8601 UTC: the date is their first ten characters.
        var byDay = rows.GroupBy(r => r.SignedAt.Length >= 10 ? r.SignedAt[..10] : r.SignedAt)
            .Select(g => new DayCount(g.Key, g.Count()))
            .OrderBy(d => d.Date, StringComparer.Ordinal)
            .ToList();
        return new LetterStats(rows.Count, byCountry, byDay);
    }
}
