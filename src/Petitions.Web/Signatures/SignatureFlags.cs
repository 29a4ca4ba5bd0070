namespace Petitions.Signatures;

/// <summary>What each flag on a signature means, as a coordinator reads it in the review queue and in the review emails.</summary>
public static class SignatureFlags
{
    public static string Describe(string flag) => flag switch
    {
        "possible-duplicate" => "may duplicate an organisation already on the letter",
        "look-alike" => "its name imitates another's with look-alike letters",
        "email-capped" => "its address had reached the day's email cap",
        "domain-verified" => "the email's domain matches the website",
        "domain-mismatch" => "the email's domain does not match the website",
        "looks-like-link" => "its name looks like a web address",
        "no-city" => "no city given",
        "several-countries" => "the city is in several countries",
        "unknown-city" => "the city is not in the gazetteer",
        "ambiguous-city" => "the city's name is ambiguous",
        _ => flag,
    };

    /// <summary>Flags that are a reason to look closely; the others are only information.</summary>
    public static IEnumerable<string> Reasons(IEnumerable<string> flags) => flags.Where(f => f != "domain-verified");

    /// <summary>When no flag is a reason, the letter's setting is: it reviews every sign-on.</summary>
    public const string EveryOneReviewed = "every sign-on on this letter is reviewed";

    /// <summary>Why a sign-on waits for review, in words, from its space-separated flags.</summary>
    public static IReadOnlyList<string> WhyItWaits(string flags)
    {
        var reasons = Reasons((flags ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(Describe).ToList();
        return reasons.Count > 0 ? reasons : [EveryOneReviewed];
    }
}
