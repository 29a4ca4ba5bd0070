using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;

namespace Petitions.Email;

/// <summary>
/// A sentence of an email whose interpolated values (names, titles, reasons: anyone's input) are
/// kept apart from its words, so the HTML part encodes them and isolates right-to-left ones.
/// </summary>
[InterpolatedStringHandler]
public sealed class Sentence
{
    private readonly List<(string Text, bool IsValue)> parts;

#pragma warning disable IDE0060 // The compiler passes the sizes; the list grows as it must.
    public Sentence(int literalLength, int formattedCount) => parts = new(2 * formattedCount + 1);
#pragma warning restore IDE0060

    private Sentence(string text) => parts = [(text, false)];

    public static implicit operator Sentence(string text) => FromString(text);

    public static Sentence FromString(string text) => new(text);

    /// <summary>A translated sentence: <paramref name="template"/>'s {0}, {1}… are the values, kept apart like interpolated ones.</summary>
    public static Sentence Format(string template, params string?[] values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var sentence = new Sentence(template.Length, values.Length);
        var at = 0;
        while (at < template.Length)
        {
            var open = template.IndexOf('{', at);
            var close = open < 0 ? -1 : template.IndexOf('}', open);
            if (open < 0 || close < 0 || !int.TryParse(template.AsSpan(open + 1, close - open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= values.Length)
            {
                sentence.AppendLiteral(template[at..]);
                break;
            }

            if (open > at)
            {
                sentence.AppendLiteral(template[at..open]);
            }

            sentence.AppendFormatted(values[index]);
            at = close + 1;
        }

        return sentence;
    }

    public void AppendLiteral(string text) => parts.Add((text, false));

    public void AppendFormatted(string? value) => parts.Add((Clean(value ?? ""), true));

    public string Text => string.Concat(parts.Select(p => p.Text));

    public string Html => string.Concat(parts.Select(p => p.IsValue ? EmailBody.Value(p.Text) : WebUtility.HtmlEncode(p.Text)));

    /// <summary>
    /// Without control characters and bidi overrides: a name that reached the database before its
    /// rules did must not make a line read backwards, nor break a header or a line of the text part.
    /// </summary>
    internal static string Clean(string value) =>
        value.Any(IsUnwanted) ? new string(value.Where(c => !IsUnwanted(c)).ToArray()) : value;

    private static bool IsUnwanted(char c) =>
        char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';
}

/// <summary>
/// Writes an email's plain-text and HTML parts side by side, so each says the same. The HTML is
/// tables and inline styles, which mail programs keep; every link in it is an &lt;a href&gt;, and
/// the main one is also a button and a line of its own in the text part.
/// </summary>
public sealed class EmailBody(EmailBrand brand, Web.Language? language = null)
{
    private readonly Web.Language language = language ?? Web.Languages.English;

    private const string Ink = "#1f2933";
    private const string Accent = "#1d4e89";
    private const string Font = "font-family: Georgia, 'Times New Roman', serif;";
    private const string Sans = "font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif;";

    private readonly StringBuilder text = new();
    private readonly StringBuilder html = new();

    public EmailBody Paragraph(Sentence sentence)
    {
        ArgumentNullException.ThrowIfNull(sentence);
        text.Append(sentence.Text).Append("\n\n");
        html.Append("<p style=\"margin: 0 0 16px;\">").Append(sentence.Html).Append("</p>\n");
        return this;
    }

    /// <summary>The email's main action: a button, the address spelled out under it, and the address alone on a line of the text.</summary>
    public EmailBody Button(string label, string link)
    {
        var href = Attribute(link);
        text.Append(link).Append("\n\n");
        html.Append(CultureInfo.InvariantCulture, $"""
            <table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin: 8px 0 16px;"><tr>
            <td style="border-radius: 4px; background: {Accent};"><a href="{href}" style="display: inline-block; padding: 12px 24px; {Sans} font-size: 16px; font-weight: bold; color: #ffffff; text-decoration: none; border-radius: 4px;">{WebUtility.HtmlEncode(label)}</a></td>
            </tr></table>
            <p style="margin: 0 0 16px; font-size: 13px; color: #52606d;">{WebUtility.HtmlEncode(T("If the button does not work, open this address:"))} <a href="{href}" style="color: {Accent}; word-break: break-all;">{WebUtility.HtmlEncode(link)}</a></p>

            """);
        return this;
    }

    /// <summary>A further link, after a sentence that says what it is for.</summary>
    public EmailBody Link(Sentence lead, string label, string link)
    {
        ArgumentNullException.ThrowIfNull(lead);
        text.Append(lead.Text).Append('\n').Append(link).Append("\n\n");
        html.Append(CultureInfo.InvariantCulture, $"<p style=\"margin: 0 0 16px;\">{lead.Html} <a href=\"{Attribute(link)}\" style=\"color: {Accent};\">{WebUtility.HtmlEncode(label)}</a></p>\n");
        return this;
    }

    /// <summary>A list of linked names, each with a line of detail.</summary>
    public EmailBody Items(IEnumerable<(string Name, string Detail, string Link)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        html.Append("<ul style=\"margin: 0 0 16px; padding-inline-start: 20px;\">\n");
        foreach (var (name, detail, link) in items)
        {
            var cleanName = Sentence.Clean(name);
            var cleanDetail = Sentence.Clean(detail);
            text.Append("- ").Append(cleanName).Append(": ").Append(cleanDetail).Append('\n').Append("  ").Append(link).Append('\n');
            html.Append(CultureInfo.InvariantCulture, $"<li style=\"margin: 0 0 8px;\"><a href=\"{Attribute(link)}\" style=\"color: {Accent}; font-weight: bold;\">{Value(cleanName)}</a>: {Value(cleanDetail)}</li>\n");
        }

        text.Append('\n');
        html.Append("</ul>\n");
        return this;
    }

    /// <summary>A coordinator's Markdown: as written in the text part, rendered as a letter's body is (<see cref="Petitions.LetterMarkdown"/>) in the HTML.</summary>
    public EmailBody Markdown(string markdown, string rendered)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        text.Append(markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Trim()).Append("\n\n");
        html.Append("<div style=\"margin: 0 0 16px;\">").Append(rendered).Append("</div>\n");
        return this;
    }

    public OutgoingEmail Finish(string kind, string to, Sentence subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var site = Sentence.Clean(brand.SiteName);
        var contact = brand.ContactEmail is { } address ? Sentence.Clean(address) : null;
        var subjectText = subject.Text;

        text.Append("-- \n").Append(site).Append('\n');
        if (contact is not null)
        {
            text.Append(T("Questions:")).Append(' ').Append(contact).Append('\n');
        }

        var footer = contact is null
            ? ""
            : $"<br>{WebUtility.HtmlEncode(T("Questions:"))} <a href=\"mailto:{Attribute(contact)}\" style=\"color: {Accent};\">{WebUtility.HtmlEncode(contact)}</a>";
        var document = $"""
            <!DOCTYPE html>
            <html lang="{language.Code}" dir="{language.Direction}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{subject.Html}</title></head>
            <body style="margin: 0; padding: 0; background: #f0f2f5;">
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background: #f0f2f5;"><tr><td align="center" style="padding: 24px 12px;">
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width: 600px; background: #ffffff; border: 1px solid #d9dee4;">
            <tr><td style="padding: 16px 24px; background: {Accent}; color: #ffffff; {Sans} font-size: 18px; font-weight: bold;">{Value(site)}</td></tr>
            <tr><td style="padding: 24px; {Font} font-size: 16px; line-height: 1.5; color: {Ink};">
            {html}</td></tr>
            <tr><td style="padding: 16px 24px; border-top: 1px solid #d9dee4; {Sans} font-size: 13px; color: #52606d;">— {Value(site)}{footer}</td></tr>
            </table>
            </td></tr></table>
            </body></html>
            """;
        return new OutgoingEmail(kind, to, subjectText, text.ToString(), document);
    }

    private string T(string english) => Resources.Texts.Email(english, language.Culture);

    /// <summary>A value in the HTML: encoded, and isolated when it is written right to left, so it cannot reorder the sentence around it.</summary>
    internal static string Value(string value)
    {
        var encoded = WebUtility.HtmlEncode(value);
        return value.Any(IsRightToLeft) ? $"<bdi>{encoded}</bdi>" : encoded;
    }

    private static string Attribute(string value) => WebUtility.HtmlEncode(value);

    // Hebrew, Arabic, Syriac, Thaana, N'Ko and the rest of the right-to-left blocks, and their presentation forms.
    private static bool IsRightToLeft(char c) => c is >= '\u0590' and <= '\u08FF' or >= '\uFB1D' and <= '\uFDFF' or >= '\uFE70' and <= '\uFEFF';
}
