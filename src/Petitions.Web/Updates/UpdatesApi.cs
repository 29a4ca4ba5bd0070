using System.Security.Claims;
using System.Text.Json;
using Petitions.Coordinators;
using Petitions.Petitions;
using Petitions.Web;

namespace Petitions.Updates;

/// <summary>A letter's updates to its signatories, for its coordinators: send one, list them with their counts.</summary>
public static class UpdatesApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    /// <param name="letter">The coordinators' routes of one letter (under <see cref="LetterFromRoute"/>).</param>
    public static void MapUpdatesApi(this RouteGroupBuilder letter)
    {
        letter.MapPost("/updates", SendAsync).WithName("sendUpdate")
            .WithSummary("Send an update to the signatories who asked for them, in the language each signed in when the update has it; queued, and sent at Updates:PerMinute.")
            .DescribesBody<UpdateInput>().Produces<UpdateDocument>(StatusCodes.Status201Created).ProducesValidationProblem();
        letter.MapGet("/updates", ListAsync).WithName("listUpdates")
            .WithSummary("The letter's updates, newest first, each with its recipients, how many were sent so far, failed, and unsubscribed since.")
            .Produces<List<UpdateDocument>>();
    }

    private static async Task<IResult> SendAsync(
        HttpContext context, HttpRequest request, ClaimsPrincipal user, PetitionStore petitions, LetterUpdates updates, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        var (input, problem) = await JsonBody.ReadAsync<UpdateInput>(request, 256 * 1024, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var cleaned = input!.Cleaned();
        var errors = UpdateRules.Check(cleaned, await UpdateRules.TranslationLanguagesAsync(petitions, letter, cancellationToken));
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The update has errors");
        }

        var sent = await updates.QueueAsync(letter, cleaned, CoordinatorsApi.Actor(user), cancellationToken);
        return TypedResults.Created($"/api/petitions/{letter.Slug}/updates", sent);
    }

    private static async Task<IResult> ListAsync(HttpContext context, LetterUpdates updates, CancellationToken cancellationToken) =>
        TypedResults.Ok(await updates.ListAsync(LetterFromRoute.Letter(context).Id, cancellationToken));
}
