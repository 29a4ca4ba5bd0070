using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Petitions.Web;

/// <summary>
/// The base of every link in an email: <c>Petitions:PublicBaseUrl</c> when set, otherwise the first
/// address the service serves (so <c>--urls</c> moves the links with it).
/// </summary>
public sealed partial class PublicBaseUrl(IOptions<PetitionsOptions> options, IServer? server = null)
{
    /// <summary>Where <c>scripts/run</c> serves: used only when nothing is configured and nothing is served (the command line).</summary>
    public const string Fallback = "http://127.0.0.1:5080";

    private string? resolved;

    public string Value => resolved ?? Resolve();

    public string Link(string path) => Value + path;

    /// <summary>The addresses the server listens on, wildcard hosts ("0.0.0.0", "[::]", "+", "*") read as localhost.</summary>
    public IReadOnlyList<Uri> Served() =>
        (server?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        .Select(address => Uri.TryCreate(Wildcard().Replace(address, "${scheme}localhost"), UriKind.Absolute, out var uri) ? uri : null)
        .OfType<Uri>()
        .ToList();

    /// <summary>
    /// A configured base that is none of the addresses served is right behind a proxy and wrong
    /// everywhere else (every link in every email would be dead): said once, at start-up.
    /// </summary>
    public void WarnIfUnserved(ILogger logger)
    {
        var configured = options.Value.PublicBaseUrl;
        if (string.IsNullOrWhiteSpace(configured))
        {
            logger.LogInformation("Links in emails start with {Base}, the first address served (Petitions:PublicBaseUrl is not set).", Value);
            return;
        }

        if (!Uri.TryCreate(configured, UriKind.Absolute, out var wanted) || wanted.Scheme is not ("http" or "https"))
        {
            logger.LogWarning("Petitions:PublicBaseUrl '{Base}' is not an http(s) address: links in emails will not work.", configured);
            return;
        }

        var served = Served();
        if (served.Count > 0 && !served.Any(uri => uri.Scheme == wanted.Scheme && uri.Port == wanted.Port && SameHost(uri.Host, wanted.Host)))
        {
            logger.LogWarning(
                "Petitions:PublicBaseUrl is {Base}, but the service serves {Served}: links in emails lead there, which is right only behind a proxy that forwards it here.",
                configured, string.Join(", ", served));
        }
    }

    private string Resolve()
    {
        var configured = options.Value.PublicBaseUrl;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return resolved = configured.Trim().TrimEnd('/');
        }

        // Kept only once the server has started: before that there is nothing to read.
        var served = Served();
        return served.Count == 0 ? Fallback : resolved = served[0].GetLeftPart(UriPartial.Authority);
    }

    private static bool SameHost(string a, string b) =>
        string.Equals(a, b, StringComparison.OrdinalIgnoreCase) || (IsLoopback(a) && IsLoopback(b));

    private static bool IsLoopback(string host) => host is "localhost" or "127.0.0.1" or "[::1]" or "::1";

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<scheme>https?://)(0\.0\.0\.0|\[::\]|\+|\*)(?=[:/]|$)")]
    private static partial System.Text.RegularExpressions.Regex Wildcard();
}
