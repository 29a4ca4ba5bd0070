using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Petitions.Tests.Support;

/// <summary>
/// A real HAProxy (Debian's) in front of cluster nodes, configured as scripts/cluster configures it:
/// round robin, health checks on /healthz, X-Forwarded-For added, a refused connection retried on
/// another node. Each answer says which node gave it in <see cref="NodeHeader"/>.
/// </summary>
public sealed class HaProxy : IDisposable
{
    public const string NodeHeader = "X-Petitions-Node";

    private readonly Process process;
    private readonly StringBuilder log = new();

    private HaProxy(Process process, int port)
    {
        this.process = process;
        BaseUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
    }

    public Uri BaseUrl { get; }

    /// <summary>What HAProxy wrote (its warnings and the servers going up and down).</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>The installed binary, or null (scripts/test installs Debian's haproxy).</summary>
    public static string? Binary { get; } = new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists);

    /// <summary>Starts HAProxy on <paramref name="port"/> and returns once every node has answered through it.</summary>
    public static async Task<HaProxy> StartAsync(string directory, int port, IReadOnlyList<(string Name, int Port)> nodes)
    {
        if (Binary is null)
        {
            Assert.Ignore("HAProxy is not installed (scripts/test installs Debian's haproxy package).");
        }

        var config = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(config, Config(port, nodes));
        var start = new ProcessStartInfo(Binary!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-f", config, "-db" })
        {
            start.ArgumentList.Add(argument);
        }

        var proxy = new HaProxy(Process.Start(start)!, port);
        proxy.process.OutputDataReceived += (_, e) => proxy.Append(e.Data);
        proxy.process.ErrorDataReceived += (_, e) => proxy.Append(e.Data);
        proxy.process.BeginOutputReadLine();
        proxy.process.BeginErrorReadLine();
        try
        {
            await proxy.WaitForNodesAsync(nodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal));
            return proxy;
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
    }

    public static string Config(int port, IReadOnlyList<(string Name, int Port)> nodes)
    {
        var config = new StringBuilder($$"""
            global
              maxconn 2000
            defaults
              mode http
              timeout connect 2s
              timeout client 60s
              timeout server 60s
              retries 2
              option redispatch
              option forwardfor
            frontend petitions
              bind 127.0.0.1:{{port}}
              default_backend nodes
            backend nodes
              balance roundrobin
              option httpchk
              http-check send meth GET uri /healthz
              http-check expect status 200
              http-response set-header {{NodeHeader}} %[srv_name]

            """);
        foreach (var (name, nodePort) in nodes)
        {
            config.Append(CultureInfo.InvariantCulture, $"  server {name} 127.0.0.1:{nodePort} check inter 500ms fall 2 rise 1\n");
        }

        return config.ToString();
    }

    /// <returns>The node that answered <paramref name="response"/>.</returns>
    public static string? NodeOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues(NodeHeader, out var values) ? values.FirstOrDefault() : null;

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    private async Task WaitForNodesAsync(HashSet<string> names)
    {
        using var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (!seen.IsSupersetOf(names))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"HAProxy did not reach every node ({string.Join(", ", seen)} of {string.Join(", ", names)}). Its log:\n{Log}");
            }

            try
            {
                using var health = await client.GetAsync("/healthz");
                if (health.IsSuccessStatusCode && NodeOf(health) is { } node)
                {
                    seen.Add(node);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }
}
