using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Petitions.Tests.Support;

/// <summary>The real program in a process of its own on a real port, to be killed as a crash would.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process process;

    private ServerProcess(Process process, Uri baseUrl)
    {
        this.process = process;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    /// <param name="wrapper">A program and its arguments to run the server under (such as strace), or null.</param>
    /// <param name="port">The port to listen on (a restarted cluster node keeps its load balancer's), or null for a free one.</param>
    public static async Task<ServerProcess> StartAsync(string directory, IDictionary<string, string>? environment = null, IReadOnlyList<string>? wrapper = null, int? port = null)
    {
        port ??= FreePort();
        var start = new ProcessStartInfo(wrapper?[0] ?? "dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (wrapper is not null)
        {
            foreach (var argument in wrapper.Skip(1).Append("dotnet"))
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Petitions.Web.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["ConnectionStrings__Petitions"] = $"Data Source={Path.Combine(directory, "petitions.db")}";
        start.Environment["Mail__PickupDirectory"] = Path.Combine(directory, "mail");
        start.Environment["Petitions__KeysDirectory"] = Path.Combine(directory, "keys");
        start.Environment["RateLimiting__SignOnsPerMinutePerIp"] = "0";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var health = await client.GetAsync("/healthz");
                if (health.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                server.Dispose();
                throw new InvalidOperationException("The server did not start.");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL: no shutdown, no flush, as a power cut or an OOM killer would end it.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
