using Microsoft.AspNetCore.Antiforgery;

namespace Petitions.Embed;

/// <summary>
/// The antiforgery cookie inside a partner's frame. A browser sends a SameSite=Lax or Strict cookie to a frame only
/// when the page around it is of the same site, so the embedded pages' cookie is SameSite=None — which browsers take
/// only with Secure, so only over HTTPS (directly, or behind a trusted proxy that says so: Petitions:TrustedProxies).
/// It is also Partitioned (CHIPS): kept for this one embedding site, so it works where third-party cookies are
/// blocked and never replaces the cookie of the letter page itself.
/// </summary>
/// <remarks>
/// Over plain HTTP the cookie keeps SameSite=Strict. A frame on a page of the same site (another port of the
/// same host) still gets it; a frame on another site does not, so its POST fails antiforgery, and
/// <see cref="EmbedAntiforgeryFailure"/> answers inside the frame with a link to sign on the letter page.
/// </remarks>
public sealed class FramedAntiforgeryCookie : CookieBuilder
{
    public override CookieOptions Build(HttpContext context, DateTimeOffset expiresFrom)
    {
        var options = base.Build(context, expiresFrom);
        if (context.Request.IsHttps && Framing.IsEmbedPath(context.Request.Path))
        {
            options.SameSite = SameSiteMode.None;
            options.Secure = true;
            options.Extensions.Add("Partitioned");
        }

        return options;
    }
}
