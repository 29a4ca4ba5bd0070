using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Petitions.Embed;

/// <summary>
/// Which sites may frame an answer. Every answer is unframable (<see cref="Web.SecurityHeaders"/>) unless the page
/// that writes it says otherwise here: the embeddable form's pages name their letter's origins.
/// </summary>
public static partial class Framing
{
    private static readonly object Key = new();

    /// <summary>Lets the letter's listed origins (and only those) frame this answer; with none listed it stays unframable.</summary>
    public static void AllowOrigins(HttpContext context, IReadOnlyList<string> origins)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Rebuilt from parts once more: a value that reached the database some other way cannot widen the header.
        var kept = origins.Select(global::Petitions.Petitions.FrameOrigins.Normalise).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        context.Items[Key] = kept;
    }

    /// <summary>The origins that may frame this answer; empty (the default) for none.</summary>
    public static IReadOnlyList<string> Allowed(HttpContext context) =>
        context?.Items[Key] as IReadOnlyList<string> ?? [];

    /// <summary>The value of the <c>frame-ancestors</c> directive for this answer.</summary>
    public static string FrameAncestors(HttpContext context) =>
        Allowed(context) is { Count: > 0 } origins ? string.Join(' ', origins) : "'none'";

    /// <summary>Whether the request is for one of a letter's embedded pages (<c>/petitions/{slug}/embed…</c>).</summary>
    public static bool IsEmbedPath(PathString path) => EmbedPath().IsMatch(path.Value ?? "");

    [GeneratedRegex("^/petitions/[^/]+/embed(/|$)", RegexOptions.IgnoreCase)]
    private static partial Regex EmbedPath();
}
