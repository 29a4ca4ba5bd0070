using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Petitions.Data;
using Petitions.Email;
using Petitions.Organisations;
using Petitions.Petitions;
using Petitions.Signatures;

namespace Petitions.Bench;

/// <summary>
/// The CPU a sign-on costs in each stage of its way through the app, outside HTTP: parse (the JSON
/// body to a SignRequest, with the API's options), normalise (Cleaned, the email and the
/// organisation's keys and checks SignOn works out before the writer's turn), validate (the
/// validator), and write (SignOn.SignAsync under --concurrency callers, group commit included,
/// less the normalising it repeats). The email stage is outbox-drain's cpu_us_per_message.
/// </summary>
/// <remarks>
/// Each stage runs alone for a fixed count after a warm-up; its figure is the process's CPU time
/// over the count, so the GC's share is in it as it is in the app.
/// </remarks>
public static class Stages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    public static async Task<int> RunAsync(Options options)
    {
        var postgres = options.Optional("postgres");
        var db = postgres is not null ? new Db(postgres, Dialect.Postgres) : new Db($"Data Source={Path.GetFullPath(options.Required("db"))}");
        var slug = options.Optional("slug") ?? "bench-main";
        var count = (int)options.Count("count", 20_000);
        var tag = options.Optional("tag") ?? "st" + Environment.TickCount64.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var bodies = Enumerable.Range(0, count).Select(n => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            organisation = $"Stage Organisation {tag} {n}", city = "Utrecht", country = "NL", contactName = "Bench Person",
            contactRole = "Director", contactEmail = $"s{n}@{tag}.bench.example.org", website = $"https://{tag}.bench.example.org", consent = true,
        }, Json))).ToArray();

        var parsed = new SignRequest[count];
        var parse = Measure(count, n => parsed[n] = JsonSerializer.Deserialize<SignRequest>(bodies[n], Json)!);

        var cleaned = new SignRequest[count];
        var normalise = Measure(count, n =>
        {
            var sign = cleaned[n] = parsed[n].Cleaned();
            EmailAddress.TryNormaliseClean(sign.ContactEmail, out var email, out _);
            _ = Names.OrganisationKey(sign.Organisation!);
            _ = Names.LooseKey(sign.Organisation!);
            _ = DomainCheck.Check(email, sign.Website);
            _ = Names.MixesLookAlikeScripts(sign.Organisation!);
            _ = LinkLikeText.LooksLikeLink(sign.Organisation) || LinkLikeText.LooksLikeLink(sign.ContactName);
        });

        var validator = new SignRequestValidator();
        var validate = Measure(count, n =>
        {
            if (!validator.Validate(cleaned[n]).IsValid)
            {
                throw new InvalidOperationException("a bench sign-on did not validate");
            }
        });

        var petitionsOptions = Microsoft.Extensions.Options.Options.Create(new PetitionsOptions { PublicBaseUrl = "http://127.0.0.1:5080" });
        using var outbox = new Outbox(Microsoft.Extensions.Options.Options.Create(new MailOptions()));
        await using var writer = new GroupCommit(db, NullLogger<GroupCommit>.Instance);
        using var lists = new PublicListCache(new SignatureStore(db), db, petitionsOptions, NullLogger<PublicListCache>.Instance);
        var signOn = new SignOn(writer, outbox, lists, TimeProvider.System, new global::Petitions.Web.PublicBaseUrl(petitionsOptions), petitionsOptions);
        var petition = await new PetitionStore(db).FindAsync(slug) ?? throw new UsageException($"no letter '{slug}'");
        var concurrency = (int)options.Count("concurrency", 32);
        var next = -1;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < count)
            {
                if (await signOn.SignAsync(petition, cleaned[n], "api") != SignOnOutcome.Accepted)
                {
                    throw new InvalidOperationException("a bench sign-on was refused");
                }
            }
        })));
        var signOnCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
        var write = signOnCpu - normalise;

        Console.WriteLine($"database={db.Dialect.ToString().ToLowerInvariant()}");
        Console.WriteLine($"signons={count}");
        Console.WriteLine($"parse_us={Stats.Format(parse)}");
        Console.WriteLine($"normalise_us={Stats.Format(normalise)}");
        Console.WriteLine($"validate_us={Stats.Format(validate)}");
        Console.WriteLine($"write_us={Stats.Format(write)}");
        Console.WriteLine($"write_rate={Stats.Format(count / wall.Elapsed.TotalSeconds)}");
        return 0;
    }

    /// <returns>Microseconds of the process's CPU per call of <paramref name="stage"/>, after a warm-up of a tenth of the calls.</returns>
    private static double Measure(int count, Action<int> stage)
    {
        for (var n = 0; n < count / 10; n++)
        {
            stage(n);
        }

        var before = Process.GetCurrentProcess().TotalProcessorTime;
        for (var n = 0; n < count; n++)
        {
            stage(n);
        }

        return (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMicroseconds / count;
    }
}
