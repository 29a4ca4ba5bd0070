using Microsoft.AspNetCore.Localization;
using Petitions.Petitions;

namespace Petitions.Web;

/// <summary>
/// A reader who names no language (no <c>?lang</c>, no cookie, no Accept-Language the interface speaks)
/// reads a letter's pages in the language the letter is written in.
/// </summary>
public sealed class LetterLanguageProvider : RequestCultureProvider
{
    public override async Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (httpContext.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) is not ["petitions", var slug, ..])
        {
            return null;
        }

        var letters = httpContext.RequestServices.GetService<PetitionStore>();
        return letters is not null && await letters.FindAsync(slug, httpContext.RequestAborted) is { } letter
            ? new ProviderCultureResult(letter.Language)
            : null;
    }
}
