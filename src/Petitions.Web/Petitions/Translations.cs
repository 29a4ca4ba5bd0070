using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dapper;
using FluentValidation;
using Petitions.Data;
using Petitions.Resources;
using Petitions.Signatures;

namespace Petitions.Petitions;

public static class TranslationStatus
{
    /// <summary>Seen by coordinators only.</summary>
    public const string Draft = "draft";

    /// <summary>Shown to readers who ask for its language.</summary>
    public const string Published = "published";

    public static bool IsKnown(string? status) => status is Draft or Published;
}

/// <summary>
/// A letter's text in another language than its source. <see cref="SourceVersion"/> is the version
/// of the source it translates: behind the letter's version, the translation is out of date.
/// </summary>
public sealed record LetterTranslation(
    string Language,
    int Version,
    int SourceVersion,
    string Status,
    string Title,
    string Addressee,
    string Place,
    string Body,
    IReadOnlyList<DemandGroup> DemandGroups,
    IReadOnlyList<Footnote> Footnotes,
    DateTimeOffset UpdatedAt)
{
    public bool IsPublished => Status == TranslationStatus.Published;

    public bool IsOutOfDate(Petition letter) => SourceVersion < (letter ?? throw new ArgumentNullException(nameof(letter))).Version;

    /// <summary>The letter as read in this language: its text from here, the rest from the letter.</summary>
    public Petition Apply(Petition letter) => (letter ?? throw new ArgumentNullException(nameof(letter))) with
    {
        Title = Title,
        Addressee = Addressee,
        Place = Place,
        Body = Body,
        DemandGroups = DemandGroups,
        Footnotes = Footnotes,
        Language = Language,
    };
}

/// <summary>A translation as a coordinator sends it (PUT …/translations/{language}).</summary>
public sealed record TranslationInput(
    string? Title,
    string? Addressee,
    string? Place,
    string? Body,
    IReadOnlyList<DemandGroup>? DemandGroups,
    IReadOnlyList<Footnote>? Footnotes,
    string? Status) : ILetterText;

/// <summary>A translation in the coordinators' JSON, with whether it keeps up with the source.</summary>
public sealed record TranslationDocument(
    string Language, string Status, int Version, int SourceVersion, bool OutOfDate, DateTimeOffset UpdatedAt,
    string Title, string Addressee, string Place, string Body, IReadOnlyList<DemandGroup> DemandGroups, IReadOnlyList<Footnote> Footnotes)
{
    public static TranslationDocument From(LetterTranslation t, Petition letter) => new(
        t.Language, t.Status, t.Version, t.SourceVersion, t.IsOutOfDate(letter), t.UpdatedAt,
        t.Title, t.Addressee, t.Place, t.Body, t.DemandGroups, t.Footnotes);
}

/// <summary>The same rules as the source text's (<see cref="LetterInputValidator"/>), and a status.</summary>
public sealed class TranslationInputValidator : LetterTextValidator<TranslationInput>
{
    public TranslationInputValidator() : base("The translation needs a title.")
    {
        RuleFor(t => t.Status).Must(s => s is null || TranslationStatus.IsKnown(s)).WithLocalMessage("The status is draft or published.");
    }
}

/// <summary>A letter's translations: read, written (each change of text a new version) and removed.</summary>
public static class TranslationStore
{
    public static async Task<IReadOnlyList<LetterTranslation>> ListAsync(DbConnection connection, DbTransaction? transaction, long petitionId) =>
        (await connection.QueryAsync<TranslationRow>($"{Select} WHERE petition_id = @petitionId ORDER BY language", new { petitionId }, transaction))
            .Select(r => r.ToTranslation()).ToList();

    public static async Task<LetterTranslation?> FindAsync(DbConnection connection, DbTransaction? transaction, long petitionId, string language) =>
        (await connection.QuerySingleOrDefaultAsync<TranslationRow>(
            $"{Select} WHERE petition_id = @petitionId AND language = @language", new { petitionId, language }, transaction))?.ToTranslation();

    /// <summary>
    /// Writes the translation of <paramref name="letter"/> into <paramref name="language"/>. Saving it
    /// says it translates the letter's current version: a new version of the translation when its
    /// text or that source version changed.
    /// </summary>
    /// <returns>The translation as saved, and whether it is new.</returns>
    public static async Task<(LetterTranslation Translation, bool Created)> SaveAsync(
        DbConnection connection, DbTransaction transaction, Petition letter, string language, TranslationInput input, DateTimeOffset now, string actor)
    {
        ArgumentNullException.ThrowIfNull(letter);
        ArgumentNullException.ThrowIfNull(input);
        var current = await FindAsync(connection, transaction, letter.Id, language);
        var text = new LetterTranslation(
            language, 0, letter.Version, input.Status ?? current?.Status ?? TranslationStatus.Draft, input.Title ?? "", input.Addressee ?? "",
            input.Place ?? "", input.Body ?? "", input.DemandGroups ?? [], input.Footnotes ?? [], now);
        var changed = current is null || current.SourceVersion != letter.Version || current.Title != text.Title || current.Addressee != text.Addressee
            || current.Place != text.Place || current.Body != text.Body
            || JsonSerializer.Serialize(current.DemandGroups) != JsonSerializer.Serialize(text.DemandGroups)
            || JsonSerializer.Serialize(current.Footnotes) != JsonSerializer.Serialize(text.Footnotes);
        var saved = text with { Version = current is null ? 1 : changed ? current.Version + 1 : current.Version };
        var row = new
        {
            petitionId = letter.Id,
            language,
            saved.Version,
            saved.SourceVersion,
            saved.Status,
            saved.Title,
            saved.Addressee,
            saved.Place,
            saved.Body,
            groups = JsonSerializer.Serialize(saved.DemandGroups, JsonSerializerOptions.Web),
            notes = JsonSerializer.Serialize(saved.Footnotes, JsonSerializerOptions.Web),
            at = Time.Format(now),
            actor,
        };
        await connection.ExecuteAsync("""
            INSERT INTO petition_translations (petition_id, language, version, source_version, status, title, addressee, place, body, demand_groups, footnotes, updated_at)
            VALUES (@petitionId, @language, @Version, @SourceVersion, @Status, @Title, @Addressee, @Place, @Body, @groups, @notes, @at)
            ON CONFLICT (petition_id, language) DO UPDATE SET version = excluded.version, source_version = excluded.source_version,
                status = excluded.status, title = excluded.title, addressee = excluded.addressee, place = excluded.place, body = excluded.body,
                demand_groups = excluded.demand_groups, footnotes = excluded.footnotes, updated_at = excluded.updated_at
            """, row, transaction);
        if (changed)
        {
            await connection.ExecuteAsync("""
                INSERT INTO petition_translation_versions (petition_id, language, version, source_version, title, addressee, place, body, demand_groups, footnotes, created_at, actor)
                VALUES (@petitionId, @language, @Version, @SourceVersion, @Title, @Addressee, @Place, @Body, @groups, @notes, @at, @actor)
                """, row, transaction);
        }

        await connection.ExecuteAsync("""
            INSERT INTO events (petition_id, at, actor, kind, reason) VALUES (@petitionId, @at, @actor, 'translation-saved', @reason)
            """, new
            {
                petitionId = letter.Id,
                at = row.at,
                actor,
                reason = string.Create(CultureInfo.InvariantCulture, $"{language} version {saved.Version} ({saved.Status}) of text version {saved.SourceVersion}"),
            }, transaction);
        return (saved, current is null);
    }

    /// <returns>Why the letter may not be written in <paramref name="letter"/>'s language, or null: a translation into it exists.</returns>
    public static async Task<string?> SourceLanguageProblemAsync(DbConnection connection, DbTransaction transaction, Petition current, LetterInput letter)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(letter);
        return letter.Language is { } language && language != current.Language
            && await FindAsync(connection, transaction, current.Id, language) is not null
            ? $"The letter has a translation into {language}: remove it before making {language} the language the letter is written in."
            : null;
    }

    /// <returns>Whether there was a translation to remove. Its versions stay: signatories may have read them.</returns>
    public static async Task<bool> RemoveAsync(DbConnection connection, DbTransaction transaction, long petitionId, string language, DateTimeOffset now, string actor)
    {
        var removed = await connection.ExecuteAsync(
            "DELETE FROM petition_translations WHERE petition_id = @petitionId AND language = @language", new { petitionId, language }, transaction);
        if (removed > 0)
        {
            await connection.ExecuteAsync("""
                INSERT INTO events (petition_id, at, actor, kind, reason) VALUES (@petitionId, @at, @actor, 'translation-removed', @language)
                """, new { petitionId, at = Time.Format(now), actor, language }, transaction);
        }

        return removed > 0;
    }

    private const string Select = """
        SELECT language, version, source_version AS sourceVersion, status, title, addressee, place, body,
               demand_groups AS demandGroups, footnotes, updated_at AS updatedAt
        FROM petition_translations
        """;

    private sealed class TranslationRow
    {
        public string Language { get; init; } = "";
        public long Version { get; init; }
        public long SourceVersion { get; init; }
        public string Status { get; init; } = "";
        public string Title { get; init; } = "";
        public string Addressee { get; init; } = "";
        public string Place { get; init; } = "";
        public string Body { get; init; } = "";
        public string DemandGroups { get; init; } = "[]";
        public string Footnotes { get; init; } = "[]";
        public string UpdatedAt { get; init; } = "";

        public LetterTranslation ToTranslation() => new(
            Language, (int)Version, (int)SourceVersion, Status, Title, Addressee, Place, Body,
            JsonSerializer.Deserialize<List<DemandGroup>>(DemandGroups, JsonSerializerOptions.Web) ?? [],
            JsonSerializer.Deserialize<List<Footnote>>(Footnotes, JsonSerializerOptions.Web) ?? [],
            DateTimeOffset.Parse(UpdatedAt, CultureInfo.InvariantCulture));
    }
}
