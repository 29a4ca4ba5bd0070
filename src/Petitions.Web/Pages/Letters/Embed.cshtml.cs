using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

/// <summary>
/// GET /petitions/{slug}/embed: the letter's sign-on form alone, with its title and count, for a partner's frame.
/// Only the letter's listed origins may frame it; an unknown letter is the site's 404, which nobody may frame.
/// </summary>
public sealed class EmbedModel(PetitionStore letters, PublicListCache lists, TimeProvider clock, Partners.PartnerStore partners) : PageModel
{
    public LetterView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        var read = await letters.ReadAsync(slug, cancellationToken);
        var found = read?.Letter;
        // A partner frames the form with its own ?ref, as it shares the letter's link.
        var link = found is not null && Request.Query["ref"] is { Count: 1 } given ? await partners.OfLinkAsync(found.Id, given, cancellationToken) : null;
        var form = SignFormView.Empty(slug) with { Values = new SignRequest { Ref = link?.Code }, PartnerName = link?.Name };
        if (found is null || await ShowModel.LoadAsync(letters, read, lists, clock, form, cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        Embed.Framing.AllowOrigins(HttpContext, found.Origins);
        // A page with a form (its own antiforgery token) is never kept by a cache.
        Response.Headers.CacheControl = "no-cache, no-store";
        return Page();
    }
}
