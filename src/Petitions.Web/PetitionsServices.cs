using Petitions.Data;
using Petitions.Imports;
using Petitions.Organisations;
using Petitions.Petitions;
using Petitions.Seed;
using Petitions.Signatures;

namespace Petitions;

/// <summary>The services the web application and the command line share.</summary>
public static class PetitionsServices
{
    public const string DefaultConnectionString = "Data Source=data/petitions.db";

    public static IServiceCollection AddPetitions(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<PetitionsOptions>(configuration.GetSection("Petitions"));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new Db(
            sp.GetRequiredService<IConfiguration>().GetConnectionString("Petitions") is { Length: > 0 } cs ? cs : DefaultConnectionString));
        services.AddSingleton(Gazetteer.Default);
        services.AddSingleton<PlaceResolver>();
        services.AddSingleton<PetitionStore>();
        services.AddSingleton<SignatureStore>();
        services.AddSingleton<SignatoryImport>();
        services.AddSingleton<SeedLoader>();
        return services;
    }

    /// <summary>Migrations, then the seed letter when it is missing: before anything is served.</summary>
    public static async Task PrepareDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await Migrator.ApplyAsync(services.GetRequiredService<Db>(), Migrator.Embedded(), cancellationToken);
        await services.GetRequiredService<SeedLoader>().LoadAsync(cancellationToken);
    }
}
