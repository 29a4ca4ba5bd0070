using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Petitions.Tests.Support;

/// <summary>
/// Petitions as scripts/cluster runs it, for real: a PostgreSQL database of its own on the run's
/// cluster, N nodes (the real program, each a process that can be SIGKILLed and restarted on its
/// port), a real SMTP server all of them send to, and HAProxy in front. Each node has its own
/// folder (keys, pickup mail) as separate machines would: all they share is the database.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly TempDirectory directory;
    private readonly Dictionary<string, string> settings;
    private readonly ServerProcess?[] processes;

    private Cluster(TempDirectory directory, PostgresDatabase database, SmtpServer smtp, Dictionary<string, string> settings, IReadOnlyList<ClusterNode> nodes)
    {
        this.directory = directory;
        this.settings = settings;
        Database = database;
        Smtp = smtp;
        Nodes = nodes;
        processes = new ServerProcess?[nodes.Count];
    }

    public PostgresDatabase Database { get; }

    public SmtpServer Smtp { get; }

    public IReadOnlyList<ClusterNode> Nodes { get; }

    public HaProxy Proxy { get; private set; } = null!;

    /// <summary>Where visitors go: HAProxy.</summary>
    public Uri BaseUrl => Proxy.BaseUrl;

    /// <param name="settings">More configuration for every node (environment-variable names, <c>__</c> for <c>:</c>).</param>
    public static async Task<Cluster> StartAsync(int nodes = 2, IDictionary<string, string>? settings = null)
    {
        if (HaProxy.Binary is null)
        {
            Assert.Ignore("HAProxy is not installed (scripts/test installs Debian's haproxy package).");
        }

        var directory = new TempDirectory();
        var database = await Postgres.CreateDatabaseAsync();
        var smtp = await SmtpServer.StartNewAsync();
        var proxyPort = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = "postgres",
            ["ConnectionStrings__Petitions"] = database.ConnectionString,
            ["Smtp__Host"] = smtp.Host,
            ["Smtp__Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Smtp__Security"] = "None",
            ["Petitions__PublicBaseUrl"] = $"http://127.0.0.1:{proxyPort.ToString(CultureInfo.InvariantCulture)}",
            // HAProxy connects from here, so its X-Forwarded-For names the visitor the rate limits count.
            ["Petitions__TrustedProxies"] = "127.0.0.1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var members = Enumerable.Range(0, nodes)
            .Select(i => new ClusterNode(((char)('a' + i)).ToString(), FreePort(), Path.Combine(directory.Path, "node-" + (char)('a' + i))))
            .ToList();
        var cluster = new Cluster(directory, database, smtp, environment, members);
        try
        {
            // The first node migrates the empty database and loads the seed letter alone, as scripts/cluster does.
            await cluster.StartNodeAsync(0);
            await Task.WhenAll(Enumerable.Range(1, nodes - 1).Select(cluster.StartNodeAsync));
            cluster.Proxy = await HaProxy.StartAsync(directory.Path, proxyPort, members.Select(n => (n.Name, n.Port)).ToList());
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of one node directly, past HAProxy.</summary>
    public HttpClient ClientOf(int node, bool followRedirects = true) =>
        new(new HttpClientHandler { AllowAutoRedirect = followRedirects, UseCookies = false }) { BaseAddress = Nodes[node].BaseUrl };

    /// <summary>A client of HAProxy; <paramref name="from"/> is the loopback address it connects from (another visitor).</summary>
    public HttpClient ClientOfProxy(string from = "127.0.0.1") =>
        new(new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        }) { BaseAddress = BaseUrl };

    /// <summary>SIGKILL of one node: no shutdown, its claims and connections left as a crash leaves them.</summary>
    public void Kill(int node)
    {
        processes[node]?.Dispose();
        processes[node] = null;
    }

    /// <summary>Starts a node (again) on its own port, so HAProxy's health check takes it back.</summary>
    public async Task StartNodeAsync(int node)
    {
        var member = Nodes[node];
        Directory.CreateDirectory(member.Directory);
        processes[node] = await ServerProcess.StartAsync(member.Directory, settings, port: member.Port);
    }

    public async Task<NpgsqlConnection> OpenDatabaseAsync() => await Database.OpenAsync();

    public async ValueTask DisposeAsync()
    {
        Proxy?.Dispose();
        for (var i = 0; i < processes.Length; i++)
        {
            Kill(i);
        }

        await Smtp.DisposeAsync();
        await Database.DisposeAsync();
        directory.Dispose();
    }

    // Below Linux's ephemeral range (32768-60999), so no outgoing connection takes a killed node's
    // port before it is restarted on it.
    private static int FreePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20_000, 32_768);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: draw another.
            }
        }
    }
}

/// <summary>One node of a <see cref="Cluster"/>: its name in HAProxy, its port and its folder.</summary>
public sealed record ClusterNode(string Name, int Port, string Directory)
{
    public Uri BaseUrl { get; } = new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
}
