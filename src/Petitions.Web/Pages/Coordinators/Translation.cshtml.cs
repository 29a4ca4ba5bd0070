using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Petitions.Coordinators;
using Petitions.Data;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Coordinators;

/// <summary>A translation of a letter, edited beside the source text it translates.</summary>
public sealed class TranslationModel(
    PetitionStore petitions, CoordinatorStore coordinators, IValidator<TranslationInput> validator, Db db, ListChanges changes, TimeProvider clock)
    : CoordinatorPage(petitions, coordinators)
{
    public Petition Letter { get; private set; } = null!;

    public string Language { get; private set; } = "";

    /// <summary>The translation as stored; null for a new one.</summary>
    public LetterTranslation? Saved { get; private set; }

    public TranslationForm Form { get; private set; } = TranslationForm.Empty;

    public IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    public async Task<IActionResult> OnGetAsync([FromRoute] string slug, [FromRoute] string language, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, language, cancellationToken) is { } missing)
        {
            return missing;
        }

        Form = Saved is null ? TranslationForm.Empty : TranslationForm.From(Saved);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync([FromRoute] string slug, [FromRoute] string language, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, language, cancellationToken) is { } missing)
        {
            return missing;
        }

        var f = Request.Form;
        Form = new TranslationForm(f["title"].ToString(), f["addressee"].ToString(), f["place"].ToString(), f["body"].ToString(),
            f["demandGroups"].ToString(), f["footnotes"].ToString(), f["status"].ToString());
        var (footnotes, footnoteError) = LetterForm.ReadFootnotes(Form.Footnotes);
        var input = new TranslationInput(Form.Title.Trim(), Form.Addressee.Trim(), Form.Place.Trim(), LetterForm.Normalise(Form.Body),
            LetterForm.ReadDemandGroups(Form.DemandGroups), footnotes, Form.Status.Length == 0 ? null : Form.Status);
        var errors = new Dictionary<string, string[]>();
        foreach (var (field, messages) in SignaturesApi.Errors(await validator.ValidateAsync(input, cancellationToken)))
        {
            errors[field.Split('[')[0].Split('.')[0]] = messages;
        }

        if (footnoteError is not null)
        {
            errors["footnotes"] = [footnoteError];
        }

        if (errors.Count > 0)
        {
            Errors = errors;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            await using var transaction = Db.BeginWrite(connection);
            var current = await PetitionStore.FindAsync(connection, transaction, Letter.Slug) ?? Letter;
            await TranslationStore.SaveAsync(connection, transaction, current, Language, input, clock.GetUtcNow(), Actor);
            // Not the request's token: a commit that happened must be announced, even if the client has gone.
            await transaction.CommitAsync(CancellationToken.None);
        }

        changes.Changed(Letter.Id);
        Response.Headers.Location = $"/coordinators/petitions/{Uri.EscapeDataString(Letter.Slug)}#translations";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    public async Task<IActionResult> OnPostRemoveAsync([FromRoute] string slug, [FromRoute] string language, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, language, cancellationToken) is { } missing)
        {
            return missing;
        }

        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            await using var transaction = Db.BeginWrite(connection);
            await TranslationStore.RemoveAsync(connection, transaction, Letter.Id, Language, clock.GetUtcNow(), Actor);
            // Not the request's token: a commit that happened must be announced, even if the client has gone.
            await transaction.CommitAsync(CancellationToken.None);
        }

        changes.Changed(Letter.Id);
        Response.Headers.Location = $"/coordinators/petitions/{Uri.EscapeDataString(Letter.Slug)}#translations";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <returns>A 404 when the letter is unknown, or cannot be translated into that language (its own, or one not offered).</returns>
    private async Task<IActionResult?> LoadAsync(string slug, string language, CancellationToken cancellationToken)
    {
        if (await LetterAsync(slug, cancellationToken) is not { } letter || !LetterLanguages.IsKnown(language) || language == letter.Language)
        {
            return NotFound();
        }

        Letter = letter;
        Language = language;
        await using var connection = await db.OpenAsync(cancellationToken);
        Saved = await TranslationStore.FindAsync(connection, null, letter.Id, language);
        return null;
    }
}

/// <summary>A translation as the form holds it: demand groups and footnotes as lines, as in the letter editor.</summary>
public sealed record TranslationForm(string Title, string Addressee, string Place, string Body, string DemandGroups, string Footnotes, string Status)
{
    public static TranslationForm Empty { get; } = new("", "", "", "", "", "", TranslationStatus.Draft);

    public static TranslationForm From(LetterTranslation t) => new(
        t.Title, t.Addressee, t.Place, t.Body, LetterForm.WriteDemandGroups(t.DemandGroups), LetterForm.WriteFootnotes(t.Footnotes), t.Status);
}
