using System.Globalization;

namespace Petitions.Data;

/// <summary>Times are stored as UTC ISO 8601 text, which sorts as it reads.</summary>
public static class Time
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>To the second, for people: exports show when, not the stored ticks.</summary>
    public static string FormatToSecond(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static DateTimeOffset? ParseOrNull(string? text) => text is null ? null : Parse(text);
}
