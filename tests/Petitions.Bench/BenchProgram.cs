namespace Petitions.Bench;

/// <summary>The verbs scripts/bench calls. Results go to standard output as key=value lines.</summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        var options = Options.Parse(args[1..]);
        try
        {
            return args[0] switch
            {
                "prepare" => await Prepare.RunAsync(options),
                "countries-sql" => CountriesSql.Run(),
                "csv-compare" => await CsvCompare.RunAsync(options),
                "signer" => await Signer.RunAsync(options),
                "crash-verify" => await CrashVerify.RunAsync(options),
                "outbox-lag" => await OutboxLag.RunAsync(options),
                "write-path" => await WritePath.RunAsync(options),
                "stages" => await Stages.RunAsync(options),
                "outbox-drain" => await OutboxDrain.RunAsync(options),
                "smtp-blast" => await OutboxDrain.BlastAsync(options),
                "smtp-sink" => await SmtpSink.RunAsync(options),
                _ => await UnknownAsync(args[0]),
            };
        }
        catch (UsageException exception)
        {
            await Console.Error.WriteLineAsync($"bench {args[0]}: {exception.Message}");
            return 2;
        }
    }

    private const string Usage = """
        usage: Petitions.Bench VERB [--option value ...]
          prepare --db FILE --letter-json FILE --main N --mid N --page N --page-letters K
          countries-sql
          csv-compare --app FILE --reference FILE
          signer --base URL --slug SLUG --rate PER_SECOND --seconds S --maildir DIR --tag TAG [--settle S]
          crash-verify (--db FILE | --postgres CS) --slug SLUG --logs DIR
          outbox-lag (--db FILE | --postgres CS) --after-id N --maildir DIR [--timeout S]
          write-path --db FILE [--slug SLUG] [--seconds S] [--concurrency N] [--tag TAG]
          stages (--db FILE | --postgres CONNECTION_STRING) [--slug SLUG] [--count N] [--concurrency N]
          outbox-drain --db FILE --rows N --smtp-port P [--settings Key=Value,...] [--timeout S]
          smtp-blast --smtp-port P --messages N [--connections C]
          smtp-sink --port P --maildir DIR [--exit-on-stdin-eof true]
        """;

    private static async Task<int> UnknownAsync(string verb)
    {
        await Console.Error.WriteLineAsync($"bench: unknown verb '{verb}'\n{Usage}");
        return 2;
    }
}

public sealed class UsageException(string message) : Exception(message);

/// <summary>"--name value" pairs.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new UsageException($"expected --name value, got '{args[i]}'");
            }

            options.values[args[i][2..]] = args[++i];
        }

        return options;
    }

    public string Required(string name) =>
        values.TryGetValue(name, out var value) ? value : throw new UsageException($"--{name} is required");

    public string? Optional(string name) => values.GetValueOrDefault(name);

    public long Count(string name, long? fallback = null) =>
        values.TryGetValue(name, out var value) ? long.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
        : fallback ?? throw new UsageException($"--{name} is required");

    public double Number(string name, double? fallback = null) =>
        values.TryGetValue(name, out var value) ? double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
        : fallback ?? throw new UsageException($"--{name} is required");
}

/// <summary>Percentiles by the nearest-rank method, as wrk and most tools report them.</summary>
public static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static string Format(double value) =>
        double.IsNaN(value) ? "nan" : double.IsInfinity(value) ? "inf" : value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
