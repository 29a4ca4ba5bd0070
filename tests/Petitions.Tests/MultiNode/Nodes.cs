using Microsoft.Extensions.DependencyInjection;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.MultiNode;

/// <summary>
/// Two nodes of the real application on one PostgreSQL database (whatever PETITIONS_TEST_DATABASE says),
/// each with its own keys folder, caches, rate limiters and dispatcher, as two machines would have; their
/// pickup folder is shared, so mail either one sends is read in one place.
/// </summary>
public sealed class Nodes : IAsyncDisposable
{
    private readonly TempDirectory shared;

    private Nodes(PostgresDatabase database, TempDirectory shared, PetitionsApp a, PetitionsApp b)
    {
        Database = database;
        this.shared = shared;
        A = a;
        B = b;
    }

    public PostgresDatabase Database { get; }

    public PetitionsApp A { get; }

    public PetitionsApp B { get; }

    /// <summary>Starts node A (which migrates the database and loads the seed letter), then node B, both listening for list changes.</summary>
    public static async Task<Nodes> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var database = await Postgres.CreateDatabaseAsync();
        var shared = new TempDirectory();
        var a = await StartNodeAsync(database, shared, settings, services);
        var b = await StartNodeAsync(database, shared, settings, services);
        return new Nodes(database, shared, a, b);
    }

    private static async Task<PetitionsApp> StartNodeAsync(
        PostgresDatabase database, TempDirectory shared, IDictionary<string, string?>? settings, Action<IServiceCollection>? services)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Database:Provider"] = "postgres",
            ["ConnectionStrings:Petitions"] = database.ConnectionString,
            ["Mail:PickupDirectory"] = shared.File("mail"),
        };
        var app = new PetitionsApp(settings: all, services: services);
        using var started = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.Services.GetRequiredService<ListChangesListener>().Listening.WaitAsync(started.Token);
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        A.Dispose();
        B.Dispose();
        await Database.DisposeAsync();
        shared.Dispose();
    }
}
