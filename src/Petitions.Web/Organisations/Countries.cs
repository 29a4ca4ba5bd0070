using System.Collections.Frozen;
using System.Globalization;

namespace Petitions.Organisations;

public sealed record Country(string Code, string Name);

/// <summary>
/// Every ISO 3166-1 alpha-2 country (and Kosovo as XK, the code CLDR and the EU use) with its English
/// name, both from ICU's own data (<see cref="IcuRegions"/>).
/// </summary>
public static class Countries
{
    private static readonly Lazy<(IReadOnlyList<Country> All, FrozenDictionary<string, Country> ByCode, FrozenDictionary<string, Country> ByNameKey)> Table = new(Load);

    /// <summary>Every country, sorted by English name as a person expects.</summary>
    public static IReadOnlyList<Country> All => Table.Value.All;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (IReadOnlyList<Country> All, FrozenDictionary<string, string> Names)> Translated = new(StringComparer.Ordinal);

    /// <summary>Every country named in <paramref name="language"/> (ICU) and sorted as that language sorts; English is <see cref="All"/>.</summary>
    public static IReadOnlyList<Country> In(string language) => InLanguage(language).All;

    /// <summary>A country's name in <paramref name="language"/>, falling back to English.</summary>
    public static string? NameOf(string? code, string language) =>
        code is null ? null
        : language == "en" ? NameOf(code)
        : InLanguage(language).Names.TryGetValue(code, out var name) ? name : NameOf(code);

    /// <summary>A country's name in the current request's language.</summary>
    public static string? LocalName(string? code) => NameOf(code, Web.Languages.Current.Code);

    private static (IReadOnlyList<Country> All, FrozenDictionary<string, string> Names) InLanguage(string language) =>
        Translated.GetOrAdd(language, static language =>
        {
            if (language == "en")
            {
                return (All, All.ToFrozenDictionary(c => c.Code, c => c.Name, StringComparer.Ordinal));
            }

            var named = All.Select(c => new Country(c.Code, IcuRegions.Name(c.Code, language) ?? c.Name)).ToList();
            var order = StringComparer.Create(CultureInfo.GetCultureInfo(language), CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace);
            named.Sort((a, b) => order.Compare(a.Name, b.Name));
            return (named, named.ToFrozenDictionary(c => c.Code, c => c.Name, StringComparer.Ordinal));
        });

    public static bool IsCode(string? code) => code is not null && Table.Value.ByCode.ContainsKey(code);

    public static string? NameOf(string? code) =>
        code is not null && Table.Value.ByCode.TryGetValue(code, out var country) ? country.Name : null;

    /// <summary>The country a place name is, if it is one ("Benin", "Czech Republic").</summary>
    public static Country? FromName(string name) =>
        Table.Value.ByNameKey.TryGetValue(Names.PlaceKey(name), out var country) ? country : null;

    // ICU lists some of ISO 3166's exceptionally reserved codes as territories (Canary Islands, Ceuta and
    // Melilla, Diego Garcia): parts of a country, not countries an organisation would choose.
    private static readonly string[] ExceptionallyReserved = ["AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "FX", "IC", "SU", "TA", "UK", "UN"];

    // User-assigned in ISO 3166, so not in ICU's list of codes; CLDR names it.
    private const string Kosovo = "XK";

    // Common names that ICU's English names do not use.
    private static readonly (string Name, string Code)[] Aliases =
    [
        ("Czech Republic", "CZ"), ("United States of America", "US"), ("USA", "US"), ("UK", "GB"),
        ("Great Britain", "GB"), ("England", "GB"), ("Scotland", "GB"), ("Wales", "GB"), ("Northern Ireland", "GB"),
        ("Holland", "NL"), ("The Netherlands", "NL"), ("Russian Federation", "RU"), ("Republic of Moldova", "MD"),
        ("Macedonia", "MK"), ("Republic of Korea", "KR"), ("South Korea", "KR"), ("North Korea", "KP"),
        ("Ivory Coast", "CI"), ("Cote d'Ivoire", "CI"), ("Burma", "MM"), ("Swaziland", "SZ"), ("Turkey", "TR"),
        ("Cape Verde", "CV"), ("East Timor", "TL"), ("Vatican", "VA"), ("Palestine", "PS"), ("Hong Kong", "HK"),
        ("Macau", "MO"), ("Macao", "MO"), ("Democratic Republic of the Congo", "CD"), ("DRC", "CD"),
        ("Republic of the Congo", "CG"), ("Laos", "LA"), ("Syria", "SY"), ("Iran", "IR"), ("Vietnam", "VN"),
        ("Kosova", "XK"),
    ];

    private static (IReadOnlyList<Country>, FrozenDictionary<string, Country>, FrozenDictionary<string, Country>) Load()
    {
        var countries = new List<Country>();
        foreach (var code in IcuRegions.Codes().Except(ExceptionallyReserved).Append(Kosovo).Distinct(StringComparer.Ordinal))
        {
            countries.Add(new Country(code, IcuRegions.Name(code, "en") ?? throw new InvalidOperationException($"ICU has no English name for {code}.")));
        }

        var order = StringComparer.Create(CultureInfo.GetCultureInfo("en"), CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace);
        countries.Sort((a, b) => order.Compare(a.Name, b.Name));
        var byCode = countries.ToFrozenDictionary(c => c.Code, StringComparer.Ordinal);

        var byName = new Dictionary<string, Country>(StringComparer.Ordinal);
        foreach (var country in countries)
        {
            byName.TryAdd(Names.PlaceKey(country.Name), country);
        }

        foreach (var (name, code) in Aliases)
        {
            if (byCode.TryGetValue(code, out var country))
            {
                byName.TryAdd(Names.PlaceKey(name), country);
            }
        }

        return (countries, byCode, byName.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
