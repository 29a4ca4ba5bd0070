using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Petitions.Web;

/// <summary>
/// X-Forwarded-For is believed only from the proxies listed in Petitions:TrustedProxies
/// (addresses, comma-separated). With none listed, a client cannot pick its own address and so
/// cannot dodge the per-IP rate limits.
/// </summary>
public static class TrustedProxies
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        var proxies = (configuration["Petitions:TrustedProxies"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(IPAddress.Parse)
            .ToList();
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = proxies.Count == 0 ? ForwardedHeaders.None : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
            {
                options.KnownProxies.Add(proxy);
            }
        });
        services.AddSingleton<IStartupFilter, UntrustedForwardingWarning>();
        return services;
    }

    /// <summary>Whether forwarded headers from this peer are believed.</summary>
    public static bool IsTrusted(ForwardedHeadersOptions options, IPAddress? peer)
    {
        if (peer is null || options.ForwardedHeaders == ForwardedHeaders.None)
        {
            return false;
        }

        var mapped = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        return options.KnownProxies.Any(p => p.Equals(peer) || p.Equals(mapped)) || options.KnownIPNetworks.Any(n => n.Contains(peer) || n.Contains(mapped));
    }

    /// <summary>
    /// Behind a reverse proxy that nobody listed, every visitor arrives from the proxy's address and
    /// shares its rate limit: a few people signing at once are refused. The proxy gives itself away by
    /// its X-Forwarded-* headers, so the first such request is logged as a warning (once per process:
    /// every request would repeat it).
    /// </summary>
    private sealed class UntrustedForwardingWarning(IOptions<ForwardedHeadersOptions> options, ILogger<UntrustedForwardingWarning> logger) : IStartupFilter
    {
        private int warned;

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (Volatile.Read(ref warned) == 0)
                {
                    Check(context);
                }

                return nextMiddleware(context);
            });
            next(app);
        };

        private void Check(HttpContext context)
        {
            var headers = context.Request.Headers;
            if ((headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("X-Forwarded-Proto"))
                && !IsTrusted(options.Value, context.Connection.RemoteIpAddress)
                && Interlocked.Exchange(ref warned, 1) == 0)
            {
                logger.LogWarning(
                    "A request from {Peer} carried X-Forwarded-For or X-Forwarded-Proto, but that address is not a trusted proxy, so the headers are ignored. "
                    + "If Petitions runs behind a reverse proxy, every visitor now shares the proxy's rate limit and links may use the wrong scheme: "
                    + "set Petitions:TrustedProxies to the proxy's address (comma-separated for several).",
                    context.Connection.RemoteIpAddress);
            }
        }
    }
}
