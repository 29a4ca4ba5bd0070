using Microsoft.AspNetCore.Antiforgery;

namespace Petitions.Embed;

/// <summary>The embeddable form's services: its POST route, its antiforgery cookie and its answer to a failed token.</summary>
public static class EmbeddedForm
{
    /// <summary>
    /// The embedded form posts to the letter page's own handler at a route of its own; the embedded pages' cookie
    /// replaces antiforgery's (keeping everything that one was set to, its name above all).
    /// </summary>
    public static IServiceCollection AddEmbeddedForm(this IServiceCollection services)
    {
        services.Configure<Microsoft.AspNetCore.Mvc.RazorPages.RazorPagesOptions>(options =>
            options.Conventions.AddPageRoute("/Letters/Sign", "petitions/{slug}/embed/sign"));
        services.Configure<Microsoft.AspNetCore.Mvc.MvcOptions>(options => options.Filters.Add<EmbedAntiforgeryFailure>());
        return services.PostConfigure<AntiforgeryOptions>(options =>
        {
            var cookie = options.Cookie;
            options.Cookie = new FramedAntiforgeryCookie
            {
                Name = cookie.Name,
                Path = cookie.Path,
                Domain = cookie.Domain,
                HttpOnly = cookie.HttpOnly,
                SameSite = cookie.SameSite,
                SecurePolicy = cookie.SecurePolicy,
                IsEssential = cookie.IsEssential,
                MaxAge = cookie.MaxAge,
                Expiration = cookie.Expiration,
            };
        });
    }
}
