using System.Text;
using System.Text.RegularExpressions;

namespace Petitions.Organisations;

/// <summary>
/// Names that carry a link. A sign-on's name is repeated in emails and, once listed, on the letter's
/// page: a name like "Claim your prize at https://scam.example/1" would make the service deliver
/// someone else's advertisement. Two tests of different strength:
/// <see cref="LooksLikeLink"/> flags a sign-on for review, and must leave real organisations alone
/// ("St. John's", "U.S. Campaign", "Association Humanrights.ch");
/// <see cref="MayBecomeLink"/> decides whether an email may repeat a text at all, and is broad,
/// because a mail program turns any "word.word" into a link and a generic wording costs nothing.
/// </summary>
public static partial class LinkLikeText
{
    public const string Flag = "looks-like-link";

    // Top-level domains that organisations seldom end their names with but spam often does. Country
    // codes are left out: "Humanrights.ch" is the real name of a Swiss association.
    private static readonly HashSet<string> GenericTlds = new(StringComparer.OrdinalIgnoreCase)
    {
        "com", "net", "org", "info", "biz", "io", "co", "xyz", "top", "click", "link", "site", "online", "shop", "store", "app",
        "dev", "live", "club", "win", "vip", "icu", "buzz", "cc", "ws", "tk", "ml", "ga", "cf", "gq", "ly", "gl", "gd", "to",
        "me", "tv", "su", "ru", "cn", "pw", "work", "loan", "bid", "men", "date", "download", "stream", "racing", "review",
        "trade", "party", "science", "cricket", "faith", "accountant", "kim", "country", "gdn", "mobi", "pro", "asia",
        "tel", "name", "email", "website", "space", "tech", "fun", "today", "life", "world", "news", "money", "cash",
        "bet", "casino", "poker", "example", "test", "invalid", "localhost", "zip", "mov", "lol", "best", "rest",
    };

    /// <summary>Whether a name should be flagged <see cref="Flag"/>: it names a web address, not an organisation.</summary>
    public static bool LooksLikeLink(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var folded = Fold(text);
        if (Scheme().IsMatch(folded) || Www().IsMatch(folded) || MailAddress().IsMatch(folded))
        {
            return true;
        }

        foreach (Match token in Domain().Matches(folded))
        {
            var host = token.Groups["host"].Value;
            var tld = token.Groups["tld"].Value;
            var followedByPath = token.Groups["rest"].Success;
            // A path, port or query, a generic TLD, or a host typed all in lower case as an address is.
            if (followedByPath || GenericTlds.Contains(tld) || !host.Any(char.IsUpper))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a mail program could turn part of a text into a link: a scheme, "www." or any
    /// "label.label" token. Such a text is never repeated in an email.
    /// </summary>
    public static bool MayBecomeLink(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var folded = Fold(text);
        return Scheme().IsMatch(folded) || Www().IsMatch(folded) || Domain().IsMatch(folded) || MailAddress().IsMatch(folded);
    }

    // Full-width letters and the ideographic full stops (。．｡) are read as ASCII by browsers' address
    // parsing; folding them first keeps "ｐｒｉｚｅ．ｃｏｍ" from passing.
    private static string Fold(string text) => text.Normalize(NormalizationForm.FormKC)
        .Replace('\u3002', '.').Replace('\uFF0E', '.').Replace('\uFF61', '.');

    [GeneratedRegex(@"(?i)(?<![\p{L}\p{N}])(?:[a-z][a-z0-9+.\-]*://|(?:https?|ftp|mailto|javascript):(?=\S))")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"(?i)(?<![\p{L}\p{N}])www\d{0,3}\.(?=\S)")]
    private static partial Regex Www();

    [GeneratedRegex(@"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+")]
    private static partial Regex MailAddress();

    // label(.label)*.tld, with no space after any dot and at least two letters in the last label (so
    // "U.S." and "St. John's" are not addresses), then optionally a path, port or query.
    [GeneratedRegex(@"(?<![\p{L}\p{N}\-.])(?<host>(?:[\p{L}\p{N}](?:[\p{L}\p{N}\-]{0,62}[\p{L}\p{N}])?\.)+(?<tld>\p{L}{2,63}))(?![\p{L}\p{N}\-])(?<rest>/|[?#]\S|:\d)?")]
    private static partial Regex Domain();
}
