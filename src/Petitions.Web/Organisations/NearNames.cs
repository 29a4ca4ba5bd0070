using System.Globalization;

namespace Petitions.Organisations;

/// <summary>
/// Whether a new sign-on may be an organisation already listed under a longer or shorter name
/// ("Justica Global Brasil" beside "Justiça Global"), or one with the same registrable domain.
/// </summary>
public static class NearNames
{
    /// <summary>
    /// One loose key (<see cref="Names.LooseKey"/>) holds the other as whole words. The shorter must
    /// be two words or more: "Global" alone is in too many names to mean anything.
    /// </summary>
    public static bool ContainsEitherWay(string looseA, string looseB)
    {
        if (looseA.Length == 0 || looseB.Length == 0 || looseA == looseB)
        {
            return false;
        }

        var (shorter, longer) = looseA.Length <= looseB.Length ? (looseA, looseB) : (looseB, looseA);
        return shorter.Contains(' ', StringComparison.Ordinal) && shorter.Length >= 6
            && $" {longer} ".Contains($" {shorter} ", StringComparison.Ordinal);
    }

    // Second-level labels under which a country's registries hand out names ("example.org.br", "example.co.uk").
    private static readonly HashSet<string> SecondLevels = new(StringComparer.Ordinal)
    {
        "co", "com", "org", "net", "ac", "gov", "edu", "or", "ne", "go", "gob", "gouv", "nic", "ngo", "int", "mil", "asso", "ong",
    };

    /// <summary>
    /// "https://www.example.org.br/about" → "example.org.br": the last two labels, or three under a
    /// country's generic second level. Close to the Public Suffix List for the sites NGOs use, not equal to it.
    /// </summary>
    public static string? RegistrableDomain(string? website)
    {
        if (website is null || !Uri.TryCreate(website, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return null;
        }

        string host;
        try
        {
            host = new IdnMapping().GetAscii(uri.Host.TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }

        var labels = host.Split('.');
        if (labels.Length < 2 || System.Net.IPAddress.TryParse(host, out _))
        {
            return null;
        }

        var take = labels.Length >= 3 && labels[^1].Length == 2 && SecondLevels.Contains(labels[^2]) ? 3 : 2;
        return string.Join('.', labels[^take..]);
    }
}
