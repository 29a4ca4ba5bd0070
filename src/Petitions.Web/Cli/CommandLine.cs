using System.Text.Json;
using Microsoft.Extensions.Logging.Console;
using Petitions.Exports;
using Petitions.Imports;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Cli;

/// <summary>
/// The command-line verbs of the same executable (CONTRACT.md). Results go to standard output,
/// logs and errors to standard error; bad usage is a one-line error and exit code 2.
/// </summary>
public static class CommandLine
{
    private const int Usage = 2;
    private static readonly string[] Verbs = ["import", "export", "coordinators", "erase", "backup", "copy", "help", "--help", "-h"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static bool IsCommand(string[] args) => args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) || args is ["--help" or "-h"];

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        if (!Verbs.Contains(args[0]))
        {
            await error.WriteLineAsync($"petitions: unknown command '{args[0]}' (commands: import, export, coordinators, erase, backup, copy; see --help)");
            return Usage;
        }

        if (args[0] is "help" or "--help" or "-h")
        {
            await output.WriteAsync(HelpText);
            return 0;
        }

        ParsedArguments parsed;
        try
        {
            parsed = ParsedArguments.Parse(args[1..], args[0] switch
            {
                "import" => ["petition"],
                "export" => ["petition", "status", "country", "format", "group-by"],
                "erase" => ["email"],
                "backup" => [],
                "copy" => ["to"],
                _ => ["name", "petition", "expires-days", "partner"],
            });
        }
        catch (UsageException exception)
        {
            await error.WriteLineAsync($"petitions {args[0]}: {exception.Message}");
            return Usage;
        }

        using var host = BuildHost();
        if (args[0] == "copy")
        {
            return await CopyAsync(host.Services, parsed, output, error);
        }

        await host.Services.PrepareDatabaseAsync();
        try
        {
            return args[0] switch
            {
                "import" => await ImportAsync(host.Services, parsed, output),
                "export" => await ExportAsync(host.Services, parsed, output),
                "erase" => await EraseAsync(host.Services, parsed, output),
                "backup" => await BackupAsync(host.Services, parsed, output),
                _ => await CoordinatorsAsync(host.Services, parsed, output),
            };
        }
        catch (UsageException exception)
        {
            await error.WriteLineAsync($"petitions {args[0]}: {exception.Message}");
            return Usage;
        }
        catch (UnknownPetitionException exception)
        {
            await error.WriteLineAsync($"petitions {args[0]}: {exception.Message}");
            return Usage;
        }
    }

    private static async Task<int> ImportAsync(IServiceProvider services, ParsedArguments arguments, TextWriter output)
    {
        var slug = arguments.Required("petition");
        var file = arguments.SinglePositional("FILE");
        if (!File.Exists(file))
        {
            throw new UsageException($"no such file: {file}");
        }

        var text = await File.ReadAllTextAsync(file);
        var import = services.GetRequiredService<SignatoryImport>();
        // A CSV in the export's format starts with its header; anything else is a published list.
        var isCsv = file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
            || text.TrimStart('\uFEFF').StartsWith("\"organisation\"", StringComparison.OrdinalIgnoreCase)
            || text.TrimStart('\uFEFF').StartsWith("organisation,", StringComparison.OrdinalIgnoreCase);
        var result = isCsv ? await import.ImportCsvAsync(slug, text, "cli") : await import.ImportPublishedListAsync(slug, text, "cli");
        await output.WriteLineAsync(JsonSerializer.Serialize(result, Json));
        return 0;
    }

    private static async Task<int> ExportAsync(IServiceProvider services, ParsedArguments arguments, TextWriter output)
    {
        var slug = arguments.Required("petition");
        arguments.NoPositionals();
        var format = arguments.Optional("format") ?? "csv";
        var status = arguments.Optional("status") ?? SignatureStatus.Listed;
        var country = arguments.Optional("country")?.ToUpperInvariant();
        var groupBy = arguments.Optional("group-by");
        if (!SignatureStatus.IsKnown(status))
        {
            throw new UsageException($"--status must be one of {string.Join(", ", SignatureStatus.All)}");
        }

        if (country is not null && !Organisations.Countries.IsCode(country))
        {
            throw new UsageException($"--country must be an ISO 3166-1 alpha-2 code, not '{country}'");
        }

        if (groupBy is not (null or "country"))
        {
            throw new UsageException("--group-by takes only 'country'");
        }

        if (format is not ("csv" or "xlsx" or "text"))
        {
            throw new UsageException("--format must be csv, xlsx or text");
        }

        var petition = await services.GetRequiredService<PetitionStore>().FindAsync(slug) ?? throw new UnknownPetitionException(slug);
        if (format is "csv" or "xlsx")
        {
            if (groupBy is not null)
            {
                throw new UsageException("--group-by goes with --format text");
            }

            var export = services.GetRequiredService<SignatureExport>();
            Func<Stream, long, string?, string?, CancellationToken, Task> write = format == "csv" ? export.WriteCsvAsync : export.WriteXlsxAsync;
            await output.FlushAsync();
            if (output == Console.Out)
            {
                // Bytes straight to standard output: the BOM and CRLF exactly as written, the workbook
                // as a zip, streamed (so `> file.xlsx` is the file).
                await using var stdout = Console.OpenStandardOutput();
                await write(stdout, petition.Id, arguments.Optional("status"), country, CancellationToken.None);
            }
            else if (format == "xlsx")
            {
                throw new UsageException("--format xlsx writes only to standard output");
            }
            else
            {
                using var buffer = new MemoryStream();
                await export.WriteCsvAsync(buffer, petition.Id, arguments.Optional("status"), country, CancellationToken.None);
                await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }

            return 0;
        }

        var signatories = await services.GetRequiredService<SignatureStore>().ListPublicAsync(petition.Id, status, country);
        await output.WriteAsync(PublicationText.Render(signatories, groupByCountry: groupBy == "country"));
        return 0;
    }

    private static async Task<int> EraseAsync(IServiceProvider services, ParsedArguments arguments, TextWriter output)
    {
        arguments.NoPositionals();
        if (!Signatures.EmailAddress.TryNormalise(arguments.Required("email"), out var address, out _))
        {
            throw new UsageException("--email must be an email address");
        }

        var result = await services.GetRequiredService<Privacy.Erasure>().EraseAsync(address);
        await output.WriteLineAsync(JsonSerializer.Serialize(result, Json));
        return 0;
    }

    private static async Task<int> BackupAsync(IServiceProvider services, ParsedArguments arguments, TextWriter output)
    {
        var path = arguments.SinglePositional("PATH");
        try
        {
            await Data.Backup.CopyToAsync(services.GetRequiredService<Data.Db>(), path, services.GetRequiredService<IConfiguration>()["Backup:PgDump"]);
        }
        catch (IOException exception)
        {
            throw new UsageException(exception.Message);
        }

        await output.WriteLineAsync(Path.GetFullPath(path));
        return 0;
    }

    /// <summary>
    /// `copy --to CONNECTION_STRING`: the configured database into an empty one of the other kind.
    /// Exit 0 when every table's row count matches, 2 for a bad or non-empty target, 1 when the copy
    /// fails or a count differs (then nothing is committed to the target).
    /// </summary>
    private static async Task<int> CopyAsync(IServiceProvider services, ParsedArguments arguments, TextWriter output, TextWriter error)
    {
        var source = services.GetRequiredService<Data.Db>();
        Data.Db target;
        try
        {
            arguments.NoPositionals();
            target = TargetOfTheOtherKind(source.Dialect, arguments.Required("to"));
        }
        catch (UsageException exception)
        {
            await error.WriteLineAsync($"petitions copy: {exception.Message}");
            return Usage;
        }

        IReadOnlyList<Data.CopiedTable> tables;
        try
        {
            // Migrated, not seeded: the copy is of what the database holds.
            await Data.Migrator.ApplyAsync(source, Data.Migrator.Embedded(source.Dialect));
            tables = await new Data.Copy(source, target).RunAsync();
        }
        catch (Data.Copy.TargetNotEmptyException exception)
        {
            await error.WriteLineAsync($"petitions copy: {exception.Message}");
            return Usage;
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or InvalidOperationException or IOException or ArgumentException)
        {
            await error.WriteLineAsync($"petitions copy: the copy failed and nothing was committed: {exception.Message.ReplaceLineEndings(" ")}");
            return 1;
        }

        foreach (var table in tables)
        {
            await output.WriteLineAsync($"{table.Name} {table.SourceRows} {table.TargetRows} {(table.Matches ? "ok" : "DIFFERENT")}");
        }

        if (tables.Any(t => !t.Matches))
        {
            await error.WriteLineAsync($"petitions copy: row counts differ in {string.Join(", ", tables.Where(t => !t.Matches).Select(t => t.Name))}; nothing was committed");
            return 1;
        }

        return 0;
    }

    private static Data.Db TargetOfTheOtherKind(Data.Dialect configured, string connectionString)
    {
        if (configured == Data.Dialect.Sqlite)
        {
            try
            {
                var postgres = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
                if (string.IsNullOrWhiteSpace(postgres.Host))
                {
                    throw new ArgumentException("it names no Host");
                }
            }
            catch (ArgumentException exception)
            {
                throw new UsageException($"--to must be a PostgreSQL connection string (Host=…;Database=…;Username=…), the other kind than the configured SQLite: {exception.Message}");
            }

            return new Data.Db(connectionString, Data.Dialect.Postgres);
        }

        try
        {
            var sqlite = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(sqlite.DataSource) || sqlite.DataSource == ":memory:" || sqlite.Mode == Microsoft.Data.Sqlite.SqliteOpenMode.Memory)
            {
                throw new ArgumentException("it names no file");
            }
        }
        catch (ArgumentException exception)
        {
            throw new UsageException($"--to must be a SQLite connection string (Data Source=PATH), the other kind than the configured PostgreSQL: {exception.Message}");
        }

        return new Data.Db(connectionString, Data.Dialect.Sqlite);
    }

    private static async Task<int> CoordinatorsAsync(IServiceProvider services, ParsedArguments arguments, TextWriter output)
    {
        const string Say = "say what to do: coordinators add EMAIL [--name NAME] [--petition SLUG [--partner CODE]] [--expires-days N], revoke TOKEN-PREFIX|EMAIL, remove EMAIL";
        return arguments.Positionals switch
        {
            ["add", var email] => await AddCoordinatorAsync(services, arguments, Address(email), output),
            ["add"] => throw new UsageException("add needs an EMAIL"),
            ["revoke", var what] => await RevokeAsync(services, arguments, what, output),
            ["revoke"] => throw new UsageException("revoke needs a TOKEN-PREFIX or an EMAIL"),
            ["remove", var email] => await RemoveCoordinatorAsync(services, arguments, Address(email), output),
            ["remove"] => throw new UsageException("remove needs an EMAIL"),
            [] => throw new UsageException(Say),
            _ => throw new UsageException($"unknown coordinators command '{string.Join(' ', arguments.Positionals)}'"),
        };

        static string Address(string email) => Signatures.EmailAddress.TryNormalise(email, out var address, out _)
            ? address
            : throw new UsageException($"'{email}' is not an email address");
    }

    private static async Task<int> AddCoordinatorAsync(IServiceProvider services, ParsedArguments arguments, string address, TextWriter output)
    {
        var lifetime = Coordinators.CoordinatorStore.DefaultTokenLifetime;
        if (arguments.Optional("expires-days") is { } days)
        {
            lifetime = int.TryParse(days, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 3650
                ? TimeSpan.FromDays(n)
                : throw new UsageException("--expires-days must be a whole number of days from 1 to 3650");
        }

        var petitionIds = new List<long>();
        var partner = arguments.Optional("partner")?.Trim().ToLowerInvariant();
        if (arguments.Optional("petition") is { } slug)
        {
            var petition = await services.GetRequiredService<PetitionStore>().FindAsync(slug) ?? throw new UnknownPetitionException(slug);
            petitionIds.Add(petition.Id);
            if (partner is not null && !await services.GetRequiredService<Partners.PartnerStore>().ExistsAsync(petition.Id, partner))
            {
                throw new UsageException($"the letter '{slug}' has no partner '{partner}' (add it on the letter's console page or POST /api/petitions/{slug}/partners)");
            }
        }
        else if (partner is not null)
        {
            throw new UsageException("--partner needs --petition SLUG: a partner is one letter's");
        }

        var store = services.GetRequiredService<Coordinators.CoordinatorStore>();
        // A coordinator of every letter stays one whatever this says: limiting them would silently not happen.
        if (partner is not null && await store.FindByEmailAsync(address) is { AllPetitions: true })
        {
            throw new UsageException($"{address} coordinates every letter; `coordinators remove` them first to limit them to a partner");
        }

        var (coordinator, token) = await store.AddAsync(address, arguments.Optional("name"), petitionIds, partner, lifetime);
        var expires = services.GetRequiredService<TimeProvider>().GetUtcNow() + lifetime;
        var reach = coordinator.AllPetitions ? "every letter" : "letter " + arguments.Optional("petition") + (partner is null ? "" : $", partner {partner}");
        await output.WriteLineAsync($"coordinator {coordinator.Id} {coordinator.Email} ({reach})");
        await output.WriteLineAsync(
            $"API token {token[..Coordinators.CoordinatorStore.TokenPrefixLength]}…, valid until {expires:yyyy-MM-dd} (`coordinators revoke {token[..Coordinators.CoordinatorStore.TokenPrefixLength]}` ends it).");
        await output.WriteLineAsync("API token (shown once, stored only as a hash; send it as Authorization: Bearer TOKEN):");
        await output.WriteLineAsync(token);
        return 0;
    }

    private static async Task<int> RevokeAsync(IServiceProvider services, ParsedArguments arguments, string what, TextWriter output)
    {
        arguments.NoOptions("revoke");
        var store = services.GetRequiredService<Coordinators.CoordinatorStore>();
        if (what.Contains('@', StringComparison.Ordinal))
        {
            if (!Signatures.EmailAddress.TryNormalise(what, out var address, out _))
            {
                throw new UsageException($"'{what}' is not an email address");
            }

            var (tokens, sessions) = await store.RevokeAllAsync(address) ?? throw new UsageException($"no coordinator {address}");
            await output.WriteLineAsync($"revoked {tokens} API token(s) and {sessions} session(s) of {address}");
            return 0;
        }

        var (email, problem) = await store.RevokeTokenAsync(what);
        if (problem is not null)
        {
            throw new UsageException(problem);
        }

        await output.WriteLineAsync($"revoked the API token {what[..Coordinators.CoordinatorStore.TokenPrefixLength]}… of {email}");
        return 0;
    }

    private static async Task<int> RemoveCoordinatorAsync(IServiceProvider services, ParsedArguments arguments, string address, TextWriter output)
    {
        arguments.NoOptions("remove");
        if (!await services.GetRequiredService<Coordinators.CoordinatorStore>().RemoveAsync(address))
        {
            throw new UsageException($"no coordinator {address}");
        }

        await output.WriteLineAsync($"removed coordinator {address}: their tokens and sessions are revoked; the history keeps their id");
        return 0;
    }

    private static IHost BuildHost()
    {
        // The same configuration as the service: appsettings.json beside the program, then the environment.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // A command is quiet unless something goes wrong: its result is the output.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Warning",
        });
        builder.Services.AddPetitions(builder.Configuration);
        return builder.Build();
    }

    private const string HelpText = """
        usage: petitions COMMAND [OPTIONS]

          import --petition SLUG FILE
              import signatories: a text file of "Name, City" lines as published letters print them
          import --petition SLUG FILE.csv
              import signatories from a CSV in the export's own format
          export --petition SLUG [--status S] [--country CC] [--format csv|xlsx|text] [--group-by country]
              the signatories to standard output: CSV or an XLSX workbook (every status unless --status),
              or the publication text (listed ones unless --status)
          coordinators add EMAIL [--name NAME] [--petition SLUG [--partner CODE]] [--expires-days N]
              a coordinator of every letter (or of one); prints a new API token as the last line,
              valid for N days (365 unless given)
          coordinators revoke TOKEN-PREFIX|EMAIL
              ends the API token that starts so (its first 8 characters or more), or every API token
              and browser session of the coordinator with that email
          coordinators remove EMAIL
              the coordinator can no longer sign in or act; the history keeps their id
          erase --email ADDRESS
              erases a person's data everywhere (GDPR), the pickup folder's emails naming them too;
              the history keeps that it happened, not who
          backup PATH
              a consistent online copy of the database (a new file, 0600), also while the service runs;
              on PostgreSQL pg_dump's custom format (restore with pg_restore)
          copy --to CONNECTION_STRING
              copies every table into an empty database of the other kind (SQLite: Data Source=PATH;
              PostgreSQL: Host=…;Database=…;Username=…), migrated first, the same ids; prints each
              table's rows in both and exits 0 only when every count matches

        """;
}

public sealed class UsageException(string message) : Exception(message);

internal sealed class ParsedArguments
{
    private readonly Dictionary<string, string> options = new(StringComparer.Ordinal);
    private readonly List<string> positionals = [];

    public static ParsedArguments Parse(string[] args, IReadOnlyCollection<string> allowed)
    {
        var parsed = new ParsedArguments();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                parsed.positionals.Add(arg);
                continue;
            }

            var name = arg[2..];
            string? value = null;
            if (name.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }

            if (!allowed.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }

            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"--{name} needs a value");
                }

                value = args[++i];
            }

            if (!parsed.options.TryAdd(name, value))
            {
                throw new UsageException($"--{name} given twice");
            }
        }

        return parsed;
    }

    public string Required(string name) => Optional(name) is { Length: > 0 } value ? value : throw new UsageException($"--{name} is required");

    public string? Optional(string name) => options.GetValueOrDefault(name);

    public string SinglePositional(string what) => positionals switch
    {
        [var only] => only,
        [] => throw new UsageException($"{what} is required"),
        _ => throw new UsageException($"unexpected argument '{positionals[1]}'"),
    };

    public IReadOnlyList<string> Positionals => positionals;

    public void NoOptions(string verb)
    {
        if (options.Count > 0)
        {
            throw new UsageException($"{verb} takes no option --{options.Keys.First()}");
        }
    }

    public void NoPositionals()
    {
        if (positionals.Count > 0)
        {
            throw new UsageException($"unexpected argument '{positionals[0]}'");
        }
    }
}
