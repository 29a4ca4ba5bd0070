using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Petitions;

/// <summary>
/// Rate limits per client (<see cref="ClientKey"/>): sign-ons per letter (RateLimiting:SignOnsPerMinutePerIp, 0 turns
/// it off) and attempts at one-time tokens. Rejections are 429 with Retry-After, not the
/// limiter's default 503.
/// </summary>
public static class RateLimits
{
    public const string SignOnPolicy = "sign-on";
    public const string TokenPolicy = "tokens";

    public static IServiceCollection AddPetitionsRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var signOns = configuration.GetValue("RateLimiting:SignOnsPerMinutePerIp", 5);
        var tokens = configuration.GetValue("RateLimiting:TokenAttemptsPerMinutePerIp", 30);
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                    detail: "Please wait a moment before trying again.").ExecuteAsync(context.HttpContext);
            };
            limiter.AddPolicy(SignOnPolicy, context => PerMinute(
                $"{ClientAddress(context)}|{context.Request.RouteValues["slug"]}", signOns, context, SignOnPolicy));
            limiter.AddPolicy(TokenPolicy, context => PerMinute(ClientAddress(context), tokens, context, TokenPolicy));
        });
        return services;
    }

    // The window is the app's clock's (TimeProvider), not the machine's stopwatch. On PostgreSQL it is
    // counted in the database, so a client that moves between nodes is counted once.
    private static RateLimitPartition<string> PerMinute(string key, int permits, HttpContext context, string policy)
    {
        if (permits <= 0)
        {
            return RateLimitPartition.GetNoLimiter(key);
        }

        var db = context.RequestServices.GetRequiredService<global::Petitions.Data.Db>();
        var clock = context.RequestServices.GetRequiredService<TimeProvider>();
        return RateLimitPartition.Get(key, _ => db.IsPostgres
            ? new global::Petitions.Web.DatabaseWindowLimiter(db, policy + "|" + key, permits, TimeSpan.FromMinutes(1), clock)
            : new global::Petitions.Web.ClockWindowLimiter(permits, TimeSpan.FromMinutes(1), clock));
    }

    // Only the connection's own address: X-Forwarded-For is honoured only when a trusted proxy
    // is configured (ForwardedHeadersOptions), never by default.
    private static string ClientAddress(HttpContext context) => ClientKey(context.Connection.RemoteIpAddress);

    /// <summary>
    /// The key a client's requests are counted under: an IPv4 address as it is, an IPv6 address by its
    /// /64. One subscriber gets a whole /64 (RFC 6177), so keying on the full address would give
    /// anyone 2^64 fresh keys. An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is its IPv4 address.
    /// </summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
