using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Petitions.Data;
using Petitions.Email;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Bench;

/// <summary>
/// The sign-on write path without HTTP: --concurrency callers run the app's SignOn.SignAsync (group
/// commit, synchronous=FULL) against --db for --seconds, each with unique sign-ons. Prints the
/// sign-ons committed per second and the latency percentiles; a tool for finding where the
/// write path's time goes, not one of the suite's targets.
/// </summary>
public static class WritePath
{
    public static async Task<int> RunAsync(Options options)
    {
        var db = new Db($"Data Source={Path.GetFullPath(options.Required("db"))}");
        var slug = options.Optional("slug") ?? "bench-main";
        var seconds = options.Number("seconds", 10);
        var concurrency = (int)options.Count("concurrency", 32);
        var tag = options.Optional("tag") ?? "w" + Environment.TickCount64.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var petitionsOptions = Microsoft.Extensions.Options.Options.Create(new PetitionsOptions { PublicBaseUrl = "http://127.0.0.1:5080" });
        using var outbox = new Outbox(Microsoft.Extensions.Options.Options.Create(new MailOptions()));
        await using var writer = new GroupCommit(db, NullLogger<GroupCommit>.Instance);
        using var lists = new PublicListCache(new SignatureStore(db), db, petitionsOptions, NullLogger<PublicListCache>.Instance);
        var signOn = new SignOn(writer, outbox, lists, TimeProvider.System, new global::Petitions.Web.PublicBaseUrl(petitionsOptions), petitionsOptions);

        var petition = await new PetitionStore(db).FindAsync(slug) ?? throw new UsageException($"no letter '{slug}'");

        // A warm-up first, so the JIT's work is not counted.
        var warmup = options.Number("warmup", 3);
        await RunAsync(signOn, petition, tag + "warm", concurrency, TimeSpan.FromSeconds(warmup));
        var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var stop = Stopwatch.StartNew();
        var all = await RunAsync(signOn, petition, tag, concurrency, TimeSpan.FromSeconds(seconds));
        var elapsed = stop.Elapsed.TotalSeconds;
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        Console.WriteLine($"signons={all.Count} seconds={Stats.Format(elapsed)} rate={Stats.Format(all.Count / elapsed)} " +
            $"p50_ms={Stats.Format(Stats.Percentile(all, 50))} p99_ms={Stats.Format(Stats.Percentile(all, 99))} " +
            $"cpu_us_per_signon={Stats.Format(cpu.TotalMicroseconds / Math.Max(1, all.Count))}");
        return 0;
    }

    private static async Task<List<double>> RunAsync(SignOn signOn, Petition petition, string tag, int concurrency, TimeSpan deadline)
    {
        var latencies = new List<double>[concurrency];
        var stop = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = [];
            for (var n = 0; stop.Elapsed < deadline; n++)
            {
                var request = new SignRequest
                {
                    Organisation = $"Write Path {tag} {worker} {n}", City = "Utrecht", Country = "NL", ContactName = "Bench Person",
                    ContactRole = "Director", ContactEmail = $"w{worker}x{n}@{tag}.bench.example.org", Website = $"https://{tag}.bench.example.org",
                    Consent = true,
                }.Cleaned();
                var started = Stopwatch.GetTimestamp();
                var outcome = await signOn.SignAsync(petition, request, "api");
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (outcome != SignOnOutcome.Accepted)
                {
                    throw new InvalidOperationException($"sign-on answered {outcome}");
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        return latencies.SelectMany(l => l).Order().ToList();
    }
}
