using Microsoft.AspNetCore.Mvc;
using Petitions.Coordinators;
using Petitions.Partners;
using Petitions.Petitions;
using Petitions.Signatures;
using Petitions.Web;

namespace Petitions.Pages.Coordinators;

/// <summary>
/// The partners section of a letter's console page (_Partners.cshtml): for its coordinators, the partners
/// with their counts and links and a form to add one; for a coordinator limited to one partner, that
/// partner's link and how its sign-ons stand against the letter's totals.
/// </summary>
public sealed record PartnersSection(Petition Letter, PartnerInput Form, IReadOnlyDictionary<string, string[]> Errors)
{
    public static PartnersSection For(Petition letter) => new(letter, new PartnerInput(), new Dictionary<string, string[]>());

    /// <summary>The partner the coordinator is limited to, or null for a coordinator of the whole letter.</summary>
    public string? Partner { get; private init; }

    public IReadOnlyList<Partner> Partners { get; private init; } = [];

    /// <summary>Whether <see cref="LoadAsync"/> filled it in.</summary>
    public bool Loaded { get; private init; }

    /// <summary>Every sign-on of the letter, and those listed: the totals a partner coordinator sees beside their own.</summary>
    public (long All, long Listed) Totals { get; private init; }

    public string? Error(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    public string Link(PublicBaseUrl publicBase, string code)
    {
        ArgumentNullException.ThrowIfNull(publicBase);
        return publicBase.Link(PartnerLinks.Path(Letter.Slug, code));
    }

    public async Task<PartnersSection> LoadAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var partner = LetterAccessHandler.PartnerOf(context);
        var partners = await context.RequestServices.GetRequiredService<PartnerStore>().ListAsync(Letter.Id, context.RequestAborted);
        // The letter's totals are shown to a partner's coordinator only; the console's own counts,
        // kept a while on a long letter, rather than a count of the whole letter at every view.
        var totals = (0L, 0L);
        if (partner is not null)
        {
            var counts = await context.RequestServices.GetRequiredService<ConsoleList>().CountsAsync(Letter.Id, context.RequestAborted);
            totals = (counts.Total, counts.ByStatus.GetValueOrDefault(SignatureStatus.Listed));
        }

        return this with
        {
            Partner = partner,
            // A partner coordinator sees their own partner only, not the others' names or counts.
            Partners = partner is null ? partners : partners.Where(p => p.Code == partner).ToList(),
            Totals = totals,
            Loaded = true,
        };
    }
}

/// <summary>The console's form that adds a partner to a letter (the cookie session's twin of POST /api/petitions/{slug}/partners).</summary>
public sealed class PartnersModel(PetitionStore petitions, CoordinatorStore coordinators, PartnerStore partners, FluentValidation.IValidator<PartnerInput> validator)
    : CoordinatorPage(petitions, coordinators)
{
    public PartnersSection? Section { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromRoute] string slug, CancellationToken cancellationToken)
    {
        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return Page();
        }

        Section = await PartnersSection.For(letter).LoadAsync(HttpContext);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync([FromRoute] string slug, string? code, string? name, string? website, CancellationToken cancellationToken)
    {
        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return Page();
        }

        var sent = new PartnerInput { Code = code, Name = name, Website = website };
        var input = sent.Cleaned();
        var errors = Signatures.SignaturesApi.Errors(await validator.ValidateAsync(input, cancellationToken));
        if (errors.Count == 0 && !await partners.AddAsync(letter.Id, input, cancellationToken))
        {
            errors["code"] = [Resources.Texts.Validation("The letter has a partner of that code already.")];
        }

        if (errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Section = await new PartnersSection(letter, sent, errors).LoadAsync(HttpContext);
            return Page();
        }

        Response.Headers.Location = $"/coordinators/petitions/{Uri.EscapeDataString(slug)}#partners";
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
