namespace Petitions.Web;

/// <summary>The stylesheet, embedded in the program so it is served from any working directory.</summary>
public static class SiteAssets
{
    private static readonly Lazy<byte[]> Css = new(() =>
    {
        using var stream = typeof(SiteAssets).Assembly.GetManifestResourceStream("Petitions.site.css")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static IEndpointConventionBuilder MapSiteAssets(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/site.css", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Bytes(Css.Value, "text/css; charset=utf-8");
        }).ExcludeFromDescription();
}
