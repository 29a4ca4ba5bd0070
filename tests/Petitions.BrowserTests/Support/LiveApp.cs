using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Petitions.BrowserTests.Support;

/// <summary>
/// The real application on a real SQLite file of its own, served by Kestrel on a real 127.0.0.1 port,
/// so that a real browser can reach it at <see cref="BaseUrl"/>.
/// </summary>
/// <remarks>
/// <c>Petitions:PublicBaseUrl</c> defaults to <see cref="BaseUrl"/>, so links in emails lead back to this
/// server; any setting passed in (<c>Smtp:Host</c>, <c>Smtp:Port</c>, ...) overrides the app's own.
/// </remarks>
public sealed class LiveApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;
    private readonly int port;
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2? certificate;
    private bool started;

    /// <param name="certificate">Serve HTTPS with it (at <c>https://127.0.0.1:PORT/</c>) rather than HTTP.</param>
    public LiveApp(IDictionary<string, string?>? settings = null, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        this.certificate = certificate;
        Directory = Path.Combine(Path.GetTempPath(), "petitions-browser-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        DatabasePath = Path.Combine(Directory, "petitions.db");

        // The port is known before the app starts, so the app's own links (PublicBaseUrl) can point at it.
        port = FreeLoopbackPort();
        BaseUrl = new Uri($"{(certificate is null ? "http" : "https")}://127.0.0.1:{port}/");

        this.settings = new Dictionary<string, string?>
        {
            ["Petitions:PublicBaseUrl"] = BaseUrl.ToString().TrimEnd('/'),
            ["Mail:PickupDirectory"] = Path.Combine(Directory, "mail"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            this.settings[key] = value;
        }

        this.settings["ConnectionStrings:Petitions"] = $"Data Source={DatabasePath}";
    }

    /// <summary>Where the server listens, with a trailing slash: <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>This app's own temporary folder (database, mail pickup), removed on dispose.</summary>
    public string Directory { get; }

    public string DatabasePath { get; }

    /// <summary>Starts Kestrel (once) and returns this app; the app has migrated and seeded its database by then.</summary>
    public LiveApp Start()
    {
        if (!started)
        {
            if (certificate is null)
            {
                UseKestrel(port);
            }
            else
            {
                UseKestrel(options => options.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate)));
            }

            StartServer();
            started = true;
            if (ClientOptions.BaseAddress != BaseUrl)
            {
                throw new InvalidOperationException($"Kestrel listens on {ClientOptions.BaseAddress}, not on {BaseUrl}.");
            }
        }

        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A process still shutting down may hold a file for a moment; the OS temp cleaner takes it.
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var free = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return free;
    }
}
