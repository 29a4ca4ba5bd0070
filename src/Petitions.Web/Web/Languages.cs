using System.Globalization;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Primitives;

namespace Petitions.Web;

/// <summary>A language of the interface: its culture, its name in itself, and its direction.</summary>
public sealed record Language(string Code, string NativeName, bool RightToLeft)
{
    public CultureInfo Culture => CultureInfo.GetCultureInfo(Code);

    public string Direction => RightToLeft ? "rtl" : "ltr";
}

/// <summary>
/// The languages the interface and the emails speak, and how a request's is chosen: <c>?lang=xx</c> on any page
/// (then remembered in the culture cookie), else that cookie, else Accept-Language, else English.
/// </summary>
public static class Languages
{
    public const string QueryKey = "lang";

    public static Language English { get; } = new("en", "English", false);

    // Neutral cultures: ICU's "ar" uses the Gregorian calendar (ar-SA would be Umm al-Qura) and Latin digits in .NET.
    public static IReadOnlyList<Language> All { get; } =
    [
        English,
        new("fr", "Français", false),
        new("es", "Español", false),
        new("ru", "Русский", false),
        new("ar", "العربية", true),
    ];

    public static Language Find(string? code) =>
        All.FirstOrDefault(l => string.Equals(l.Code, code, StringComparison.OrdinalIgnoreCase)) ?? English;

    /// <summary>The language of the current request (its UI culture, or the nearest supported parent).</summary>
    public static Language Current
    {
        get
        {
            for (var culture = CultureInfo.CurrentUICulture; culture.Name.Length > 0; culture = culture.Parent)
            {
                if (All.FirstOrDefault(l => l.Code == culture.Name) is { } found)
                {
                    return found;
                }
            }

            return English;
        }
    }

    /// <summary>
    /// The languages the switcher offers on this request. One place, so that a page that exists in fewer
    /// languages (a letter with only some translations) can narrow it.
    /// </summary>
    public static IReadOnlyList<Language> Offered(HttpContext context) =>
        context?.Items[OfferedKey] is IReadOnlyList<string> codes ? All.Where(l => codes.Contains(l.Code)).ToList() : All;

    /// <summary>
    /// Narrows the switcher to the languages a page's content exists in (a letter's own and its published
    /// translations'), and names them as the page's alternates (<c>hreflang</c>).
    /// </summary>
    public static void Offer(HttpContext context, IReadOnlyList<string> codes)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[OfferedKey] = codes;
    }

    /// <summary>Whether the page named its languages (<see cref="Offer"/>): then its head links their versions.</summary>
    public static bool HasAlternates(HttpContext context) => context?.Items.ContainsKey(OfferedKey) == true;

    private static readonly object OfferedKey = new();

    /// <summary>The address of the current page in another language: the same path and query, its <c>lang</c> replaced.</summary>
    public static string LinkTo(HttpRequest request, Language language, bool keepQuery = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new List<KeyValuePair<string, StringValues>>();
        if (keepQuery)
        {
            query.AddRange(request.Query.Where(q => !string.Equals(q.Key, QueryKey, StringComparison.OrdinalIgnoreCase)));
        }

        query.Add(new(QueryKey, language.Code));
        return request.PathBase + request.Path + QueryString.Create(query);
    }

    public static void Configure(RequestLocalizationOptions options)
    {
        var cultures = All.Select(l => l.Culture).ToList();
        options.DefaultRequestCulture = new RequestCulture(English.Culture);
        options.SupportedCultures = cultures;
        options.SupportedUICultures = cultures;
        options.FallBackToParentCultures = true;
        options.FallBackToParentUICultures = true;
        options.ApplyCurrentCultureToResponseHeaders = false;
        options.RequestCultureProviders = Providers();
    }

    /// <summary>
    /// The order in which a request's language is looked for; the first supported answer wins: after
    /// Accept-Language, a letter's pages fall back to the language the letter is written in.
    /// </summary>
    public static List<IRequestCultureProvider> Providers() =>
    [
        new QueryStringRequestCultureProvider { QueryStringKey = QueryKey, UIQueryStringKey = QueryKey },
        new CookieRequestCultureProvider(),
        new AcceptLanguageHeaderRequestCultureProvider { MaximumAcceptLanguageHeaderValuesToTry = 5 },
        new LetterLanguageProvider(),
    ];

    /// <summary>Request localisation, then: a language chosen with <c>?lang</c> (and supported) is remembered for a year.</summary>
    public static IApplicationBuilder UseLanguages(this IApplicationBuilder app)
    {
        app.UseRequestLocalization();
        return app.Use((context, next) =>
        {
            if (context.Features.Get<IRequestCultureFeature>() is { Provider: QueryStringRequestCultureProvider } feature)
            {
                context.Response.Cookies.Append(
                    CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(feature.RequestCulture),
                    new CookieOptions
                    {
                        Path = "/",
                        SameSite = SameSiteMode.Lax,
                        HttpOnly = true,
                        Secure = context.Request.IsHttps,
                        MaxAge = TimeSpan.FromDays(365),
                        IsEssential = true,
                    });
            }

            return next(context);
        });
    }

    /// <summary>"5 September 2017" in the request's language (Spanish says "5 de septiembre de 2017"; Russian's months are genitive).</summary>
    public static string LongDate(DateTime date, Language? language = null)
    {
        language ??= Current;
        var format = language.Code switch
        {
            "es" => "d 'de' MMMM 'de' yyyy",
            _ => "d MMMM yyyy",
        };
        return date.ToString(format, language == English ? CultureInfo.GetCultureInfo("en-GB") : language.Culture);
    }

    /// <summary>
    /// The form of a counted phrase for <paramref name="count"/>: <paramref name="forms"/> are the translation's
    /// forms separated by '|', in CLDR's order for the language (English, French, Spanish: one|other; Russian:
    /// one|few|many; Arabic: zero|one|two|few|many|other), each with {0} for the number (other placeholders are left).
    /// </summary>
    public static string Plural(string forms, long count, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(forms);
        ArgumentNullException.ThrowIfNull(culture);
        var parts = forms.Split('|');
        var index = Math.Min(parts.Length - 1, PluralIndex(culture.TwoLetterISOLanguageName, count));
        return parts[index].Replace("{0}", count.ToString(culture), StringComparison.Ordinal);
    }

    private static int PluralIndex(string language, long n)
    {
        var mod10 = n % 10;
        var mod100 = n % 100;
        return language switch
        {
            "ru" => mod10 == 1 && mod100 != 11 ? 0 : mod10 is >= 2 and <= 4 && mod100 is < 12 or > 14 ? 1 : 2,
            "ar" => n switch
            {
                0 => 0,
                1 => 1,
                2 => 2,
                _ when mod100 is >= 3 and <= 10 => 3,
                _ when mod100 is >= 11 and <= 99 => 4,
                _ => 5,
            },
            "fr" => n is 0 or 1 ? 0 : 1,
            _ => n == 1 ? 0 : 1,
        };
    }
}
