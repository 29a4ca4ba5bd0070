using System.Globalization;
using System.Security;
using System.Text;
using Petitions.Petitions;
using Petitions.Resources;
using Petitions.Signatures;

namespace Petitions.Embed;

/// <summary>
/// GET /petitions/{slug}/badge.svg: "130 organisations have signed" as a small image any site may show with an
/// <c>&lt;img&gt;</c>, in the reader's language (the letter's by default, <c>?lang</c> to choose).
/// </summary>
public static class Badge
{
    public const int Height = 28;

    public static IEndpointRouteBuilder MapEmbedBadge(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/petitions/{slug}/badge.svg", async Task<IResult> (
            string slug, PetitionStore petitions, PublicListCache lists, TimeProvider clock, HttpContext context, CancellationToken cancellationToken) =>
        {
            // The letter page's own rule of what is public: a draft or an unknown letter is not found.
            if (await Pages.Letters.ShowModel.LoadAsync(petitions, await petitions.ReadAsync(slug, cancellationToken), lists, clock, null, cancellationToken) is not { } view)
            {
                return PetitionsApi.NotFound(slug);
            }

            var headers = context.Response.Headers;
            // Any site may show it; a new signatory shows within five minutes, whatever caches keep it meanwhile.
            headers["Cross-Origin-Resource-Policy"] = "cross-origin";
            headers.CacheControl = "public, max-age=300";
            headers.Vary = "Accept-Language, Cookie";
            return Results.Bytes(Svg(Texts.PagePlural("{0} organisations have signed", view.Signatories.Count), Web.Languages.Current), "image/svg+xml; charset=utf-8");
        }).ExcludeFromDescription();
        return routes;
    }

    /// <summary>The badge: the text, white on the site's blue, as wide as the text needs (estimated: no fonts on the server).</summary>
    public static byte[] Svg(string text, Web.Language language)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(language);
        var width = (int)Math.Ceiling(text.Length * 7.4) + 24;
        var escaped = Xml(text);
        var inv = CultureInfo.InvariantCulture;
        var svg = new StringBuilder();
        svg.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{Height}\" viewBox=\"0 0 {width} {Height}\" ")
            .Append(inv, $"role=\"img\" aria-labelledby=\"badge-title\" lang=\"{language.Code}\" direction=\"{language.Direction}\">\n")
            .Append("<title id=\"badge-title\">").Append(escaped).Append("</title>\n")
            .Append(inv, $"<rect width=\"{width}\" height=\"{Height}\" rx=\"4\" fill=\"#0b5cad\"/>\n")
            .Append(inv, $"<text x=\"{width / 2.0}\" y=\"18.5\" text-anchor=\"middle\" fill=\"#fff\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"13\" font-weight=\"600\">")
            .Append(escaped).Append("</text>\n</svg>\n");
        return Encoding.UTF8.GetBytes(svg.ToString());
    }

    // Characters XML 1.0 does not allow are dropped; the rest escaped.
    private static string Xml(string text) =>
        SecurityElement.Escape(new string(text.Where(c => !(char.IsControl(c) || c is '\uFFFE' or '\uFFFF')).ToArray()));
}
