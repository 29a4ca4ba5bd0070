using System.Net;
using System.Net.Sockets;

namespace Petitions.Webhooks;

/// <summary>
/// Which endpoints a webhook may call (server-side request forgery): HTTPS on public addresses only,
/// unless <c>Webhooks:AllowPrivateAddresses</c> is true (tests, intranets), which also allows HTTP and
/// loopback, private, link-local and unique-local addresses. Checked when a coordinator subscribes, and
/// again on every connection (<see cref="ConnectAsync"/>), so a name that later resolves to a private
/// address (DNS rebinding) is refused too.
/// </summary>
public sealed class WebhookAddress(IConfiguration configuration)
{
    public const string AllowPrivateKey = "Webhooks:AllowPrivateAddresses";

    public bool AllowPrivate => configuration.GetValue<bool>(AllowPrivateKey);

    /// <returns>The problem with the address, or null when it may be called.</returns>
    public async Task<string?> ProblemAsync(string? url, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return "Enter the endpoint as an absolute address starting with https://.";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(AllowPrivate && uri.Scheme == Uri.UriSchemeHttp))
        {
            return "The endpoint must be an https:// address.";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "The endpoint may not hold a user name or password; sign with the secret instead.";
        }

        if (AllowPrivate)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return "The endpoint's host name could not be resolved.";
        }

        return addresses.Length == 0 ? "The endpoint's host name could not be resolved."
            : addresses.Any(IsPrivate) ? "The endpoint is on a loopback or private address, which webhooks may not call."
            : null;
    }

    /// <summary>
    /// Connects to the request's host on the first of its addresses that may be called: what the name
    /// resolves to now, not what it resolved to when the subscription was made.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        var allowed = AllowPrivate ? addresses : addresses.Where(a => !IsPrivate(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"{endpoint.Host} resolves to no address webhooks may call (loopback or private ranges are refused).");
        }

        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException exception)
            {
                socket.Dispose();
                last = exception;
            }
        }

        throw new HttpRequestException($"Could not connect to {endpoint.Host}:{endpoint.Port}.", last);
    }

    /// <summary>Loopback, private, shared (CGNAT), link-local, unique-local, multicast, reserved and unspecified addresses.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] is >= 64 and <= 127,
                169 => b[1] == 254,
                172 => b[1] is >= 16 and <= 31,
                192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99),
                198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100),
                203 => b[1] == 0 && b[2] == 113,
                >= 224 => true,
                _ => false,
            };
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true;
        }

        var bytes = address.GetAddressBytes();
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that is judged as such.
        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && bytes[4..12].All(x => x == 0))
        {
            return IsPrivate(new IPAddress(bytes[12..16]));
        }

        if (bytes[0] == 0x20 && bytes[1] == 0x02)
        {
            return IsPrivate(new IPAddress(bytes[2..6]));
        }

        // Local-use NAT64 (64:ff9b:1::/48) translates to whatever the local network chose, and Teredo
        // (2001::/32) tunnels to an address of its own: neither is a webhook receiver's public address.
        if ((bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && bytes[4] == 0x00 && bytes[5] == 0x01)
            || (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x00 && bytes[3] == 0x00))
        {
            return true;
        }

        return address.Equals(IPAddress.IPv6Loopback) || address.Equals(IPAddress.IPv6None)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
            || (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8)
            || bytes[..10].All(x => x == 0); // ::/80: unspecified, IPv4-compatible and the like
    }
}
