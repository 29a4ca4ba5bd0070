using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

/// <summary>The embedded form's "check your email": inside the partner's frame, framable as the form was.</summary>
public sealed class EmbedCheckEmailModel(PetitionStore letters, PublicListCache lists, TimeProvider clock) : PageModel
{
    public LetterView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        var read = await letters.ReadAsync(slug, cancellationToken);
        if (read is not var (found, _) || await ShowModel.LoadAsync(letters, read, lists, clock, null, cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        Embed.Framing.AllowOrigins(HttpContext, found.Origins);
        return Page();
    }
}
