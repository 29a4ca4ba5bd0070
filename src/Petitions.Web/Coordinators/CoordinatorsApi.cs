using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using FluentValidation;
using Petitions.Data;
using Petitions.Exports;
using Petitions.Imports;
using Petitions.Organisations;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Coordinators;

public sealed record TransitionRequest(string? Reason, DateTimeOffset? At);

public sealed record ResendRequest(string? Address);

public sealed record SignatoryDetail(SignatureRecord Signature, IReadOnlyList<ContactRecord> Contacts, IReadOnlyList<EventRecord> History);

/// <summary>The coordinators' JSON API: letters, review, withdrawals, CSV export and import.</summary>
public static class CoordinatorsApi
{
    // A field given twice is an error, not "the last one wins".
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    public static RouteGroupBuilder MapCoordinatorsApi(this IEndpointRouteBuilder routes)
    {
        // Bearer tokens only: see CoordinatorAuth on why /api/* takes no cookie.
        var group = routes.MapGroup("/api/petitions").WithTags("Coordinators").RequireAuthorization(CoordinatorAuth.ApiPolicy);

        group.MapPost("/", CreateAsync).WithSummary("Create a letter.");
        group.MapPut("/{slug}", UpdateAsync).WithSummary("Edit a letter; a change to the text of a published letter is a new version.");
        group.MapGet("/{slug}/signatures", ListAsync).WithSummary("Every signature of a letter, with contact data, filtered by status and country.");
        group.MapGet("/{slug}/signatures/{id:long}", DetailAsync).WithSummary("One signatory with its further contacts and history.");
        group.MapPost("/{slug}/signatures/{id:long}/approve", (string slug, long id, HttpRequest request, ClaimsPrincipal user, IServiceProvider services, CancellationToken ct) =>
            TransitionAsync(slug, id, SignatureAction.Approve, request, user, services, ct)).WithSummary("List a confirmed signature.");
        group.MapPost("/{slug}/signatures/{id:long}/reject", (string slug, long id, HttpRequest request, ClaimsPrincipal user, IServiceProvider services, CancellationToken ct) =>
            TransitionAsync(slug, id, SignatureAction.Reject, request, user, services, ct)).WithSummary("Reject a signature, with a reason.");
        group.MapPost("/{slug}/signatures/{id:long}/withdraw", (string slug, long id, HttpRequest request, ClaimsPrincipal user, IServiceProvider services, CancellationToken ct) =>
            TransitionAsync(slug, id, SignatureAction.Withdraw, request, user, services, ct)).WithSummary("Record a withdrawal with its reason and date.");
        group.MapGet("/{slug}/signatures.csv", ExportAsync).WithSummary("The signatures as CSV for Excel and LibreOffice.");
        group.MapPost("/{slug}/signatures/import", ImportAsync).WithSummary("Import a CSV in the export's format, or a pasted list of \"Name, City\" lines.");
        group.MapGet("/{slug}/emails/failed", FailedEmailsAsync).WithSummary("Emails that failed for good.");
        group.MapPost("/{slug}/emails/{id:long}/resend", ResendAsync).WithSummary("Send a failed email again to a corrected address.");
        group.MapGet("/{slug}/publication.txt", PublicationAsync).WithSummary("The signatories as a delivered letter prints them: \"Name, City\" lines.");
        // The console's downloads, for the cookie session (GETs that change nothing, so no antiforgery token is needed).
        routes.MapGet("/coordinators/petitions/{slug}/publication.txt", PublicationAsync).RequireAuthorization(CoordinatorAuth.Policy).ExcludeFromDescription();
        routes.MapGet("/coordinators/petitions/{slug}/signatures.csv", ExportAsync).RequireAuthorization(CoordinatorAuth.Policy).ExcludeFromDescription();
        return group;
    }

    public static string Actor(ClaimsPrincipal user) => $"coordinator:{user.CoordinatorId().ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The letter, or the 404 to answer. Whether the coordinator may act on it was decided before (LetterAccessHandler).</summary>
    public static async Task<(Petition? Letter, IResult? Refusal)> LetterForAsync(string slug, ClaimsPrincipal user, IServiceProvider services, CancellationToken cancellationToken)
    {
        _ = user;
        var letter = await services.GetRequiredService<PetitionStore>().FindAsync(slug, cancellationToken);
        return letter is null ? (null, PetitionsApi.NotFound(slug)) : (letter, null);
    }

    private static async Task<IResult> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, IValidator<LetterInput> validator, Db db, TimeProvider clock, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var (letter, problem) = await JsonBody.ReadAsync<LetterInput>(request, 256 * 1024, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var validation = await validator.ValidateAsync(letter!, cancellationToken);
        if (!validation.IsValid)
        {
            return SignaturesApi.ValidationProblem(validation);
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        if (await PetitionStore.FindAsync(connection, transaction, letter!.Slug) is not null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "That slug is taken", detail: $"There is a letter '{letter.Slug}' already.");
        }

        var id = await PetitionStore.CreateAsync(connection, transaction, letter, clock.GetUtcNow(), Actor(user));
        await CoordinatorStore.GrantAsync(connection, transaction, user.CoordinatorId(), id);
        await transaction.CommitAsync(cancellationToken);
        var created = await services.GetRequiredService<PetitionStore>().FindAsync(letter.Slug, cancellationToken);
        return TypedResults.Created($"/api/petitions/{letter.Slug}", Document(created!, 0));
    }

    private static async Task<IResult> UpdateAsync(
        string slug, HttpRequest request, ClaimsPrincipal user, IValidator<LetterInput> validator, Db db, TimeProvider clock, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var (current, refusal) = await LetterForAsync(slug, user, services, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var (letter, problem) = await JsonBody.ReadAsync<LetterInput>(request, 256 * 1024, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        // The address of a letter never changes: links to it are in emails and printed letters.
        letter = letter! with { Slug = slug };
        var validation = await validator.ValidateAsync(letter, cancellationToken);
        if (!validation.IsValid)
        {
            return SignaturesApi.ValidationProblem(validation);
        }

        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            await using var transaction = Db.BeginWrite(connection);
            await PetitionStore.UpdateAsync(connection, transaction, current!, letter, clock.GetUtcNow(), Actor(user));
            await transaction.CommitAsync(cancellationToken);
        }

        services.GetRequiredService<ListChanges>().Changed(current!.Id);

        var updated = (await services.GetRequiredService<PetitionStore>().FindAsync(slug, cancellationToken))!;
        var count = await services.GetRequiredService<SignatureStore>().CountListedAsync(updated.Id, cancellationToken);
        return TypedResults.Ok(Document(updated, count));
    }

    private static async Task<IResult> ListAsync(
        string slug, string? status, string? country, ClaimsPrincipal user, SignatureRecords records, IServiceProvider services, CancellationToken cancellationToken)
    {
        var (letter, refusal) = await LetterForAsync(slug, user, services, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (Filters(status, country) is { } bad)
        {
            return bad;
        }

        return TypedResults.Ok(await records.ListAsync(letter!.Id, NullIfEmpty(status), NullIfEmpty(country)?.ToUpperInvariant(), cancellationToken));
    }

    private static async Task<IResult> DetailAsync(
        string slug, long id, ClaimsPrincipal user, SignatureRecords records, IServiceProvider services, CancellationToken cancellationToken)
    {
        var (letter, refusal) = await LetterForAsync(slug, user, services, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var signature = await records.FindAsync(letter!.Id, id, cancellationToken);
        return signature is null
            ? NoSuchSignature(id)
            : TypedResults.Ok(new SignatoryDetail(signature, await records.ContactsAsync(id, cancellationToken), await records.HistoryAsync(id, cancellationToken)));
    }

    private static async Task<IResult> TransitionAsync(
        string slug, long id, SignatureAction action, HttpRequest request, ClaimsPrincipal user, IServiceProvider services, CancellationToken cancellationToken)
    {
        var (letter, refusal) = await LetterForAsync(slug, user, services, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        TransitionRequest? body = new(null, null);
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            (body, var problem) = await JsonBody.ReadAsync<TransitionRequest>(request, 16 * 1024, Json, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }
        }

        if (FreeText.ReasonProblem(body!.Reason) is { } invalid)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [invalid] });
        }

        var reason = FreeText.CleanReason(body.Reason);

        try
        {
            await services.GetRequiredService<Review>().ApplyAsync(letter!.Id, id, action, Actor(user), reason, body.At, cancellationToken);
        }
        catch (UnknownSignatureException)
        {
            return NoSuchSignature(id);
        }
        catch (IllegalTransitionException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible in this state", detail: exception.Message);
        }

        return TypedResults.Ok(await services.GetRequiredService<SignatureRecords>().FindAsync(letter.Id, id, cancellationToken));
    }

    private static async Task<IResult> ExportAsync(
        string slug, string? status, string? country, HttpContext context, ClaimsPrincipal user, SignatureExport export, TimeProvider clock,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        var (letter, refusal) = await LetterForAsync(slug, user, services, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (Filters(status, country) is { } bad)
        {
            return bad;
        }

        var fileName = $"{slug}-signatories-{clock.GetUtcNow():yyyy-MM-dd}.csv";
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        context.Response.Headers.CacheControl = "no-store";
        await export.WriteCsvAsync(context.Response.Body, letter!.Id, NullIfEmpty(status), NullIfEmpty(country)?.ToUpperInvariant(), cancellationToken);
        return Results.Empty;
    }

    private static async Task<IResult> ImportAsync(
        string slug, HttpRequest request, ClaimsPrincipal user, SignatoryImport import, IServiceProvider services, CancellationToken cancellationToken)
    {
        var (letter, refusal) = await LetterForAsync(slug, user, services, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not ("text/csv" or "text/plain"))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send text/csv or text/plain",
                detail: "Import takes a CSV in the export's format (text/csv) or a list of \"Name, City\" lines (text/plain).");
        }

        // Counted while reading too: a chunked body has no Content-Length to refuse it by.
        if (request.ContentLength > SignatoryImport.MaxImportBytes
            || await SignatoryImport.ReadTextAsync(request.Body, cancellationToken) is not { } text)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The import is too large",
                detail: "An import may be at most 16 MB.");
        }

        var result = mediaType == "text/csv"
            ? await import.ImportCsvAsync(letter!.Slug, text, Actor(user), cancellationToken)
            : await import.ImportPublishedListAsync(letter!.Slug, text, Actor(user), cancellationToken);
        return TypedResults.Ok(result);
    }

    private static async Task<IResult> FailedEmailsAsync(
        string slug, ClaimsPrincipal user, SignatureRecords records, IServiceProvider services, CancellationToken cancellationToken)
    {
        var (letter, refusal) = await LetterForAsync(slug, user, services, cancellationToken);
        return refusal ?? TypedResults.Ok(await records.FailedEmailsAsync(letter!.Id, cancellationToken));
    }

    private static async Task<IResult> ResendAsync(
        string slug, long id, HttpRequest request, ClaimsPrincipal user, Review review, IServiceProvider services, CancellationToken cancellationToken)
    {
        var (letter, refusal) = await LetterForAsync(slug, user, services, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var (body, problem) = await JsonBody.ReadAsync<ResendRequest>(request, 4096, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!EmailAddress.TryNormalise(body!.Address, out var address, out var message))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["address"] = [message ?? "Enter the corrected email address."] });
        }

        try
        {
            await review.ResendAsync(letter!.Id, id, address, Actor(user), cancellationToken);
        }
        catch (UnknownSignatureException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such failed email");
        }

        return TypedResults.Accepted((string?)null);
    }

    private static async Task<IResult> PublicationAsync(
        string slug, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "group-by")] string? groupBy, ClaimsPrincipal user, SignatureStore signatures,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        var (letter, refusal) = await LetterForAsync(slug, user, services, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var listed = await signatures.ListPublicAsync(letter!.Id, cancellationToken: cancellationToken);
        return TypedResults.Text(PublicationText.Render(listed, groupByCountry: groupBy == "country"), "text/plain; charset=utf-8");
    }

    private static IResult? Filters(string? status, string? country)
    {
        var errors = new Dictionary<string, string[]>();
        if (NullIfEmpty(status) is { } s && !SignatureStatus.IsKnown(s))
        {
            errors["status"] = [$"The status is one of {string.Join(", ", SignatureStatus.All)}."];
        }

        if (NullIfEmpty(country) is { } c && !Countries.IsCode(c.ToUpperInvariant()))
        {
            errors["country"] = ["The country is an ISO 3166-1 alpha-2 code, such as NL or XK."];
        }

        return errors.Count == 0 ? null : TypedResults.ValidationProblem(errors);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static ProblemHttpResult NoSuchSignature(long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such signature", detail: $"There is no signature {id} on this letter.");

    private static PetitionDocument Document(Petition p, long count) => PetitionDocument.From(p, count);
}
