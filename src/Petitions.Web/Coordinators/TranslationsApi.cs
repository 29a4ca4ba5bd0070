using System.Security.Claims;
using System.Text.Json;
using FluentValidation;
using Petitions.Data;
using Petitions.Petitions;
using Petitions.Signatures;
using Petitions.Web;

namespace Petitions.Coordinators;

/// <summary>A letter's translations, for its coordinators: list, read, save (draft or published), remove.</summary>
public static class TranslationsApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    /// <param name="letter">The coordinators' routes of one letter (under <see cref="LetterFromRoute"/>).</param>
    public static void MapTranslationsApi(this RouteGroupBuilder letter)
    {
        letter.MapGet("/translations", ListAsync).WithName("listTranslations")
            .WithSummary("The letter's translations, each with its status and whether it is behind the source text.")
            .Produces<List<TranslationDocument>>();
        letter.MapGet("/translations/{language}", GetAsync).WithName("getTranslation")
            .WithSummary("One translation of the letter.").Produces<TranslationDocument>().ProducesProblem(StatusCodes.Status404NotFound);
        letter.MapPut("/translations/{language}", SaveAsync).WithName("saveTranslation")
            .WithSummary("Write a translation of the letter's current text; a change of its text is a new version of the translation.")
            .DescribesBody<TranslationInput>().Produces<TranslationDocument>().Produces<TranslationDocument>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        letter.MapDelete("/translations/{language}", RemoveAsync).WithName("removeTranslation")
            .WithSummary("Remove a translation; the versions signatories read are kept.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ListAsync(HttpContext context, Db db, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        await using var connection = await db.OpenAsync(cancellationToken);
        var translations = await TranslationStore.ListAsync(connection, null, letter.Id);
        return TypedResults.Ok(translations.Select(t => TranslationDocument.From(t, letter)).ToList());
    }

    private static async Task<IResult> GetAsync(string language, HttpContext context, Db db, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        await using var connection = await db.OpenAsync(cancellationToken);
        return await TranslationStore.FindAsync(connection, null, letter.Id, language) is { } translation
            ? TypedResults.Ok(TranslationDocument.From(translation, letter))
            : NoTranslation(language);
    }

    private static async Task<IResult> SaveAsync(
        string language, HttpContext context, HttpRequest request, ClaimsPrincipal user, IValidator<TranslationInput> validator, Db db,
        ListChanges changes, TimeProvider clock, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        if (LanguageProblem(letter, language) is { } wrong)
        {
            return wrong;
        }

        var (input, problem) = await JsonBody.ReadAsync<TranslationInput>(request, 256 * 1024, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var validation = await validator.ValidateAsync(input!, cancellationToken);
        if (!validation.IsValid)
        {
            return SignaturesApi.ValidationProblem(validation);
        }

        LetterTranslation saved;
        bool created;
        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            await using var transaction = Db.BeginWrite(connection);
            // The letter as it stands in this transaction: the translation says which version it translates.
            var current = await PetitionStore.FindAsync(connection, transaction, letter.Slug) ?? letter;
            (saved, created) = await TranslationStore.SaveAsync(connection, transaction, current, language, input!, clock.GetUtcNow(), CoordinatorsApi.Actor(user));
            // Not the request's token: a commit that happened must be announced, even if the client has gone.
            await transaction.CommitAsync(CancellationToken.None);
            letter = current;
        }

        changes.Changed(letter.Id);
        var document = TranslationDocument.From(saved, letter);
        return created ? TypedResults.Created($"/api/petitions/{letter.Slug}/translations/{language}", document) : TypedResults.Ok(document);
    }

    private static async Task<IResult> RemoveAsync(
        string language, HttpContext context, ClaimsPrincipal user, Db db, ListChanges changes, TimeProvider clock, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var removed = await TranslationStore.RemoveAsync(connection, transaction, letter.Id, language, clock.GetUtcNow(), CoordinatorsApi.Actor(user));
        // Not the request's token: a commit that happened must be announced, even if the client has gone.
        await transaction.CommitAsync(CancellationToken.None);
        if (!removed)
        {
            return NoTranslation(language);
        }

        changes.Changed(letter.Id);
        return TypedResults.NoContent();
    }

    /// <returns>Why a letter cannot be translated into <paramref name="language"/>, or null when it can.</returns>
    public static IResult? LanguageProblem(Petition letter, string language)
    {
        ArgumentNullException.ThrowIfNull(letter);
        if (!LetterLanguages.IsKnown(language))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["language"] = [Resources.Texts.Validation(LetterLanguages.UnknownMessage)],
            });
        }

        return language == letter.Language
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["language"] = [$"The letter is written in {language}: edit the letter itself, or translate it into another language."],
            })
            : null;
    }

    private static ProblemHttpResult NoTranslation(string language) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such translation", detail: $"The letter has no translation into '{language}'.");
}
