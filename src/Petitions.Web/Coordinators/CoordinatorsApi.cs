using Petitions.Resources;
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
using Petitions.Web;

namespace Petitions.Coordinators;

public sealed record TransitionRequest(string? Reason, DateTimeOffset? At);

public sealed record ResendRequest(string? Address);

/// <summary>The reason of a review decision or withdrawal: the one rule for the API and the pages (<see cref="FreeText.ReasonProblem"/>).</summary>
public sealed class TransitionRequestValidator : AbstractValidator<TransitionRequest>
{
    public static readonly TransitionRequestValidator Instance = new();

    public TransitionRequestValidator() =>
        RuleFor(r => r.Reason).Cascade(CascadeMode.Stop)
            .Must(r => !FreeText.HasControlCharacters(r, multiLine: true)).WithLocalMessage("The reason may not contain control characters.")
            .Must(r => !FreeText.HasBidiControls(r)).WithLocalMessage("The reason may not contain text-direction overrides.")
            .SetValidator(new MeasuredLength<TransitionRequest>(FreeText.MaxReason, (_, r) => FreeText.CleanReason(r), "The reason must be at most 2,000 characters."));
}

public sealed class ResendRequestValidator : AbstractValidator<ResendRequest>
{
    public ResendRequestValidator() =>
        RuleFor(r => r.Address).Cascade(CascadeMode.Stop)
            .NotEmpty().WithLocalMessage("Enter the corrected email address.")
            .MaximumLength(SignRequestValidator.MaxEmail).WithLocalMessage($"The email address must be at most {SignRequestValidator.MaxEmail} characters.")
            .Custom((address, context) =>
            {
                if (!EmailAddress.TryNormalise(address, out _, out var problem))
                {
                    context.AddFailure(Texts.Validation(problem ?? "Enter the corrected email address."));
                }
            });
}

public sealed record SignatoryDetail(SignatureRecord Signature, IReadOnlyList<ContactRecord> Contacts, IReadOnlyList<EventRecord> History);

/// <summary>The coordinators' JSON API: letters, review, withdrawals, CSV and XLSX export, import.</summary>
public static class CoordinatorsApi
{
    // A field given twice is an error, not "the last one wins".
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    public static RouteGroupBuilder MapCoordinatorsApi(this IEndpointRouteBuilder routes)
    {
        // Bearer tokens only: see CoordinatorAuth on why /api/* takes no cookie. The handlers read
        // their bodies themselves (JsonBody), after authorization: DescribesBody, not Accepts, whose
        // content-type match in routing would answer 415 before 401.
        var group = routes.MapGroup("/api/petitions").WithTags("Coordinators").RequireAuthorization(CoordinatorAuth.ApiPolicy);

        group.MapPost("/", CreateAsync).WithName("createLetter").WithSummary("Create a letter.")
            .DescribesBody<LetterInput>().Produces<PetitionDocument>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict);
        // Every route below names a letter: the filter finds it once, or answers 404.
        var letter = group.MapGroup("/{slug}").AddEndpointFilter<LetterFromRoute>();
        letter.MapPut("", UpdateAsync).WithName("updateLetter")
            .WithSummary("Edit a letter; a change to the text of a published letter is a new version.")
            .DescribesBody<LetterInput>().Produces<PetitionDocument>();
        letter.MapGet("/signatures", ListAsync).WithName("listSignatures")
            .WithSummary("Every signature of a letter, with contact data, filtered by status and country; limit and after page it (Link: rel=\"next\").")
            .Produces<List<SignatureRecord>>().ProducesValidationProblem().WithMetadata(PartnerCoordinators);
        letter.MapGet("/signatures/{id:long}", DetailAsync).WithName("getSignature")
            .WithSummary("One signatory with its further contacts and history.").Produces<SignatoryDetail>().WithMetadata(PartnerCoordinators);
        letter.MapPost("/signatures/{id:long}/approve", (long id, HttpContext context, CancellationToken ct) =>
            TransitionAsync(id, SignatureAction.Approve, context, ct)).WithName("approveSignature").WithSummary("List a confirmed signature.")
            .DescribesBody<TransitionRequest>(optional: true).Produces<SignatureRecord>().ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(PartnerCoordinators);
        letter.MapPost("/signatures/{id:long}/reject", (long id, HttpContext context, CancellationToken ct) =>
            TransitionAsync(id, SignatureAction.Reject, context, ct)).WithName("rejectSignature").WithSummary("Reject a signature, with a reason.")
            .DescribesBody<TransitionRequest>(optional: true).Produces<SignatureRecord>().ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(PartnerCoordinators);
        letter.MapPost("/signatures/{id:long}/withdraw", (long id, HttpContext context, CancellationToken ct) =>
            TransitionAsync(id, SignatureAction.Withdraw, context, ct)).WithName("withdrawSignature").WithSummary("Record a withdrawal with its reason and date.")
            .DescribesBody<TransitionRequest>(optional: true).Produces<SignatureRecord>().ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(PartnerCoordinators);
        letter.MapGet("/signatures.csv", ExportAsync).WithName("exportSignatures").WithSummary("The signatures as CSV for Excel and LibreOffice.")
            .Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesValidationProblem().WithMetadata(PartnerCoordinators);
        letter.MapGet("/signatures.xlsx", ExportXlsxAsync).WithName("exportSignaturesXlsx").WithSummary("The signatures as an XLSX workbook, every cell text.")
            .Produces<byte[]>(StatusCodes.Status200OK, SignatoriesXlsx.ContentType).ProducesValidationProblem().WithMetadata(PartnerCoordinators);
        letter.MapPost("/signatures/import", ImportAsync).WithName("importSignatories")
            .WithSummary("Import a CSV in the export's format, or a pasted list of \"Name, City\" lines.")
            .DescribesBody<string>(contentTypes: ["text/csv", "text/plain"]).Produces<ImportResult>();
        letter.MapGet("/emails/failed", FailedEmailsAsync).WithName("listFailedEmails").WithSummary("Emails that failed for good.")
            .Produces<List<FailedEmailRecord>>();
        letter.MapPost("/emails/{id:long}/resend", ResendAsync).WithName("resendEmail").WithSummary("Send a failed email again to a corrected address.")
            .DescribesBody<ResendRequest>().Produces(StatusCodes.Status202Accepted);
        letter.MapGet("/publication.txt", PublicationAsync).WithName("publicationText")
            .WithSummary("The signatories as a delivered letter prints them: \"Name, City\" lines.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        letter.MapTranslationsApi();
        Partners.PartnersApi.MapPartnersApi(letter);
        letter.MapPreviewsApi();
        Updates.UpdatesApi.MapUpdatesApi(letter);
        // The console's downloads, for the cookie session (GETs that change nothing, so no antiforgery token is needed).
        // The publication text is every listed organisation, embargo or not: the letter's coordinators only.
        routes.MapGet("/coordinators/petitions/{slug}/publication.txt", PublicationAsync).AddEndpointFilter<LetterFromRoute>()
            .RequireAuthorization(CoordinatorAuth.Policy).ExcludeFromDescription();
        routes.MapGet("/coordinators/petitions/{slug}/signatures.csv", ExportAsync).AddEndpointFilter<LetterFromRoute>()
            .RequireAuthorization(CoordinatorAuth.Policy).ExcludeFromDescription().WithMetadata(PartnerCoordinators);
        routes.MapGet("/coordinators/petitions/{slug}/signatures.xlsx", ExportXlsxAsync).AddEndpointFilter<LetterFromRoute>()
            .RequireAuthorization(CoordinatorAuth.Policy).ExcludeFromDescription().WithMetadata(PartnerCoordinators);
        return group;
    }

    // The routes a partner coordinator may use: each reads or acts on their partner's sign-ons only.
    private static readonly OpenToPartnerCoordinatorsAttribute PartnerCoordinators = new();

    public static string Actor(ClaimsPrincipal user) => $"coordinator:{user.CoordinatorId().ToString(CultureInfo.InvariantCulture)}";

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
        string slug, HttpContext context, HttpRequest request, ClaimsPrincipal user, IValidator<LetterInput> validator, Db db, TimeProvider clock,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        var current = LetterFromRoute.Letter(context);

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
            if (await TranslationStore.SourceLanguageProblemAsync(connection, transaction, current, letter) is { } wrong)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["language"] = [wrong] });
            }

            await PetitionStore.UpdateAsync(connection, transaction, current, letter, clock.GetUtcNow(), Actor(user));
            // Not the request's token: a commit that happened must be announced, even if the client has gone.
            await transaction.CommitAsync(CancellationToken.None);
        }

        services.GetRequiredService<ListChanges>().Changed(current.Id);

        var updated = (await services.GetRequiredService<PetitionStore>().FindAsync(slug, cancellationToken))!;
        var count = await services.GetRequiredService<SignatureStore>().CountListedAsync(updated.Id, cancellationToken);
        return TypedResults.Ok(Document(updated, count));
    }

    /// <summary>The most records one page of the JSON list holds (<c>limit</c>).</summary>
    public const int MaxPage = 1000;

    private static async Task<IResult> ListAsync(
        string? status, string? country, string? limit, string? after, HttpContext context, SignatureRecords records, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);

        if (Filters(status, country) is { } bad)
        {
            return bad;
        }

        var errors = new Dictionary<string, string[]>();
        int? take = null;
        long? cursor = null;
        if (NullIfEmpty(limit) is { } l)
        {
            if (int.TryParse(l, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxPage)
            {
                take = n;
            }
            else
            {
                errors["limit"] = [$"The limit is a whole number from 1 to {MaxPage}."];
            }
        }

        if (NullIfEmpty(after) is { } a)
        {
            if (long.TryParse(a, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
            {
                cursor = id;
            }
            else
            {
                errors["after"] = ["The cursor is the value of after= in the previous page's Link header."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var normalisedCountry = NullIfEmpty(country)?.ToUpperInvariant();
        // One more than asked for says whether a next page exists, without a count of them all.
        var rows = await records.ListAsync(letter.Id, LetterAccessHandler.PartnerOf(context), NullIfEmpty(status), normalisedCountry, cursor, take + 1, cancellationToken);
        if (take is { } size && rows.Count > size)
        {
            rows = rows.Take(size).ToList();
            var query = new Dictionary<string, string?>
            {
                ["status"] = NullIfEmpty(status), ["country"] = normalisedCountry,
                ["limit"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["after"] = rows[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var next = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(
                context.Request.PathBase + context.Request.Path, query.Where(q => q.Value is not null));
            context.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        }

        return TypedResults.Ok(rows);
    }

    private static async Task<IResult> DetailAsync(
        long id, HttpContext context, SignatureRecords records, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);

        var signature = await records.FindAsync(letter.Id, id, LetterAccessHandler.PartnerOf(context), cancellationToken);
        return signature is null
            ? NoSuchSignature(id)
            : TypedResults.Ok(new SignatoryDetail(signature, await records.ContactsAsync(id, cancellationToken), await records.HistoryAsync(id, cancellationToken)));
    }

    private static async Task<IResult> TransitionAsync(
        long id, SignatureAction action, HttpContext context, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);

        TransitionRequest? body = new(null, null);
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            (body, var problem) = await JsonBody.ReadAsync<TransitionRequest>(context.Request, 16 * 1024, Json, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }
        }

        if (await TransitionRequestValidator.Instance.ValidateAsync(body!, cancellationToken) is { IsValid: false } invalid)
        {
            return TypedResults.ValidationProblem(SignaturesApi.Errors(invalid));
        }

        var reason = FreeText.CleanReason(body!.Reason);
        var records = context.RequestServices.GetRequiredService<SignatureRecords>();
        // Another partner's sign-on is answered as absent; its ref never changes, so the check holds for the decision.
        if (LetterAccessHandler.PartnerOf(context) is { } partner && await records.FindAsync(letter.Id, id, partner, cancellationToken) is null)
        {
            return NoSuchSignature(id);
        }

        try
        {
            await context.RequestServices.GetRequiredService<Review>().ApplyAsync(letter.Id, id, action, Actor(context.User), reason, body.At, cancellationToken);
        }
        catch (UnknownSignatureException)
        {
            return NoSuchSignature(id);
        }
        catch (IllegalTransitionException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible in this state", detail: exception.Message);
        }
        catch (LookAlikeListedException refused)
        {
            // Merging or listing both is a decision made on the signatory's console page.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Looks like a listed organisation", detail: refused.Message,
                extensions: new Dictionary<string, object?> { ["resembles"] = refused.Twin.Id });
        }

        return TypedResults.Ok(await records.FindAsync(letter.Id, id, cancellationToken));
    }

    private static Task<IResult> ExportAsync(
        string slug, string? status, string? country, HttpContext context, SignatureExport export, TimeProvider clock, CancellationToken cancellationToken) =>
        WriteExportAsync(slug, "csv", "text/csv; charset=utf-8", export.WriteCsvAsync, status, country, context, clock, cancellationToken);

    private static Task<IResult> ExportXlsxAsync(
        string slug, string? status, string? country, HttpContext context, SignatureExport export, TimeProvider clock, CancellationToken cancellationToken) =>
        WriteExportAsync(slug, "xlsx", SignatoriesXlsx.ContentType, export.WriteXlsxAsync, status, country, context, clock, cancellationToken);

    private static async Task<IResult> WriteExportAsync(
        string slug, string extension, string contentType, Func<Stream, long, string?, string?, string?, CancellationToken, Task> write,
        string? status, string? country, HttpContext context, TimeProvider clock, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);

        if (Filters(status, country) is { } bad)
        {
            return bad;
        }

        var fileName = $"{slug}-signatories-{clock.GetUtcNow():yyyy-MM-dd}.{extension}";
        context.Response.ContentType = contentType;
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        context.Response.Headers.CacheControl = "no-store";
        await write(context.Response.Body, letter.Id, NullIfEmpty(status), NullIfEmpty(country)?.ToUpperInvariant(), LetterAccessHandler.PartnerOf(context), cancellationToken);
        return Results.Empty;
    }

    private static async Task<IResult> ImportAsync(
        HttpContext context, HttpRequest request, ClaimsPrincipal user, SignatoryImport import, CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);

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
            ? await import.ImportCsvAsync(letter.Slug, text, Actor(user), cancellationToken)
            : await import.ImportPublishedListAsync(letter.Slug, text, Actor(user), cancellationToken);
        return TypedResults.Ok(result);
    }

    private static async Task<IResult> FailedEmailsAsync(
        HttpContext context, SignatureRecords records, CancellationToken cancellationToken) =>
        TypedResults.Ok(await records.FailedEmailsAsync(LetterFromRoute.Letter(context).Id, cancellationToken));

    private static async Task<IResult> ResendAsync(
        long id, HttpContext context, HttpRequest request, ClaimsPrincipal user, Review review, IValidator<ResendRequest> validator,
        CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);

        var (body, problem) = await JsonBody.ReadAsync<ResendRequest>(request, 4096, Json, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (await validator.ValidateAsync(body!, cancellationToken) is { IsValid: false } invalid)
        {
            return TypedResults.ValidationProblem(SignaturesApi.Errors(invalid));
        }

        EmailAddress.TryNormalise(body!.Address, out var address, out _);

        try
        {
            await review.ResendAsync(letter.Id, id, address, Actor(user), cancellationToken);
        }
        catch (UnknownSignatureException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such failed email");
        }

        return TypedResults.Accepted((string?)null);
    }

    private static async Task<IResult> PublicationAsync(
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "group-by")] string? groupBy, HttpContext context, SignatureStore signatures,
        CancellationToken cancellationToken)
    {
        var letter = LetterFromRoute.Letter(context);

        var listed = await signatures.ListPublicAsync(letter.Id, cancellationToken: cancellationToken);
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
