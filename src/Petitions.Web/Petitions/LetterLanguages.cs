namespace Petitions.Petitions;

/// <summary>The languages a letter may be written or translated in: those the interface speaks.</summary>
public static class LetterLanguages
{
    public const string Default = "en";

    public static IReadOnlyList<string> All { get; } = ["en", "fr", "es", "ru", "ar"];

    public static bool IsKnown(string? language) => language is not null && All.Contains(language, StringComparer.Ordinal);

    /// <summary>The language's name in itself ("français"), as a reader looks for it in any interface language.</summary>
    public static string NativeName(string language)
    {
        try
        {
            return System.Globalization.CultureInfo.GetCultureInfo(language).NativeName;
        }
        catch (System.Globalization.CultureNotFoundException)
        {
            return language;
        }
    }
}
