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
        // Sorted, without repeats, searched by halves: 8 bytes a key where a hash set takes about 20,
        // and a letter's index is held for as long as the process runs.
        private readonly ulong[] keys;
        private readonly ulong[] held;
        private readonly ulong[] domains;
        private readonly SkeletonEntry[] skeletons;

        private Index(Builder builder)
        {
            Count = builder.Count;
            keys = Distinct(builder.Keys);
            held = Distinct(builder.Held);
            domains = Distinct(builder.Domains);
            skeletons = Group(builder.Skeletons);
        }

        public int Count { get; }

        /// <summary>Whether a listed name holds this loose key or is held in it as whole words, or a listed website has its domain.</summary>
        public bool Near(string looseKey, string? website)
        {
            if (IsRun(looseKey, 0, looseKey.Length) && Contains(held, Hash(looseKey)))
            {
                return true;
            }

            foreach (var (start, length) in Runs(looseKey))
            {
                if (Contains(keys, Hash(looseKey.AsSpan(start, length))))
                {
                    return true;
                }
            }

            return RegistrableDomain(website) is { } domain && Contains(domains, Hash(domain));
        }

        /// <summary>Whether a listed organisation, named otherwise, has this name's UTS #39 skeleton.</summary>
        public bool Imitated(string name)
        {
            var at = Array.BinarySearch(skeletons, new SkeletonEntry(Hash(Confusables.Skeleton(name)), 0, false), SkeletonEntry.BySkeleton);
            return at >= 0 && (skeletons[at].Several || skeletons[at].Name != Hash(name));
        }

        private static bool Contains(ulong[] sorted, ulong hash) => Array.BinarySearch(sorted, hash) >= 0;

        private static ulong[] Distinct(List<ulong> hashes)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(hashes);
            span.Sort();
            var count = 0;
            foreach (var hash in span)
            {
                if (count == 0 || span[count - 1] != hash)
                {
                    span[count++] = hash;
                }
            }

            // The builder keeps what it holds, once each, should more be added and built again.
            hashes.RemoveRange(count, hashes.Count - count);
            return [.. hashes];
        }

        // Per skeleton, one of its listed names, and whether another name has it too.
        private static SkeletonEntry[] Group(List<(ulong Skeleton, ulong Name)> pairs)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pairs);
            span.Sort();
            var grouped = new List<SkeletonEntry>(span.Length);
            foreach (var (skeleton, name) in span)
            {
                if (grouped.Count > 0 && grouped[^1].Skeleton == skeleton)
                {
                    grouped[^1] = grouped[^1] with { Several = grouped[^1].Several || grouped[^1].Name != name };
                }
                else
                {
                    grouped.Add(new SkeletonEntry(skeleton, name, false));
                }
            }

            return [.. grouped];
        }

        private readonly record struct SkeletonEntry(ulong Skeleton, ulong Name, bool Several)
        {
            /// <summary>The order of the array, by skeleton alone: a search finds the entry whatever its name.</summary>
            public static readonly IComparer<SkeletonEntry> BySkeleton = Comparer<SkeletonEntry>.Create((a, b) => a.Skeleton.CompareTo(b.Skeleton));
        }

        /// <summary>Collects a letter's listed organisations, then gives their index.</summary>
        public sealed class Builder
        {
            internal List<ulong> Keys { get; } = [];

            internal List<ulong> Held { get; } = [];

            internal List<ulong> Domains { get; } = [];

            internal List<(ulong Skeleton, ulong Name)> Skeletons { get; } = [];

            public int Count { get; private set; }

            /// <summary>Adds a listed organisation: its name, its loose key (<see cref="Names.LooseKey"/>) and its signature's website.</summary>
            public void Add(string name, string looseKey, string? website)
            {
                ArgumentNullException.ThrowIfNull(name);
                ArgumentNullException.ThrowIfNull(looseKey);
                Count++;
                if (looseKey.Length > 0)
                {
                    // The loose key, and every run of two or more of its words (six characters or more) short of the whole.
                    Keys.Add(Hash(looseKey));
                    foreach (var (start, length) in Runs(looseKey))
                    {
                        Held.Add(Hash(looseKey.AsSpan(start, length)));
                    }
                }

                if (RegistrableDomain(website) is { } domain)
                {
                    Domains.Add(Hash(domain));
                }

                Skeletons.Add((Hash(Confusables.Skeleton(name)), Hash(name)));
            }

            public Index Build() => new(this);
        }

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
