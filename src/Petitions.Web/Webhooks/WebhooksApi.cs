using System.Text.Json;
using FluentValidation;
using Petitions.Coordinators;
using Petitions.Resources;
using Petitions.Signatures;
using Petitions.Web;

namespace Petitions.Webhooks;

/// <summary>A subscription as a coordinator sends it.</summary>
public sealed record WebhookInput
{
    /// <summary>The endpoint: https://, on a public address unless Webhooks:AllowPrivateAddresses is true.</summary>
    public string? Url { get; init; }

    /// <summary>Any of signature.pending, signature.listed, signature.withdrawn, signature.rejected, letter.closed.</summary>
    public List<string>? Events { get; init; }

    /// <summary>The key of each delivery's HMAC-SHA256 signature: at least 16 characters, never shown again.</summary>
    public string? Secret { get; init; }

    /// <summary>Whether deliveries carry the signer's contact (name, role, email, comment) where the signer agreed to share it.</summary>
    public bool? IncludeContact { get; init; }
}

public sealed class WebhookInputValidator : AbstractValidator<WebhookInput>
{
    public const int MinSecret = 16;
    public const int MaxSecret = 200;
    public const int MaxUrl = 2000;

    public WebhookInputValidator()
    {
        RuleFor(w => w.Url).Cascade(CascadeMode.Stop)
            .NotEmpty().WithLocalMessage("Enter the endpoint as an absolute address starting with https://.")
            .MaximumLength(MaxUrl).WithLocalMessage($"The endpoint must be at most {MaxUrl} characters.");
        RuleFor(w => w.Events).Cascade(CascadeMode.Stop)
            .Must(e => e is { Count: > 0 }).WithLocalMessage("Choose at least one event.")
            .Must(e => e!.All(name => WebhookEvents.All.Contains(name, StringComparer.Ordinal)))
            .WithLocalMessage("The events are signature.pending, signature.listed, signature.withdrawn, signature.rejected and letter.closed.");
        RuleFor(w => w.Secret).Cascade(CascadeMode.Stop)
            .Must(s => s is { Length: >= MinSecret }).WithLocalMessage($"The secret must be at least {MinSecret} characters.")
            .MaximumLength(MaxSecret).WithLocalMessage($"The secret must be at most {MaxSecret} characters.")
            .Must(s => !s!.Any(char.IsControl)).WithLocalMessage("The secret may not contain control characters.");
    }
}

/// <summary>The coordinators' webhook subscriptions of a letter: subscribe, list, remove, enable again.</summary>
public static class WebhooksApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };
    private static readonly WebhookInputValidator Validator = new();

    public static RouteGroupBuilder MapWebhooksApi(this IEndpointRouteBuilder routes)
    {
        // The letter's access rule (CoordinatorAuth), then the letter itself (LetterFromRoute). A partner coordinator
        // subscribes too, for its partner's sign-ons only, and reaches only those subscriptions.
        var group = routes.MapGroup("/api/petitions/{slug}/webhooks").WithTags("Webhooks")
            .RequireAuthorization(CoordinatorAuth.ApiPolicy).AddEndpointFilter<LetterFromRoute>().WithMetadata(new OpenToPartnerCoordinatorsAttribute());
        group.MapPost("", CreateAsync).WithName("subscribeWebhook")
            .WithSummary("Subscribe an endpoint to the letter's events; each delivery is signed (see the description of the webhooks).")
            .DescribesBody<WebhookInput>().Produces<WebhookSubscription>(StatusCodes.Status201Created).ProducesValidationProblem();
        group.MapGet("", ListAsync).WithName("listWebhooks")
            .WithSummary("The letter's subscriptions: state (active or disabled), last success, last failure and its error, failing since.")
            .Produces<List<WebhookSubscription>>();
        group.MapDelete("/{id:long}", DeleteAsync).WithName("deleteWebhook").WithSummary("Remove a subscription and its undelivered deliveries.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id:long}/enable", EnableAsync).WithName("enableWebhook")
            .WithSummary("Enable a subscription disabled after a day of failures; the deliveries it held go out.")
            .Produces<WebhookSubscription>().ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> CreateAsync(
        HttpContext context, WebhookStore store, WebhookAddress addresses, TimeProvider clock, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        var (input, problem) = await JsonBody.ReadAsync<WebhookInput>(context.Request, 16 * 1024, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var validation = await Validator.ValidateAsync(input!, cancellationToken);
        var errors = SignaturesApi.Errors(validation);
        if (!errors.ContainsKey("url") && await addresses.ProblemAsync(input!.Url, cancellationToken) is { } wrong)
        {
            errors["url"] = [Texts.Validation(wrong)];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: Texts.Validation("The subscription has errors"));
        }

        var partner = LetterAccessHandler.PartnerOf(context);
        if (await store.CreateAsync(letter.Id, input!, CoordinatorsApi.Actor(context.User), clock.GetUtcNow(), partner, cancellationToken) is not { } id)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No such partner",
                detail: $"'{partner}' is no longer a partner of this letter: its coordinators can subscribe no endpoint.");
        }

        var created = await store.FindAsync(letter.Id, id, partner, cancellationToken);
        return TypedResults.Created($"/api/petitions/{letter.Slug}/webhooks/{id}", created);
    }

    private static async Task<IResult> ListAsync(HttpContext context, WebhookStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ListAsync(LetterFromRoute.Letter(context).Id, LetterAccessHandler.PartnerOf(context), cancellationToken));

    private static async Task<IResult> DeleteAsync(long id, HttpContext context, WebhookStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(LetterFromRoute.Letter(context).Id, id, LetterAccessHandler.PartnerOf(context), cancellationToken) ? TypedResults.NoContent() : NotFound(id);

    private static async Task<IResult> EnableAsync(long id, HttpContext context, WebhookStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        var partner = LetterAccessHandler.PartnerOf(context);
        return await store.EnableAsync(letter.Id, id, clock.GetUtcNow(), partner, cancellationToken)
            ? TypedResults.Ok(await store.FindAsync(letter.Id, id, partner, cancellationToken))
            : NotFound(id);
    }

    private static IResult NotFound(long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such subscription", detail: $"This letter has no webhook subscription {id}.");
}
