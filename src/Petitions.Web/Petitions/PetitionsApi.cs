using Petitions.Signatures;

namespace Petitions.Petitions;

public sealed record PetitionDocument(
    string Slug, string Title, string Addressee, string Place, DateOnly? Date, string Status, bool RequiresReview,
    DateTimeOffset? ClosesAt, int Version, string Body, IReadOnlyList<DemandGroup> DemandGroups, IReadOnlyList<Footnote> Footnotes,
    long SignatoryCount, string Review, string ReviewAlerts, string Language, IReadOnlyList<string> Languages,
    DateTimeOffset? OpensAt, DateTimeOffset? ListPublishedAt, IReadOnlyList<string> EmbedOrigins)
{
    /// <param name="p">The letter, in the language it is read in (<see cref="PetitionStore.InLanguageAsync"/>).</param>
    /// <param name="languages">The source language and those of the published translations.</param>
    public static PetitionDocument From(Petition p, long signatoryCount, IReadOnlyList<string>? languages = null) => new(
        p.Slug, p.Title, p.Addressee, p.Place, p.Date, p.Status, p.RequiresReview, p.ClosesAt, p.Version, p.Body, p.DemandGroups, p.Footnotes,
        signatoryCount, p.Review, p.ReviewAlerts, p.Language, languages ?? [p.Language], p.OpensAt, p.ListPublishedAt, p.Origins);
}

public sealed record SignatoryDocument(string Organisation, string? City, string? Country, string? CountryName, DateTimeOffset SignedAt);

public static class PetitionsApi
{
    public static RouteGroupBuilder MapPetitionsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/petitions").WithTags("Petitions");

        group.MapGet("/", async (PetitionStore petitions, TimeProvider clock, CancellationToken cancellationToken) =>
            TypedResults.Ok(await petitions.ListPublicAsync(openOnly: false, clock.GetUtcNow(), cancellationToken)))
            .WithName("listLetters")
            .WithSummary("Open and closed letters with the number of organisations listed on each; a letter before its opening time (opensAt) is not listed.");

        group.MapGet("/{slug}", async Task<Results<Ok<PetitionDocument>, ProblemHttpResult>> (
            string slug, string? lang, PetitionStore petitions, SignatureStore signatures, TimeProvider clock, CancellationToken cancellationToken) =>
        {
            if (await petitions.ReadAsync(slug, cancellationToken) is not var (p, translations) || !p.IsPublicAt(clock.GetUtcNow()))
            {
                return NotFound(slug);
            }

            var (read, languages, _) = petitions.InLanguage(p, translations, lang);
            var count = await signatures.CountListedAsync(p.Id, cancellationToken);
            return TypedResults.Ok(PetitionDocument.From(read, count, languages));
        }).WithName("getLetter")
            .WithSummary("A letter: its text, demand groups, footnotes and number of organisations listed; with lang, its published translation into that language, where there is one.");

        group.MapGet("/{slug}/signatories", async Task<Results<Ok<List<SignatoryDocument>>, ProblemHttpResult>> (
            string slug, PetitionStore petitions, PublicListCache lists, TimeProvider clock, CancellationToken cancellationToken) =>
        {
            var now = clock.GetUtcNow();
            if (await petitions.FindAsync(slug, cancellationToken) is not { } p || !p.IsPublicAt(now))
            {
                return NotFound(slug);
            }

            // Embargoed (listPublishedAt not come yet): no names; the letter's signatoryCount says how many.
            if (!p.ListIsPublicAt(now))
            {
                return TypedResults.Ok(new List<SignatoryDocument>());
            }

            var listed = (await lists.GetAsync(p.Id, cancellationToken)).Signatories;
            return TypedResults.Ok(listed.Select(s => new SignatoryDocument(s.Organisation, s.City, s.Country, s.CountryName, s.SignedAt)).ToList());
        }).WithName("listSignatories").WithSummary("The organisations listed on a letter, sorted by name. Never any contact data.")
            .WithDescription("Until the letter's listPublishedAt the list is embargoed: this answers an empty array, and the letter's signatoryCount (GET /api/petitions/{slug}) and stats give the number.");

        group.MapGet("/{slug}/stats", async Task<Results<Ok<LetterStats>, ProblemHttpResult>> (
            string slug, PetitionStore petitions, PublicListCache lists, TimeProvider clock, CancellationToken cancellationToken) =>
        {
            // Counts only, so the same while the list is embargoed.
            if (await petitions.FindAsync(slug, cancellationToken) is not { } p || !p.IsPublicAt(clock.GetUtcNow()))
            {
                return NotFound(slug);
            }

            // Counted from the cached list, so read again only when the list changes.
            return TypedResults.Ok(await lists.GetStatsAsync(p.Id, cancellationToken));
        }).WithName("getLetterStats").WithSummary("How many organisations are listed, from which countries, signed on which days.");

        return group;
    }

    internal static ProblemHttpResult NotFound(string slug) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such letter", detail: $"There is no letter '{slug}'.");
}
