using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Data;

namespace Petitions.Tests.Support;

/// <summary>The real application on a real SQLite file of its own.</summary>
public sealed class PetitionsApp : WebApplicationFactory<Program>
{
    private readonly TempDirectory? ownDirectory;
    private readonly Dictionary<string, string?> settings;

    public PetitionsApp(string? databasePath = null, IDictionary<string, string?>? settings = null)
    {
        if (databasePath is null)
        {
            ownDirectory = new TempDirectory();
            databasePath = ownDirectory.File("petitions.db");
        }

        DatabasePath = databasePath;
        this.settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["ConnectionStrings:Petitions"] = $"Data Source={databasePath}",
        };
    }

    public string DatabasePath { get; }

    public Db Db => Services.GetRequiredService<Db>();

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
            ownDirectory?.Dispose();
        }
    }
}
