using System.Text;
using System.Text.Encodings.Web;
using Petitions.Data;
using Petitions.Organisations;

namespace Petitions.Signatures;

/// <summary>One organisation on a letter's public list, as read: the time it signed still as stored.</summary>
public readonly record struct ListedRow(string Organisation, string? City, string? Country, string SignedAt)
{
    public PublicSignatory ToSignatory() => new(Organisation, City, Country, Countries.NameOf(Country), Time.Parse(SignedAt));
}

/// <summary>
/// A letter's public list of supporting organisations, sorted by name then city, with its HTML
/// (the &lt;li&gt; items, encoded once) ready to be written into a page as it is.
/// </summary>
public sealed class PublicList
{
    private readonly ListedRow[] rows;
    private IReadOnlyList<PublicSignatory>? signatories;
    private string? itemsHtml;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> itemsHtmlIn = new(StringComparer.Ordinal);
    private LetterStats? stats;

    public PublicList(ListedRow[] sortedRows) => rows = sortedRows;

    public int Count => rows.Length;

    public IReadOnlyList<ListedRow> Rows => rows;

    /// <summary>The organisations as the API and the exports describe them (computed once).</summary>
    public IReadOnlyList<PublicSignatory> Signatories => signatories ??= Array.ConvertAll(rows, r => r.ToSignatory());

    /// <summary>"&lt;li&gt;Name, City&lt;/li&gt;" lines, HTML-encoded as Razor would encode them (computed once).</summary>
    public string ItemsHtml => itemsHtml ??= RenderItems(rows, "en");

    /// <summary><see cref="ItemsHtml"/> with the names of countries (of organisations without a city) in <paramref name="language"/>.</summary>
    public string ItemsHtmlIn(string language) => language == "en" ? ItemsHtml : itemsHtmlIn.GetOrAdd(language, l => RenderItems(rows, l));

    /// <summary>The counts by country and by day (computed once per read of the list, so cached with it).</summary>
    public LetterStats Stats => stats ??= LetterStats.Of(rows);

    /// <summary>The same organisations, in the same order, as another read of the list.</summary>
    public bool SameRows(PublicList other) => rows.AsSpan().SequenceEqual(other.rows);

    /// <summary>The line as the seed letter prints it: "Name, City", or "Name, Country" where there is no city.</summary>
    public static string? PlaceOf(in ListedRow row) => row.City ?? Countries.NameOf(row.Country);

    /// <summary><see cref="PlaceOf(in ListedRow)"/> with the country named in <paramref name="language"/>.</summary>
    public static string? PlaceOf(in ListedRow row, string language) => row.City ?? Countries.NameOf(row.Country, language);

    // As the pages encode (Program.cs): every script as itself, HTML's own characters encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    private static string RenderItems(ListedRow[] rows, string language)
    {
        var encoder = Encoder;
        var html = new StringBuilder(rows.Length * 64);
        using var writer = new StringWriter(html);
        foreach (var row in rows)
        {
            writer.Write("<li>");
            encoder.Encode(writer, row.Organisation);
            if (PlaceOf(row, language) is { } place)
            {
                writer.Write(", ");
                encoder.Encode(writer, place);
            }

            writer.Write("</li>\n");
        }

        writer.Flush();
        return html.ToString();
    }
}
