using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Data;

namespace Petitions.Tests.Support;

/// <summary>The real application on a real database of its own: a SQLite file, or a PostgreSQL database (<see cref="TestDatabase"/>).</summary>
public sealed class PetitionsApp : WebApplicationFactory<Program>
{
    private readonly TempDirectory ownDirectory = new();
    private readonly Dictionary<string, string?> settings;
    private readonly Action<IServiceCollection>? services;
    private readonly string environment;

    /// <param name="databasePath">A database to share with another app (a restart); by default one of its own.</param>
    /// <param name="settings">Configuration over the defaults, as appsettings.json or the environment would give it.</param>
    /// <param name="services">Replacements of services, such as a clock the test moves.</param>
    /// <param name="environment">The hosting environment (ASPNETCORE_ENVIRONMENT); Production when unset outside the tests.</param>
    public PetitionsApp(string? databasePath = null, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string environment = "Testing")
    {
        this.environment = environment;
        DatabasePath = databasePath ?? ownDirectory.File("petitions.db");
        this.services = services;
        this.settings = new Dictionary<string, string?>
        {
            ["Mail:PickupDirectory"] = ownDirectory.File("mail"),
            ["Petitions:KeysDirectory"] = ownDirectory.File("keys"),
            ["Petitions:PublicBaseUrl"] = "http://localhost",
            ["RateLimiting:SignOnsPerMinutePerIp"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            this.settings[key] = value;
        }

        // The path stands for the app's database: a SQLite file, or on a PostgreSQL run a database of its own.
        // A connection string in the settings wins: several apps on one database (MultiNode).
        if (settings?.ContainsKey("ConnectionStrings:Petitions") != true)
        {
            foreach (var (key, value) in TestDatabase.Settings(DatabasePath))
            {
                this.settings[key] = value;
            }
        }
    }

    public string DatabasePath { get; }

    /// <summary>Where mail goes when no SMTP host is set.</summary>
    public string PickupDirectory => settings["Mail:PickupDirectory"]!;

    public Db Db => Services.GetRequiredService<Db>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            ownDirectory.Dispose();
        }
    }
}
