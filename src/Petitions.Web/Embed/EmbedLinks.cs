using Microsoft.AspNetCore.Http;

namespace Petitions.Embed;

/// <summary>Addresses between the embedded pages, which keep the request's <c>?lang</c>: a frame on another site gets no language cookie.</summary>
public static class EmbedLinks
{
    /// <summary>"?lang=fr" when the request chose a language of the interface with <c>?lang</c>; else nothing.</summary>
    public static string LanguageQuery(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var asked = request.Query[Web.Languages.QueryKey].ToString();
        return Web.Languages.All.FirstOrDefault(l => string.Equals(l.Code, asked, StringComparison.OrdinalIgnoreCase)) is { } language
            ? "?" + Web.Languages.QueryKey + "=" + language.Code
            : "";
    }

    /// <summary>Where the embedded form posts.</summary>
    public static string SignAction(HttpRequest request, string slug) =>
        $"/petitions/{Uri.EscapeDataString(slug)}/embed/sign{LanguageQuery(request)}";

    /// <summary>The letter's own page, through the partner's link when the frame was opened with one.</summary>
    public static string LetterPage(HttpRequest request, string slug)
    {
        ArgumentNullException.ThrowIfNull(request);
        var partner = request.Query["ref"].ToString();
        return $"/petitions/{Uri.EscapeDataString(slug)}" + (partner.Length > 0 && request.Query["ref"].Count == 1 ? "?ref=" + Uri.EscapeDataString(partner) : "");
    }
}
