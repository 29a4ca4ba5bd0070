using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Petitions.Webhooks;

/// <summary>
/// Sends the queued deliveries, on every node: each claims due rows under a lease (skipping, on PostgreSQL,
/// rows another node is claiming), posts them signed, and records the answer. A failure is retried with
/// exponential backoff; a subscription failing for a day is disabled. Redirects are never followed (a 3xx
/// is a failure), and every connection goes through <see cref="WebhookAddress.ConnectAsync"/>.
/// Also sweeps letters whose closesAt has passed, so <c>letter.closed</c> goes out once across nodes.
/// </summary>
public sealed class WebhookDispatcher : BackgroundService
{
    public const int BatchSize = 16;
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan LongestRetry = TimeSpan.FromHours(1);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Longer than a request may take, so a live node's claim never passes to another mid-request.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    private readonly WebhookStore store;
    private readonly WebhookAddress addresses;
    private readonly TimeProvider clock;
    private readonly Web.PublicBaseUrl publicBase;
    private readonly IOptions<PetitionsOptions> options;
    private readonly ILogger<WebhookDispatcher> logger;
    private readonly HttpClient client;

    /// <summary>This process's name in <c>claimed_by</c>.</summary>
    public string Node { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    public WebhookDispatcher(
        WebhookStore store, WebhookAddress addresses, TimeProvider clock, Web.PublicBaseUrl publicBase, IOptions<PetitionsOptions> options,
        ILogger<WebhookDispatcher> logger)
    {
        this.store = store;
        this.addresses = addresses;
        this.clock = clock;
        this.publicBase = publicBase;
        this.options = options;
        this.logger = logger;
        client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = ConnectTimeout,
            ConnectCallback = addresses.ConnectAsync,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        })
        {
            Timeout = RequestTimeout,
        };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("Petitions-Webhooks/1");
    }

    /// <summary>How long a delivery that failed <paramref name="attempts"/> times waits: doubling from <see cref="FirstRetry"/>, at most <see cref="LongestRetry"/>.</summary>
    public static TimeSpan Backoff(long attempts) =>
        attempts >= 16 ? LongestRetry : TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, FirstRetry.Ticks << (int)Math.Max(0, attempts - 1)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the app finish starting (and migrating) before the first claim.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                await store.SweepClosingsAsync(clock.GetUtcNow(), stoppingToken);
                var now = clock.GetUtcNow();
                var deliveries = await store.ClaimAsync(Node, BatchSize, now, now + Lease, stoppingToken);
                claimed = deliveries.Count;
                await Task.WhenAll(deliveries.Select(d => SendAsync(d, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                // The database may be busy, unavailable or not migrated yet: try again on the next round.
                logger.LogWarning(exception, "Webhook deliveries could not be read; trying again shortly.");
            }

            if (claimed < BatchSize)
            {
                try
                {
                    await Task.Delay(Poll, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task SendAsync(Delivery delivery, CancellationToken stoppingToken)
    {
        if (delivery.SignatureId is not null && delivery.Status is null)
        {
            await store.DropAsync(delivery.Id, stoppingToken);
            return;
        }

        var error = await PostAsync(delivery, stoppingToken);
        var now = clock.GetUtcNow();
        if (error is null)
        {
            await store.RecordDeliveredAsync(delivery, Node, now, CancellationToken.None);
            return;
        }

        var retryIn = Backoff(delivery.Attempts + 1);
        if (await store.RecordFailedAsync(delivery, Node, error, now, retryIn, CancellationToken.None))
        {
            logger.LogWarning("Webhook subscription {Id} is disabled: its deliveries have failed for a day ({Error}).", delivery.SubscriptionId, error);
        }
        else
        {
            logger.LogInformation("Webhook delivery {Id} will be retried in {Delay} ({Error}).", delivery.Id, retryIn, error);
        }
    }

    /// <returns>Null when the endpoint took the delivery (2xx), else what went wrong, for the coordinators.</returns>
    private async Task<string?> PostAsync(Delivery delivery, CancellationToken stoppingToken)
    {
        if (!Uri.TryCreate(delivery.Url, UriKind.Absolute, out var url)
            || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && addresses.AllowPrivate)))
        {
            return "The endpoint must be an https:// address.";
        }

        string secret;
        try
        {
            secret = store.Unprotect(delivery.Secret);
        }
        catch (CryptographicException)
        {
            return "The subscription's secret cannot be read with this service's keys; subscribe the endpoint again.";
        }

        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var body = WebhookPayload.Body(delivery, timestamp, options.Value.SiteName, publicBase.Link);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookPayload.SignatureHeader, WebhookPayload.Sign(body, secret));
        request.Headers.Add(WebhookPayload.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookPayload.DeliveryHeader, WebhookPayload.DeliveryId(delivery));
        request.Headers.Add(WebhookPayload.EventHeader, delivery.Event);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 300 ? null
                : code is >= 300 and < 400 ? $"HTTP {code}: redirects are not followed"
                : $"HTTP {code}";
        }
        catch (HttpRequestException exception)
        {
            return $"{exception.GetType().Name}: {exception.Message}";
        }
        catch (TaskCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return $"No answer within {RequestTimeout.TotalSeconds:0} seconds";
        }
    }

    public override void Dispose()
    {
        client.Dispose();
        base.Dispose();
    }
}
