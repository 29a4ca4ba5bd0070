using Petitions.Petitions;
using Petitions.Resources;

namespace Petitions.Updates;

/// <summary>An update's text in one language: a subject line and a body in Markdown (or plain text, which is Markdown too).</summary>
public sealed record UpdateText
{
    public string? Subject { get; init; }
    public string? Body { get; init; }
}

/// <summary>An update as a coordinator writes it: in the letter's source language, and optionally in the languages of its published translations.</summary>
public sealed record UpdateInput
{
    public string? Subject { get; init; }
    public string? Body { get; init; }

    /// <summary>By language code ("fr"): the update in the languages of the letter's published translations.</summary>
    public Dictionary<string, UpdateText?>? Translations { get; init; }

    /// <summary>The text for a recipient who signed in <paramref name="language"/>: that language's when the update has it, else the source's.</summary>
    public (string Language, string Subject, string Body) For(string? language, string source) =>
        language is not null && Translations?.TryGetValue(language, out var text) == true && text is { Subject: { } subject, Body: { } body }
            ? (language, subject, body)
            : (source, Subject!, Body!);

    /// <summary>The same input, its texts trimmed and its line ends made "\n"; empty translations dropped.</summary>
    public UpdateInput Cleaned() => new()
    {
        Subject = Subject?.Trim(),
        Body = Body?.Replace("\r\n", "\n", StringComparison.Ordinal).Trim(),
        Translations = Translations?
            .Where(t => !(string.IsNullOrWhiteSpace(t.Value?.Subject) && string.IsNullOrWhiteSpace(t.Value?.Body)))
            .ToDictionary(t => t.Key, t => (UpdateText?)new UpdateText
            {
                Subject = t.Value!.Subject?.Trim(), Body = t.Value.Body?.Replace("\r\n", "\n", StringComparison.Ordinal).Trim(),
            }, StringComparer.Ordinal),
    };
}

/// <summary>The rules of an update: every field named in the answer, as "subject", "body", "translations.fr.subject".</summary>
public static class UpdateRules
{
    public const int MaxSubject = 200;
    public const int MaxBody = 20000;

    /// <param name="input">A cleaned input (<see cref="UpdateInput.Cleaned"/>).</param>
    /// <param name="languages">The languages of the letter's published translations: the only ones an update may add.</param>
    public static Dictionary<string, string[]> Check(UpdateInput input, IReadOnlyCollection<string> languages)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        CheckText(errors, "", input.Subject, input.Body);
        foreach (var (language, text) in input.Translations ?? [])
        {
            if (!languages.Contains(language))
            {
                errors[$"translations.{language}"] = [Texts.Validation("The letter has no published translation in this language.")];
                continue;
            }

            CheckText(errors, $"translations.{language}.", text?.Subject, text?.Body);
        }

        return errors;
    }

    private static void CheckText(Dictionary<string, string[]> errors, string prefix, string? subject, string? body)
    {
        if (string.IsNullOrEmpty(subject))
        {
            errors[prefix + "subject"] = [Texts.Validation("Enter a subject.")];
        }
        else if (subject.Length > MaxSubject)
        {
            errors[prefix + "subject"] = [Texts.Validation("The subject must be at most 200 characters.")];
        }
        else if (subject.Any(c => char.IsControl(c) || IsOverride(c)))
        {
            // A subject is a header: a line break in it would start another header.
            errors[prefix + "subject"] = [Texts.Validation("The subject must be one line, without control characters or text-direction overrides.")];
        }

        if (string.IsNullOrEmpty(body))
        {
            errors[prefix + "body"] = [Texts.Validation("Enter the text of the update.")];
        }
        else if (body.Length > MaxBody)
        {
            errors[prefix + "body"] = [Texts.Validation("The text must be at most 20000 characters.")];
        }
        else if (body.Any(c => (char.IsControl(c) && c is not '\n' and not '\t') || IsOverride(c)))
        {
            errors[prefix + "body"] = [Texts.Validation("The text may not contain control characters or text-direction overrides.")];
        }
    }

    private static bool IsOverride(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    /// <summary>The languages an update of <paramref name="letter"/> may be written in besides its own.</summary>
    public static async Task<IReadOnlyList<string>> TranslationLanguagesAsync(PetitionStore petitions, Petition letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(petitions);
        return [.. (await petitions.PublishedTranslationsAsync(letter, cancellationToken)).Select(t => t.Language).Where(l => l != letter.Language)];
    }
}
