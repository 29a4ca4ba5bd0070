using Dapper;
using FluentValidation;
using Petitions.Data;
using Petitions.Email;
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
        services.AddSingleton(sp => CreateDb(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(Gazetteer.Default);
        services.AddSingleton<CityPositions>();
        services.AddSingleton<SignatoryMap>();
        services.AddSingleton<SignOnTimelines>();
        services.AddSingleton<PlaceResolver>();
        services.AddSingleton<PetitionStore>();
        services.AddSingleton<PreviewLinks>();
        services.AddSingleton<SignatureStore>();
        services.AddSingleton<PublicListCache>();
        services.AddSingleton<ListChanges>();
        services.AddSingleton<global::Petitions.Pages.Letters.LetterPageCache>();
        services.AddSingleton<SignatoryImport>();
        services.AddSingleton<SeedLoader>();
        services.Configure<MailOptions>(configuration.GetSection("Mail"));
        services.Configure<SmtpOptions>(configuration.GetSection("Smtp"));
        services.AddSingleton<Outbox>();
        services.AddSingleton<IMailSender, ConfiguredMailSender>();
        // FluentValidation's own messages follow the request's UI culture (its LanguageManager's default); ours go through Texts.Validation.
        ValidatorOptions.Global.LanguageManager.Enabled = true;
        ValidatorOptions.Global.LanguageManager.Culture = null;
        services.AddSingleton<IValidator<SignRequest>, SignRequestValidator>();
        services.AddSingleton<GroupCommit>();
        services.AddSingleton<Privacy.PickupFolder>();
        services.AddSingleton<Privacy.Purge>();
        services.AddSingleton<Privacy.Erasure>();
        services.AddSingleton<Web.PublicBaseUrl>();
        services.AddSingleton<SignOn>();
        services.AddSingleton<Confirmation>();
        services.AddSingleton<Notifications>();
        services.AddSingleton<Review>();
        services.AddSingleton<ReviewDigests>();
        services.AddSingleton<SignatureRecords>();
        services.AddSingleton<ConsoleList>();
        services.AddSingleton<Exports.SignatureExport>();
        services.AddSingleton<IValidator<LetterInput>, LetterInputValidator>();
        services.AddSingleton<IValidator<TranslationInput>, TranslationInputValidator>();
        // Registered too so the API description finds the rules of every body (ValidatorSchemas).
        services.AddSingleton<IValidator<DemandGroup>, DemandGroupValidator>();
        services.AddSingleton<IValidator<Footnote>, FootnoteValidator>();
        services.Configure<Updates.UpdatesOptions>(configuration.GetSection("Updates"));
        services.AddSingleton<Updates.LetterUpdates>();
        services.AddSingleton<IValidator<ConfirmationRequest>, ConfirmationRequestValidator>();
        services.AddSingleton<IValidator<Coordinators.TransitionRequest>>(Coordinators.TransitionRequestValidator.Instance);
        services.AddSingleton<IValidator<Coordinators.ResendRequest>, Coordinators.ResendRequestValidator>();
        services.AddSingleton<Coordinators.CoordinatorStore>();
        services.AddSingleton<Partners.PartnerStore>();
        services.AddSingleton<IValidator<Partners.PartnerInput>, Partners.PartnerInputValidator>();
        services.AddSingleton<IValidator<Webhooks.WebhookInput>, Webhooks.WebhookInputValidator>();
        return services;
    }

    /// <summary>
    /// The configured database: <c>Database:Provider</c> is <c>sqlite</c> (the default, a file) or
    /// <c>postgres</c>, whose <c>ConnectionStrings:Petitions</c> is then an Npgsql connection string.
    /// </summary>
    public static Db CreateDb(IConfiguration configuration)
    {
        var provider = configuration["Database:Provider"];
        var dialect = provider?.Trim().ToLowerInvariant() switch
        {
            null or "" or "sqlite" => Dialect.Sqlite,
            "postgres" or "postgresql" => Dialect.Postgres,
            _ => throw new InvalidOperationException($"Database:Provider is '{provider}'; it must be sqlite or postgres."),
        };
        var connectionString = configuration.GetConnectionString("Petitions");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = dialect == Dialect.Sqlite ? DefaultConnectionString
                : throw new InvalidOperationException("Database:Provider is postgres: set ConnectionStrings:Petitions to an Npgsql connection string (Host=...;Database=...;Username=...).");
        }

        return new Db(connectionString, dialect);
    }

    /// <summary>Migrations, then the seed letter when it is missing: before anything is served.</summary>
    public static async Task PrepareDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var db = services.GetRequiredService<Db>();
        await Migrator.ApplyAsync(db, Migrator.Embedded(db.Dialect), cancellationToken);
        await BackfillLooseKeysAsync(db, cancellationToken);
        await services.GetRequiredService<SeedLoader>().LoadAsync(cancellationToken);
    }

    // Migration 0002 added organisations.loose_key, which only C# can compute (Names.LooseKey).
    private static async Task BackfillLooseKeysAsync(Db db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var missing = (await connection.QueryAsync<(long Id, string Name)>("SELECT id, name FROM organisations WHERE loose_key IS NULL")).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        await using var transaction = Db.BeginWrite(connection);
        foreach (var (id, name) in missing)
        {
            await connection.ExecuteAsync("UPDATE organisations SET loose_key = @key WHERE id = @id", new { key = Names.LooseKey(name), id }, transaction);
        }

        // The console's name order (migration 0010) copies the key onto each signature.
        await connection.ExecuteAsync(
            "UPDATE signatures SET sort_name = (SELECT o.loose_key FROM organisations o WHERE o.id = signatures.organisation_id) WHERE sort_name IS NULL",
            transaction: transaction);

        await transaction.CommitAsync(cancellationToken);
    }
}
