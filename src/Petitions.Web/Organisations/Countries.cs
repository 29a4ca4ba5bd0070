using System.Collections.Frozen;
using System.Globalization;

namespace Petitions.Organisations;

public sealed record Country(string Code, string Name);

/// <summary>
/// ISO 3166-1 alpha-2 countries (and Kosovo as XK) with their English names from ICU.
/// The list of codes is data/countries.txt, embedded at build time.
/// </summary>
public static class Countries
{
    private static readonly Lazy<(IReadOnlyList<Country> All, FrozenDictionary<string, Country> ByCode, FrozenDictionary<string, Country> ByNameKey)> Table = new(Load);

    /// <summary>Every country, sorted by English name as a person expects.</summary>
    public static IReadOnlyList<Country> All => Table.Value.All;

    public static bool IsCode(string? code) => code is not null && Table.Value.ByCode.ContainsKey(code);

    public static string? NameOf(string? code) =>
        code is not null && Table.Value.ByCode.TryGetValue(code, out var country) ? country.Name : null;

    /// <summary>The country a place name is, if it is one ("Benin", "Czech Republic").</summary>
    public static Country? FromName(string name) =>
        Table.Value.ByNameKey.TryGetValue(Names.PlaceKey(name), out var country) ? country : null;

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
        using var stream = typeof(Countries).Assembly.GetManifestResourceStream("Petitions.countries.txt")
            ?? throw new InvalidOperationException("The embedded list of country codes is missing.");
        using var reader = new StreamReader(stream);
        var countries = new List<Country>();
        while (reader.ReadLine() is { } line)
        {
            var code = line.Trim();
            if (code.Length == 2)
            {
                countries.Add(new Country(code, new RegionInfo(code).EnglishName));
            }
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
