using Petitions.Resources;
using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;
using Petitions.Petitions;

namespace Petitions.Signatures;

public sealed record SignOnAccepted(string Status);

public sealed record ConfirmationRequest(string? Token);

public sealed record ConfirmationResult(string Status);

public sealed class ConfirmationRequestValidator : AbstractValidator<ConfirmationRequest>
{
    public ConfirmationRequestValidator() =>
        RuleFor(r => r.Token).NotEmpty().WithLocalMessage("The token from the email is required.");
}

public static class SignaturesApi
{
    /// <summary>A sign-on is a few short fields: anything bigger is not one.</summary>
    public const int MaxBodyBytes = 32 * 1024;

    // A field given twice is an error, not "the last one wins".
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    public static RouteGroupBuilder MapSignaturesApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api").WithTags("Sign-on");

        group.MapPost("/petitions/{slug}/signatures", SignAsync)
            .WithName("signLetter")
            .RequireRateLimiting(RateLimits.SignOnPolicy)
            .Accepts<SignRequest>("application/json")
            .Produces<SignOnAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Sign a letter on behalf of an organisation. A repeat gets the same answer; only the email differs.");

        group.MapPost("/confirmations", ConfirmAsync)
            .WithName("confirmSignOn")
            .RequireRateLimiting(RateLimits.TokenPolicy)
            .Accepts<ConfirmationRequest>("application/json")
            .Produces<ConfirmationResult>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .WithSummary("Confirm a sign-on with the token from its email.");

        return group;
    }

    private static async Task<IResult> SignAsync(
        string slug, HttpRequest request, PetitionStore petitions, IValidator<SignRequest> validator, SignOn signOn, TimeProvider clock,
        Partners.PartnerStore partners, PreviewLinks previews, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<SignRequest>(request, MaxBodyBytes, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        // Refused before the fields are judged, so a closed letter is 409 whatever was sent; the writer checks again, and its check counts.
        var now = clock.GetUtcNow();
        var found = await petitions.ReadToSignAsync(slug, now, cancellationToken);
        var petition = found?.Letter;
        // Before the opening only with a live preview link; an unknown or revoked one is as none (409).
        var preview = petition is not null && !petition.HasOpenedAt(now) && await previews.AdmitsAsync(petition.Id, body!.Preview, cancellationToken);
        if (SignOn.Admits(petition, now, preview) is not SignOnOutcome.Accepted and var refused)
        {
            return Refusal(refused, slug);
        }

        var sign = body!.Cleaned();
        var validation = await validator.ValidateAsync(sign, cancellationToken);
        var errors = Errors(validation);
        // A script names its partner on purpose: an unknown one is an error to fix, not a sign-on to misattribute.
        if (sign.Ref is not null && !errors.ContainsKey("ref") && !await partners.ExistsAsync(petition!.Id, sign.Ref, cancellationToken))
        {
            errors["ref"] = [Texts.Validation("The letter has no partner of that code.")];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: Texts.Validation("The sign-on has errors"));
        }

        var language = sign.Language ?? Web.Languages.Current.Code;
        var (read, _, translation) = petitions.InLanguage(petition!, found!.Value.Translations, language);
        var outcome = await signOn.SignAsync(read, sign, "api", translation, body!.Preview, cancellationToken);
        return outcome == SignOnOutcome.Accepted
            ? TypedResults.Json(new SignOnAccepted(SignatureStatus.Pending), Json, statusCode: StatusCodes.Status202Accepted)
            : Refusal(outcome, slug);
    }

    private static async Task<IResult> ConfirmAsync(
        HttpRequest request, IValidator<ConfirmationRequest> validator, Confirmation confirmation, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<ConfirmationRequest>(request, 4096, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (await validator.ValidateAsync(body!, cancellationToken) is { IsValid: false } invalid)
        {
            return TypedResults.ValidationProblem(Errors(invalid));
        }

        var result = await confirmation.ConfirmAsync(body!.Token!, cancellationToken);
        return result.Outcome switch
        {
            ConfirmOutcome.Confirmed => TypedResults.Ok(new ConfirmationResult(result.Status!)),
            ConfirmOutcome.Expired => TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: "This link has expired",
                detail: "Confirmation links work for 24 hours. Sign again to get a new one."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown or used link",
                detail: "This confirmation link is not known, or it was used already."),
        };
    }

    public static IResult ValidationProblem(ValidationResult validation) =>
        TypedResults.ValidationProblem(Errors(validation), title: Texts.Validation("The sign-on has errors"));

    /// <summary>Validation errors keyed by the camelCase field names of the JSON and the form.</summary>
    public static Dictionary<string, string[]> Errors(ValidationResult validation) =>
        validation.Errors
            .GroupBy(e => JsonNamingPolicy.CamelCase.ConvertName(e.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());

    private static ProblemHttpResult Refusal(SignOnOutcome outcome, string slug) => outcome == SignOnOutcome.UnknownPetition
        ? PetitionsApi.NotFound(slug)
        : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "This letter is not open for signatures",
            detail: $"The letter '{slug}' is closed or not yet open.");
}
