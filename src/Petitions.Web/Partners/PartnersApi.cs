using System.Text.Json;
using FluentValidation;
using Petitions.Coordinators;
using Petitions.Signatures;
using Petitions.Web;

namespace Petitions.Partners;

/// <summary>A partner as the API shows it: with its share link and the sign-ons it brought.</summary>
public sealed record PartnerDocument(string Code, string Name, string? Website, string Link, long SignOns, long Listed, DateTimeOffset CreatedAt)
{
    public static PartnerDocument From(Partner partner, string slug, PublicBaseUrl publicBase)
    {
        ArgumentNullException.ThrowIfNull(partner);
        ArgumentNullException.ThrowIfNull(publicBase);
        return new(partner.Code, partner.Name, partner.Website, publicBase.Link(PartnerLinks.Path(slug, partner.Code)), partner.SignOns, partner.Listed, partner.CreatedAt);
    }
}

public static class PartnerLinks
{
    /// <summary>The letter's page through a partner's link.</summary>
    public static string Path(string slug, string code) => $"/petitions/{Uri.EscapeDataString(slug)}?ref={Uri.EscapeDataString(code)}";
}

/// <summary>A letter's partners, for its letter coordinators: list (with counts), add, edit, remove.</summary>
public static class PartnersApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    /// <param name="letter">The coordinators' routes of one letter (under <see cref="LetterFromRoute"/>).</param>
    public static void MapPartnersApi(this RouteGroupBuilder letter)
    {
        letter.MapGet("/partners", ListAsync).WithName("listPartners")
            .WithSummary("The letter's partners, each with its share link and how many sign-ons it brought.")
            .Produces<List<PartnerDocument>>();
        letter.MapPost("/partners", AddAsync).WithName("addPartner")
            .WithSummary("Add a partner: its code (1 to 32 of a-z, 0-9, '-') names it in its link /petitions/{slug}?ref=CODE.")
            .DescribesBody<PartnerInput>().Produces<PartnerDocument>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        letter.MapPut("/partners/{code}", UpdateAsync).WithName("updatePartner")
            .WithSummary("Change a partner's name or website; its code never changes.")
            .DescribesBody<PartnerInput>().Produces<PartnerDocument>().ProducesValidationProblem();
        letter.MapDelete("/partners/{code}", RemoveAsync).WithName("removePartner")
            .WithSummary("Remove a partner: its link is no longer recorded; the sign-ons it brought keep their ref.")
            .Produces(StatusCodes.Status204NoContent);
    }

    private static async Task<IResult> ListAsync(HttpContext context, PartnerStore partners, PublicBaseUrl publicBase, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        var list = await partners.ListAsync(letter.Id, cancellationToken);
        return TypedResults.Ok(list.Select(p => PartnerDocument.From(p, letter.Slug, publicBase)).ToList());
    }

    private static async Task<IResult> AddAsync(
        HttpContext context, IValidator<PartnerInput> validator, PartnerStore partners, PublicBaseUrl publicBase, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        var (body, problem) = await JsonBody.ReadAsync<PartnerInput>(context.Request, 16 * 1024, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var input = body!.Cleaned();
        if (await validator.ValidateAsync(input, cancellationToken) is { IsValid: false } invalid)
        {
            return TypedResults.ValidationProblem(SignaturesApi.Errors(invalid));
        }

        if (!await partners.AddAsync(letter.Id, input, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "That code is taken",
                detail: $"The letter has a partner '{input.Code}' already.");
        }

        var added = (await partners.FindAsync(letter.Id, input.Code!, cancellationToken))!;
        return TypedResults.Created($"/api/petitions/{letter.Slug}/partners/{added.Code}", PartnerDocument.From(added, letter.Slug, publicBase));
    }

    private static async Task<IResult> UpdateAsync(
        string code, HttpContext context, IValidator<PartnerInput> validator, PartnerStore partners, PublicBaseUrl publicBase,
        CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);
        if (await partners.FindAsync(letter.Id, code, cancellationToken) is null)
        {
            return NoSuchPartner(code);
        }

        var (body, problem) = await JsonBody.ReadAsync<PartnerInput>(context.Request, 16 * 1024, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        // The code is in links already shared and on the sign-ons they brought: a body may repeat it, not change it.
        var input = body!.Cleaned();
        if (input.Code is not null && input.Code != code)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["code"] = [Resources.Texts.Validation("A partner's code cannot be changed: add a partner with the new code instead.")],
            });
        }

        input = input with { Code = code };
        if (await validator.ValidateAsync(input, cancellationToken) is { IsValid: false } invalid)
        {
            return TypedResults.ValidationProblem(SignaturesApi.Errors(invalid));
        }

        if (!await partners.UpdateAsync(letter.Id, code, input.Name!, input.Website, cancellationToken))
        {
            return NoSuchPartner(code);
        }

        return TypedResults.Ok(PartnerDocument.From((await partners.FindAsync(letter.Id, code, cancellationToken))!, letter.Slug, publicBase));
    }

    private static async Task<IResult> RemoveAsync(string code, HttpContext context, PartnerStore partners, CancellationToken cancellationToken) =>
        await partners.RemoveAsync(LetterFromRoute.Letter(context).Id, code, cancellationToken) ? TypedResults.NoContent() : NoSuchPartner(code);

    private static ProblemHttpResult NoSuchPartner(string code) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such partner", detail: $"The letter has no partner '{code}'.");
}
