using Microsoft.AspNetCore.Mvc;
using Petitions.Coordinators;
using Petitions.Petitions;
using Petitions.Updates;

namespace Petitions.Pages.Coordinators;

/// <summary>Writing an update to a letter's signatories: the text in the letter's languages, a preview, the sending, and the updates sent.</summary>
public sealed class UpdatesModel(PetitionStore petitions, CoordinatorStore coordinators, LetterUpdates updates) : CoordinatorPage(petitions, coordinators)
{
    public Petition Letter { get; private set; } = null!;

    /// <summary>The languages of the letter's published translations: an update may be written in each.</summary>
    public IReadOnlyList<string> Languages { get; private set; } = [];

    public UpdateInput Form { get; private set; } = new();

    public IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    /// <summary>Set by the preview: the update as each language's recipients will read it.</summary>
    public IReadOnlyList<(string Language, string Subject, string Html)> Preview { get; private set; } = [];

    public IReadOnlyList<UpdateDocument> Sent { get; private set; } = [];

    public int Recipients { get; private set; }

    /// <summary>The update just queued, when the page follows its sending.</summary>
    public long? Queued { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromRoute] string slug, [FromQuery] long? sent, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, cancellationToken) is { } missing)
        {
            return missing;
        }

        Queued = sent;
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync([FromRoute] string slug, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, cancellationToken) is { } missing)
        {
            return missing;
        }

        if (Read() is { } invalid)
        {
            return invalid;
        }

        Preview = [.. new[] { Letter.Language }.Concat(Form.Translations?.Keys ?? Enumerable.Empty<string>())
            .Select(language => Form.For(language, Letter.Language))
            .Select(text => (text.Language, text.Subject, LetterMarkdown.ToHtml(text.Body)))];
        return Page();
    }

    public async Task<IActionResult> OnPostAsync([FromRoute] string slug, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, cancellationToken) is { } missing)
        {
            return missing;
        }

        if (Read() is { } invalid)
        {
            return invalid;
        }

        var queued = await updates.QueueAsync(Letter, Form, Actor, cancellationToken);
        Response.Headers.Location = $"/coordinators/petitions/{Uri.EscapeDataString(Letter.Slug)}/updates?sent={queued.Id}#sent";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <returns>The page with its errors (400), or null when the form is a valid update (in <see cref="Form"/>).</returns>
    private IActionResult? Read()
    {
        var f = Request.Form;
        Form = new UpdateInput
        {
            Subject = f["subject"].ToString(),
            Body = f["body"].ToString(),
            Translations = Languages.ToDictionary(l => l, l => (UpdateText?)new UpdateText { Subject = f[$"subject-{l}"].ToString(), Body = f[$"body-{l}"].ToString() }),
        }.Cleaned();
        var errors = UpdateRules.Check(Form, Languages);
        if (errors.Count == 0)
        {
            return null;
        }

        // "translations.fr.subject" is the field "subject-fr" of the form.
        Errors = errors.ToDictionary(e => e.Key.Split('.') is ["translations", var language, var field] ? $"{field}-{language}" : e.Key, e => e.Value);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<IActionResult?> LoadAsync(string slug, CancellationToken cancellationToken)
    {
        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return NotFound();
        }

        Letter = letter;
        Languages = await UpdateRules.TranslationLanguagesAsync(Petitions, letter, cancellationToken);
        Sent = await updates.ListAsync(letter.Id, cancellationToken);
        Recipients = await updates.CountRecipientsAsync(letter.Id, cancellationToken);
        return null;
    }
}
