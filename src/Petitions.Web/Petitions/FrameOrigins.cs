namespace Petitions.Petitions;

/// <summary>
/// The web origins (scheme, host and port) that may frame a letter's sign-on form. They end up in a
/// Content-Security-Policy header, so only what parses as an http(s) origin is kept, rebuilt from its parts.
/// </summary>
public static class FrameOrigins
{
    public const int Most = 20;

    /// <summary>"https://Example.org/" → "https://example.org"; null for anything that is not an origin.</summary>
    public static string? Normalise(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("https" or "http") || uri.UserInfo.Length > 0 || uri.AbsolutePath != "/"
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.HostNameType is UriHostNameType.Unknown)
        {
            return null;
        }

        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}";
    }

    public static IReadOnlyList<string>? NormaliseAll(IReadOnlyList<string>? origins) =>
        origins?.Select(o => Normalise(o) ?? o).Distinct(StringComparer.Ordinal).ToList();
}
