using System.Globalization;
using System.Net;
using Petitions.Petitions;
using Petitions.Resources;

namespace Petitions.Embed;

/// <summary>
/// The HTML a coordinator gives a partner to paste: the form in a frame, and the count as an image linking to the
/// letter. Absolute addresses (Petitions:PublicBaseUrl), and the words a partner's visitors read (the frame's title,
/// the image's text) in the letter's language, whatever the console's.
/// </summary>
public sealed record EmbedSnippet(string Frame, string Badge)
{
    public static EmbedSnippet For(Petition letter, string publicBase)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var letterUrl = $"{publicBase}/petitions/{Uri.EscapeDataString(letter.Slug)}";
        var (frameTitle, imageText) = InLanguage(letter.Language, () =>
            (Texts.Page("Sign “{0}”", letter.Title), Texts.Page("Organisations that have signed “{0}”", letter.Title)));
        return new(
            $"<iframe src=\"{letterUrl}/embed\" title=\"{WebUtility.HtmlEncode(frameTitle)}\" width=\"100%\" height=\"1150\" style=\"border: 0; max-width: 40rem;\" loading=\"lazy\"></iframe>",
            $"<a href=\"{letterUrl}\"><img src=\"{letterUrl}/badge.svg\" alt=\"{WebUtility.HtmlEncode(imageText)}\" height=\"{Embed.Badge.Height}\"></a>");
    }

    private static T InLanguage<T>(string language, Func<T> text)
    {
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = Web.Languages.Find(language).Culture;
            return text();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture);
        }
    }
}
