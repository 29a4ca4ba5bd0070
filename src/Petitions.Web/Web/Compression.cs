using Microsoft.AspNetCore.ResponseCompression;

namespace Petitions.Web;

/// <summary>
/// Brotli or gzip for the stylesheet, the icon, plain text and JSON; never for HTML. A page with a
/// form carries an antiforgery token beside text an attacker can put there (a signatory's name,
/// a query), and a compressed answer's length then leaks the token a byte at a time (BREACH), over
/// HTTPS too. JSON answers carry no such secret: the coordinators' JSON takes a bearer token that
/// another site cannot make a browser send.
/// </summary>
public static class Compression
{
    public static readonly string[] CompressedTypes =
        ["text/css", "image/svg+xml", "text/plain", "application/json", "application/problem+json"];

    public static IServiceCollection AddPetitionsCompression(this IServiceCollection services) =>
        services.AddResponseCompression(options =>
        {
            // Off over HTTPS by default because of BREACH: safe here, as no HTML is compressed.
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes = CompressedTypes;
            options.ExcludedMimeTypes = ["text/html"];
        });
}
