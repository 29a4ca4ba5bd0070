using Microsoft.AspNetCore.Mvc;
using Petitions.Coordinators;
using Petitions.Data;
using Petitions.Petitions;

namespace Petitions.Pages.Coordinators;

/// <summary>
/// Makes and revokes a letter's preview links from the console. A new link's address is shown on this page, once:
/// only its hash is kept, so it is never in a redirect's address nor in the console's list.
/// </summary>
public sealed class PreviewsModel(PetitionStore petitions, CoordinatorStore coordinators, Db db, Web.PublicBaseUrl publicBase, TimeProvider clock)
    : CoordinatorPage(petitions, coordinators)
{
    public Petition Letter { get; private set; } = null!;

    /// <summary>The link just made, with its address.</summary>
    public CreatedPreviewLink? Created { get; private set; }

    public string? Label { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromRoute] string slug, CancellationToken cancellationToken)
    {
        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return NotFound();
        }

        Letter = letter;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync([FromRoute] string slug, [FromForm] string? label, CancellationToken cancellationToken)
    {
        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return NotFound();
        }

        Letter = letter;
        var (clean, error) = PreviewsApi.CleanLabel(label);
        if (clean is null)
        {
            Label = label;
            Error = error;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var now = clock.GetUtcNow();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = Db.BeginWrite(connection);
        var (id, token) = await PreviewLinks.CreateAsync(connection, transaction, letter.Id, clean, now, Actor);
        await transaction.CommitAsync(cancellationToken);
        Created = new CreatedPreviewLink(id, clean, PreviewsApi.Url(publicBase, letter, token), now);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync([FromRoute] string slug, [FromForm] long id, CancellationToken cancellationToken)
    {
        if (await LetterAsync(slug, cancellationToken) is not { } letter)
        {
            return NotFound();
        }

        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            await using var transaction = Db.BeginWrite(connection);
            var revoked = await PreviewLinks.RevokeAsync(connection, transaction, letter.Id, id, clock.GetUtcNow());
            await transaction.CommitAsync(cancellationToken);
            if (!revoked)
            {
                return NotFound();
            }
        }

        Response.Headers.Location = $"/coordinators/petitions/{Uri.EscapeDataString(slug)}#previews";
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
