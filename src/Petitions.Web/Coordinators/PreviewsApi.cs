using System.Security.Claims;
using System.Text.Json;
using Petitions.Data;
using Petitions.Petitions;
using Petitions.Web;

namespace Petitions.Coordinators;

public sealed record PreviewLinkInput(string? Label);

/// <summary>A preview link in the coordinators' JSON: its address only in the answer that makes it.</summary>
public sealed record PreviewLinkDocument(long Id, string Label, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt)
{
    public static PreviewLinkDocument From(PreviewLink link) => new(link.Id, link.Label, link.CreatedAt, link.CreatedBy, link.RevokedAt);
}

/// <summary>A letter's preview links, for its coordinators: make one (its address is given once), list them, revoke one.</summary>
public static class PreviewsApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    /// <param name="letter">The coordinators' routes of one letter (under <see cref="LetterFromRoute"/>).</param>
    public static void MapPreviewsApi(this RouteGroupBuilder letter)
    {
        letter.MapPost("/previews", CreateAsync).WithName("createPreviewLink")
            .WithSummary("Make a preview link: its holder reads and may sign the letter before its opening time (opensAt).")
            .WithDescription("The answer's url carries the link's token; it is given only here, once (only a hash of it is kept). Revoke a lost link and make another.")
            .DescribesBody<PreviewLinkInput>().Produces<CreatedPreviewLink>(StatusCodes.Status201Created).ProducesValidationProblem();
        letter.MapGet("/previews", ListAsync).WithName("listPreviewLinks")
            .WithSummary("The letter's preview links, revoked ones included; never their tokens.").Produces<List<PreviewLinkDocument>>();
        letter.MapDelete("/previews/{id:long}", RevokeAsync).WithName("revokePreviewLink")
            .WithSummary("Revoke a preview link: it no longer shows the letter before its opening, nor signs it.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <returns>The label cleaned, or the error naming the field.</returns>
    public static (string? Label, string? Error) CleanLabel(string? label)
    {
        var clean = label is null ? "" : Organisations.Names.Clean(label);
        return clean.Length == 0 ? (null, Resources.Texts.Validation("Give the preview link a label, such as the co-sponsor it is for."))
            : clean.Length > PreviewLinks.MaxLabel ? (null, Resources.Texts.Validation("The label must be at most 200 characters."))
            : (clean, null);
    }

    /// <summary>The link's address: the letter page with the token.</summary>
    public static string Url(PublicBaseUrl publicBase, Petition letter, string token) =>
        publicBase.Link($"/petitions/{letter.Slug}?{PreviewLinks.Parameter}={token}");

    private static async Task<IResult> CreateAsync(
        HttpContext context, HttpRequest request, ClaimsPrincipal user, Db db, PublicBaseUrl publicBase, TimeProvider clock, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        var (input, problem) = await JsonBody.ReadAsync<PreviewLinkInput>(request, 4096, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var (label, error) = CleanLabel(input!.Label);
        if (label is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["label"] = [error!] });
        }

        var now = clock.GetUtcNow();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var (id, token) = await PreviewLinks.CreateAsync(connection, transaction, letter.Id, label, now, CoordinatorsApi.Actor(user));
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/petitions/{letter.Slug}/previews/{id}", new CreatedPreviewLink(id, label, Url(publicBase, letter, token), now));
    }

    private static async Task<IResult> ListAsync(HttpContext context, PreviewLinks previews, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        return TypedResults.Ok((await previews.ListAsync(letter.Id, cancellationToken)).Select(PreviewLinkDocument.From).ToList());
    }

    private static async Task<IResult> RevokeAsync(long id, HttpContext context, Db db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var revoked = await PreviewLinks.RevokeAsync(connection, transaction, letter.Id, id, clock.GetUtcNow());
        await transaction.CommitAsync(cancellationToken);
        return revoked
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such preview link",
                detail: $"The letter '{letter.Slug}' has no live preview link {id}.");
    }
}
