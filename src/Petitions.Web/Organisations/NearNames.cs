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

    /// <summary>
    /// A letter's listed organisations keyed so that a sign-on is compared with all of them in a few
    /// look-ups (<see cref="ContainsEitherWay"/>, the registrable domain, the skeleton), not a pass over
    /// the list: a letter of a million organisations is read once, not once per sign-on. Keys are kept
    /// as 64-bit hashes, so a large letter's index stays small; a collision would only flag a sign-on for
    /// a person to look at.
    /// </summary>
    public sealed class Index
    {
        // Every listed loose key, and every run of two or more of its words (six characters or more) short of the whole.
        private readonly HashSet<ulong> keys = [];
        private readonly HashSet<ulong> held = [];
        private readonly HashSet<ulong> domains = [];

        // A skeleton's first listed name, and whether another name has it too.
        private readonly Dictionary<ulong, (ulong Name, bool Several)> skeletons = [];

        public int Count { get; private set; }

        /// <summary>Adds a listed organisation: its name, its loose key (<see cref="Names.LooseKey"/>) and its signature's website.</summary>
        public void Add(string name, string looseKey, string? website)
        {
            Count++;
            if (looseKey.Length > 0)
            {
                keys.Add(Hash(looseKey));
                foreach (var (start, length) in Runs(looseKey))
                {
                    held.Add(Hash(looseKey.AsSpan(start, length)));
                }
            }

            if (RegistrableDomain(website) is { } domain)
            {
                domains.Add(Hash(domain));
            }

            var skeleton = Hash(Confusables.Skeleton(name));
            var nameHash = Hash(name);
            skeletons[skeleton] = skeletons.TryGetValue(skeleton, out var first) ? (first.Name, first.Several || first.Name != nameHash) : (nameHash, false);
        }

        /// <summary>Whether a listed name holds this loose key or is held in it as whole words, or a listed website has its domain.</summary>
        public bool Near(string looseKey, string? website)
        {
            if (IsRun(looseKey, 0, looseKey.Length) && held.Contains(Hash(looseKey)))
            {
                return true;
            }

            foreach (var (start, length) in Runs(looseKey))
            {
                if (keys.Contains(Hash(looseKey.AsSpan(start, length))))
                {
                    return true;
                }
            }

            return RegistrableDomain(website) is { } domain && domains.Contains(Hash(domain));
        }

        /// <summary>Whether a listed organisation, named otherwise, has this name's UTS #39 skeleton.</summary>
        public bool Imitated(string name) =>
            skeletons.TryGetValue(Hash(Confusables.Skeleton(name)), out var listed) && (listed.Several || listed.Name != Hash(name));

        /// <summary>The runs of two or more whole words, of six characters or more, short of the whole key.</summary>
        private static IEnumerable<(int Start, int Length)> Runs(string key)
        {
            for (var start = 0; start < key.Length; start = key.IndexOf(' ', start) is var space and >= 0 ? space + 1 : key.Length)
            {
                for (var end = key.IndexOf(' ', start); end >= 0; end = key.IndexOf(' ', end + 1))
                {
                    // From each word's start to each later word's end (the next space, or the key's end).
                    var next = key.IndexOf(' ', end + 1);
                    var length = (next < 0 ? key.Length : next) - start;
                    if (length < key.Length && IsRun(key, start, length))
                    {
                        yield return (start, length);
                    }
                }
            }
        }

        private static bool IsRun(string key, int start, int length) => length >= 6 && key.AsSpan(start, length).Contains(' ');

        // FNV-1a, 64 bits, over the UTF-16 code units.
        private static ulong Hash(ReadOnlySpan<char> text)
        {
            var hash = 14695981039346656037UL;
            foreach (var c in text)
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            return hash;
        }
    }
}
