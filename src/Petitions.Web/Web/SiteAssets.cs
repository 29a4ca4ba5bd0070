using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Petitions.Web;

/// <summary>
/// The stylesheet, the icons and robots.txt, embedded in the program so they are served from any
/// working directory; the coalition's logo (<c>Petitions:LogoPath</c>) from its file.
/// </summary>
/// <remarks>
/// The stylesheet's address carries a hash of its content (<see cref="CssPath"/>), so it is cached
/// for a year and a new release is fetched at once. <c>/site.css</c> stays for old pages.
/// </remarks>
public static class SiteAssets
{
    private static readonly Lazy<byte[]> Css = new(() => Resource("Petitions.site.css"));
    private static readonly Lazy<byte[]> Icon = new(() => Resource("Petitions.icon.svg"));
    private static readonly Lazy<byte[]> Favicon = new(() => Resource("Petitions.favicon.ico"));
    private static readonly Lazy<string> CssHash = new(() => Convert.ToHexStringLower(SHA256.HashData(Css.Value))[..12]);

    private const string Year = "public, max-age=31536000, immutable";

    /// <summary>The stylesheet's address, versioned by its content.</summary>
    public static string CssPath => $"/site.{CssHash.Value}.css";

    /// <summary>Pages for people and sign-in links: not for search engines (the pages also say noindex).</summary>
    public const string Robots = "User-agent: *\nDisallow: /coordinators/\nDisallow: /confirm/\nDisallow: /withdraw/\nDisallow: /api/\n";

    public static IEndpointRouteBuilder MapSiteAssets(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/site.{version}.css", (string version, HttpContext context) =>
        {
            if (version != CssHash.Value)
            {
                return Results.NotFound();
            }

            context.Response.Headers.CacheControl = Year;
            return Results.Bytes(Css.Value, "text/css; charset=utf-8");
        }).ExcludeFromDescription();
        routes.MapGet("/site.css", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Bytes(Css.Value, "text/css; charset=utf-8");
        }).ExcludeFromDescription();
        routes.MapGet("/icon.svg", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.Bytes(Icon.Value, "image/svg+xml");
        }).ExcludeFromDescription();
        routes.MapGet("/favicon.ico", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.Bytes(Favicon.Value, "image/x-icon");
        }).ExcludeFromDescription();
        routes.MapGet("/robots.txt", () => Results.Text(Robots, "text/plain; charset=utf-8")).ExcludeFromDescription();
        routes.MapGet("/logo", (IOptions<PetitionsOptions> options, HttpContext context) =>
        {
            var path = options.Value.LogoPath;
            if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
            {
                return Results.NotFound();
            }

            context.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.File(Path.GetFullPath(path), LogoType(path));
        }).ExcludeFromDescription();
        return routes;
    }

    private static string LogoType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".webp" => "image/webp",
        ".gif" => "image/gif",
        _ => "application/octet-stream",
    };

    private static byte[] Resource(string name)
    {
        using var stream = typeof(SiteAssets).Assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
