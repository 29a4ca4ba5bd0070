using System.Globalization;
using Petitions.Organisations;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Pages.Letters;

/// <summary>What the letter page shows: the letter, its supporters, and the sign-on form while it is open.</summary>
/// <param name="Letter">The letter as read in the request's language: its published translation, or as written.</param>
/// <param name="Languages">The languages it can be read in: its own, then its published translations'.</param>
/// <param name="ListHidden">The list is embargoed for this reader (<see cref="Petition.ListIsPublicAt"/>): the count, no names.</param>
/// <param name="Preview">Shown through a preview link before the opening; never kept in <see cref="LetterPageCache"/>.</param>
/// <param name="Coordinator">Shown to a coordinator of the letter before the opening; never kept either.</param>
/// <param name="At">The time the page is for: "closed on …" once the closing time has come.</param>
public sealed record LetterView(
    Petition Letter, PublicList Signatories, SignFormView? Form, IReadOnlyList<string> Languages,
    bool ListHidden = false, bool Preview = false, bool Coordinator = false, DateTimeOffset? At = null)
{
    /// <summary>Whether the page may be kept and given to anyone: not a preview's, nor a coordinator's.</summary>
    public bool IsPublic => !Preview && !Coordinator;

    /// <summary>The closing time, once it has come: the page says "Closed on …".</summary>
    public DateTimeOffset? ClosedAt => Letter.ClosesAt is { } closes && At is { } at && at >= closes ? closes : null;

    /// <summary>The language of the letter's text where it is not the page's (no translation into it): for <c>lang</c> attributes.</summary>
    public string? TextLanguage => Letter.Language == Web.Languages.Current.Code ? null : Letter.Language;

    /// <summary>"The Hague, 5 September 2017", as a letter is dated.</summary>
    public string DateLine => string.Join(", ", new[]
    {
        Letter.Place,
        Letter.Date is { } date ? Web.Languages.LongDate(date.ToDateTime(TimeOnly.MinValue)) : "",
    }.Where(p => p.Length > 0));

    /// <summary>For search results and link previews: the letter's opening, as plain text, at most about 200 characters.</summary>
    public string Description
    {
        get
        {
            var text = string.Join(' ', Markdig.Markdown.ToPlainText(Letter.Body)
                .Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
            if (text.Length <= 200)
            {
                return text;
            }

            var cut = text.LastIndexOf(' ', 199);
            return text[..(cut > 100 ? cut : 199)] + "…";
        }
    }
}

/// <summary>The sign-on form: what was typed (kept when it is sent back) and each field's error.</summary>
public sealed record SignFormView(string Slug, SignRequest Values, IReadOnlyDictionary<string, string[]> Errors)
{
    public static SignFormView Empty(string slug) => new(slug, new SignRequest(), new Dictionary<string, string[]>());

    /// <summary>The name of the partner whose link brought the reader (<see cref="SignRequest.Ref"/>): the sharing consent names it.</summary>
    public string? PartnerName { get; init; }

    /// <summary>The form's value for an organisation of no one country (stored without a country).</summary>
    public const string International = "international";

    /// <summary>Every country in the reader's language, sorted as it sorts.</summary>
    public static IReadOnlyList<Country> Countries => global::Petitions.Organisations.Countries.In(Web.Languages.Current.Code);

    public string? Error(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    /// <summary>Fields in the order of the form, for the summary of errors at its top.</summary>
    public static readonly IReadOnlyList<(string Field, string Label)> Fields =
    [
        ("organisation", "Organisation"), ("city", "City"), ("country", "Country"), ("contactName", "Your name"),
        ("contactRole", "Your role in the organisation"), ("contactEmail", "Your email address"), ("website", "The organisation's website"),
        ("comment", "Comment"), ("consent", "Consent"),
    ];
}
