namespace Petitions.Petitions;

/// <summary>The languages a letter may be written or translated in: those the interface speaks (<see cref="Web.Languages"/>).</summary>
public static class LetterLanguages
{
    public const string Default = "en";

    public static IReadOnlyList<string> All { get; } = [.. Web.Languages.All.Select(l => l.Code)];

    public static bool IsKnown(string? language) => language is not null && All.Contains(language, StringComparer.Ordinal);

    /// <summary>What a validation problem says of a language not in <see cref="All"/>.</summary>
    public const string UnknownMessage = "The language is one of en, fr, es, ru, ar.";

    /// <summary>The language's name in itself ("Français"), as a reader looks for it in any interface language.</summary>
    public static string NativeName(string language) => Web.Languages.All.FirstOrDefault(l => l.Code == language)?.NativeName ?? language;
}
