using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Petitions.Tests.Support;

/// <summary>A delivery as a receiver got it: the exact body bytes and the headers that sign it.</summary>
public sealed record ReceivedWebhook(string Path, byte[] Body, string? Signature, string? Timestamp, string? DeliveryId, string? Event, string? ContentType)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    /// <summary>What a receiver checks: HMAC-SHA256 of the bytes received, with the shared secret, compared in constant time.</summary>
    public bool IsSignedWith(string secret)
    {
        var expected = Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Body)));
        return Signature is not null && CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(Signature));
    }
}

/// <summary>
/// A real HTTP endpoint on 127.0.0.1 (HttpListener) that records what is posted to it and answers with
/// the status <see cref="Answer"/> gives (200 unless told; a 3xx carries a Location).
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly ConcurrentQueue<ReceivedWebhook> received = new();
    private readonly Task loop;

    public WebhookReceiver()
    {
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(RunAsync);
    }

    public int Port { get; }

    /// <summary>The status to answer a request for a path with, and how many were received before it.</summary>
    public Func<string, int, int> Answer { get; set; } = (_, _) => 200;

    public IReadOnlyList<ReceivedWebhook> Received => received.ToList();

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary>Waits until at least <paramref name="count"/> requests (to <paramref name="path"/>, if given) have arrived.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(int count, string? path = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var got = Received.Where(r => path is null || r.Path == path).ToList();
            if (got.Count >= count)
            {
                return got;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{got.Count} of {count} webhook deliveries arrived{(path is null ? "" : $" at {path}")}.");
            }

            await Task.Delay(50);
        }
    }

    private async Task RunAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var path = context.Request.Url!.AbsolutePath;
            var before = received.Count(r => r.Path == path);
            received.Enqueue(new ReceivedWebhook(path, body.ToArray(), context.Request.Headers["X-Petitions-Signature"],
                context.Request.Headers["X-Petitions-Timestamp"], context.Request.Headers["X-Petitions-Delivery"],
                context.Request.Headers["X-Petitions-Event"], context.Request.ContentType));
            var status = Answer(path, before);
            context.Response.StatusCode = status;
            if (status is >= 300 and < 400)
            {
                context.Response.RedirectLocation = Url("/redirected");
            }

            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener's loop ends with the listener.
        }
    }
}
