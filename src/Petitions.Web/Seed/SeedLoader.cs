using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Petitions.Data;
using Petitions.Imports;
using Petitions.Organisations;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Seed;

/// <summary>
/// Imports the first customer's letter (data/seed/iap-2017) when it is missing, so a fresh
/// install can be signed at once. Its organisations go through the same import as a pasted
/// list; the ones the import flags are then approved as a coordinator did (reviews.tsv).
/// </summary>
public sealed class SeedLoader(Db db, SignatoryImport import, ListChanges changes, TimeProvider clock, IOptions<PetitionsOptions> options, ILogger<SeedLoader> logger)
{
    public const string Slug = "iap-2017";
    public const string Actor = "seed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <returns>True when this call imported the letter; false when it was there already or seeding is off.</returns>
    public async Task<bool> LoadAsync(CancellationToken cancellationToken = default)
    {
        if (!options.Value.SeedOnStart)
        {
            return false;
        }

        var folder = ReferenceData.PathOf(Path.Combine("seed", Slug));
        await using (var check = await db.OpenAsync(cancellationToken))
        {
            if (await check.ExecuteScalarAsync<long?>("SELECT id FROM petitions WHERE slug = @Slug", new { Slug }) is not null)
            {
                return false;
            }
        }

        var letter = JsonSerializer.Deserialize<LetterInput>(await File.ReadAllTextAsync(Path.Combine(folder, "letter.json"), cancellationToken), Json)
            ?? throw new InvalidOperationException("The seed letter is empty.");
        // The gazetteer is read before the transaction opens, so no write lock is held meanwhile.
        var (rows, _) = import.ReadPublishedList(await File.ReadAllTextAsync(Path.Combine(folder, "organisations.txt"), cancellationToken));
        var translations = await ReadTranslationsAsync(Path.Combine(folder, "translations"), cancellationToken);
        var reviews = ReadReviews(await File.ReadAllLinesAsync(Path.Combine(folder, "reviews.tsv"), cancellationToken));

        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        // Another process (the command line, a second instance) may have seeded since the check.
        if (await connection.ExecuteScalarAsync<long?>("SELECT id FROM petitions WHERE slug = @Slug", new { Slug }, transaction) is not null)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        var petitionId = await PetitionStore.CreateAsync(connection, transaction, letter, now, Actor);
        var created = await PetitionStore.FindAsync(connection, transaction, Slug)
            ?? throw new InvalidOperationException("The seed letter was not written.");
        foreach (var (language, translation) in translations)
        {
            await TranslationStore.SaveAsync(connection, transaction, created, language, translation, now, Actor);
        }

        var result = await SignatoryImport.WriteAsync(connection, transaction, petitionId, SignedOnTheLettersDate(rows, letter, now), "seed", Actor, now);
        foreach (var (name, note) in reviews)
        {
            var signatureId = await connection.ExecuteScalarAsync<long?>("""
                SELECT s.id FROM signatures s JOIN organisations o ON o.id = s.organisation_id
                WHERE s.petition_id = @petitionId AND o.name_key = @key AND s.status = 'confirmed'
                """, new { petitionId, key = Names.OrganisationKey(name) }, transaction);
            if (signatureId is { } id)
            {
                await SignatureStore.ApplyAsync(connection, transaction, changes, id, SignatureAction.Approve, Actor, note, now);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Seeded the letter {Slug}: {Imported} organisations, {Flagged} reviewed, {Rejected} rejected.",
            Slug, result.Imported, result.Flagged, result.Rejected.Count);
        return true;
    }

    /// <summary>The seed letter's translations: one file per language, named by its code (fr.json).</summary>
    private static async Task<List<(string Language, TranslationInput Translation)>> ReadTranslationsAsync(string folder, CancellationToken cancellationToken)
    {
        var translations = new List<(string, TranslationInput)>();
        if (!Directory.Exists(folder))
        {
            return translations;
        }

        foreach (var file in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var translation = JsonSerializer.Deserialize<TranslationInput>(await File.ReadAllTextAsync(file, cancellationToken), Json)
                ?? throw new InvalidOperationException($"The seed translation {file} is empty.");
            translations.Add((Path.GetFileNameWithoutExtension(file), translation));
        }

        return translations;
    }

    // The organisations signed in 2017, on the letter's date: that is what its list and exports
    // should say, not the moment this install imported them.
    private static IReadOnlyList<ImportRow> SignedOnTheLettersDate(IReadOnlyList<ImportRow> rows, LetterInput letter, DateTimeOffset now)
    {
        var signedAt = letter.Date is { } date ? new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : now;
        return [.. rows.Select(r => r with { Details = ImportDetails.SignedOn(signedAt) })];
    }

    private static IEnumerable<(string Name, string Note)> ReadReviews(IEnumerable<string> lines) =>
        lines.Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(c => (c[0], c.Length > 1 ? c[1] : ""));
}
