namespace Petitions.Web;

/// <summary>
/// Headers on every answer: a Content-Security-Policy that allows only our own resources (and no
/// plugins, base rewriting or framing), no MIME sniffing, a referrer policy, and no caching of
/// coordinator and token pages. Pages with a token in their address set "no-referrer" themselves.
/// Only a page that names who may frame it (<see cref="Embed.Framing"/>, the embeddable form) is framable, by those alone.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; " +
        "frame-ancestors 'none'; form-action 'self'";

    /// <summary>The policy for an answer that the listed origins may frame.</summary>
    public static string PolicyFramableBy(string frameAncestors) =>
        ContentSecurityPolicy.Replace("frame-ancestors 'none'", "frame-ancestors " + frameAncestors, StringComparison.Ordinal);

    private static readonly string[] PrivatePrefixes = ["/coordinators", "/confirm/", "/withdraw/"];

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                if (Embed.Framing.Allowed(context).Count == 0)
                {
                    headers.ContentSecurityPolicy = ContentSecurityPolicy;
                    headers.XFrameOptions = "DENY";
                }
                else
                {
                    // X-Frame-Options names no list of origins (antiforgery sets SAMEORIGIN): frame-ancestors alone says it.
                    headers.ContentSecurityPolicy = PolicyFramableBy(Embed.Framing.FrameAncestors(context));
                    headers.Remove("X-Frame-Options");
                }

                if (!headers.ContainsKey("Referrer-Policy"))
                {
                    headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                }

                var path = context.Request.Path.Value ?? "";
                var coordinatorRequest = context.Request.Headers.Authorization.Count > 0
                    || context.Request.Cookies.ContainsKey("petitions.coordinator");
                if (coordinatorRequest || PrivatePrefixes.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
                {
                    headers.CacheControl = "no-store";
                }

                return Task.CompletedTask;
            });
            await next(context);
        });
}
