using System.Globalization;
using Petitions.Organisations;

namespace Petitions.Signatures;

public sealed record CountryCount(string? Country, string CountryName, int Count);

public sealed record DayCount(string Date, int Count);

/// <summary>How many listed organisations give a city, spelt so, in a country.</summary>
public sealed record CityCount(string? City, string? Country, int Count);

/// <summary>How many organisations are listed on a letter, from where, and on which day each signed.</summary>
public sealed record LetterStats(int SignatoryCount, IReadOnlyList<CountryCount> ByCountry, IReadOnlyList<DayCount> ByDay)
{
    /// <summary>Counted from the listed rows themselves (never a counter that every sign-on would update).</summary>
    /// <remarks>Countries most first, then by name; organisations without a country count under "No country
    /// (international)". Days in order, as UTC dates of signing.</remarks>
    public static LetterStats Of(IReadOnlyList<ListedRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        // Stored times are ISO 8601 UTC: the date is their first ten characters.
        return Of(rows.GroupBy(r => r.Country).Select(g => (g.Key, g.Count())),
            rows.GroupBy(r => r.SignedAt.Length >= 10 ? r.SignedAt[..10] : r.SignedAt).Select(g => (g.Key, g.Count())));
    }

    /// <summary>From counts already made (by the database: <see cref="SignatureStore.ReadStatsAsync"/>).</summary>
    public static LetterStats Of(IEnumerable<(string? Country, int Count)> countries, IEnumerable<(string Date, int Count)> days)
    {
        var names = StringComparer.Create(CultureInfo.GetCultureInfo("en"), CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace);
        var byCountry = countries
            .Select(c => new CountryCount(c.Country, c.Country is null ? "No country (international)" : Countries.NameOf(c.Country) ?? c.Country, c.Count))
            .OrderByDescending(c => c.Count).ThenBy(c => c.CountryName, names)
            .ToList();
        var byDay = days.Select(d => new DayCount(d.Date, d.Count)).OrderBy(d => d.Date, StringComparer.Ordinal).ToList();
        return new LetterStats(byCountry.Sum(c => c.Count), byCountry, byDay);
    }
}
