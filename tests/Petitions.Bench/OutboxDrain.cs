using System.Diagnostics;
using System.Globalization;
using Dapper;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Petitions.Data;
using Petitions.Email;

namespace Petitions.Bench;

/// <summary>
/// The dispatcher's raw drain rate, apart from the web app: a fresh database (the app's migrations)
/// gets --rows confirmation emails in the outbox, then the app's own OutboxDispatcher (built by
/// dependency injection from "Smtp"/"Mail" settings, as in the app) sends them to the SMTP server on
/// 127.0.0.1:--smtp-port; reports the seconds until none is pending and the messages per second.
/// Extra settings: --settings Key=Value,... (e.g. Mail:Connections=4). With --rate R, emails also
/// arrive at R a second for --seconds S while the dispatcher runs, and their commit-to-send lag is reported.
/// With --postgres CONNECTION_STRING instead of --db, the outbox of that database (migrated, emptied first).
/// </summary>
public static class OutboxDrain
{
    public static async Task<int> RunAsync(Options options)
    {
        var postgres = options.Optional("postgres");
        var path = postgres is null ? Path.GetFullPath(options.Required("db")) : null;
        var rows = options.Count("rows", 0);
        var port = options.Count("smtp-port");
        var timeout = TimeSpan.FromSeconds(options.Number("timeout", 300));
        var settings = new Dictionary<string, string?>
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Mail:From"] = "Petitions <letters@petitions.example.org>",
        };
        foreach (var setting in (options.Optional("settings") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (setting[..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            settings[key] = value;
        }

        foreach (var suffix in path is null ? [] : new[] { "", "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(postgres is null ? new Db($"Data Source={path}") : new Db(postgres, Dialect.Postgres));
        services.AddSingleton(TimeProvider.System);
        services.Configure<MailOptions>(configuration.GetSection("Mail"));
        services.Configure<SmtpOptions>(configuration.GetSection("Smtp"));
        services.AddSingleton<Outbox>();
        services.AddSingleton<GroupCommit>();
        services.AddSingleton<IMailSender, ConfiguredMailSender>();
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        // The dispatcher asks whether it runs in Development (to warn about the default sender); it does not.
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostEnvironment>(new Microsoft.Extensions.Hosting.Internal.HostingEnvironment
        {
            EnvironmentName = "Production", ApplicationName = "Petitions.Bench", ContentRootPath = AppContext.BaseDirectory,
        });
        services.AddSingleton<OutboxDispatcher>();
        await using var provider = services.BuildServiceProvider();
        var db = provider.GetRequiredService<Db>();
        await Migrator.ApplyAsync(db, Migrator.Embedded(db.Dialect));
        if (postgres is not null)
        {
            await using var connection = await db.OpenAsync();
            await connection.ExecuteAsync("DELETE FROM outbox");
        }

        var outbox = provider.GetRequiredService<Outbox>();
        await using (var connection = await db.OpenAsync())
        {
            await using var transaction = Db.BeginWrite(connection);
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < rows; i++)
            {
                var email = Emails.Confirm(EmailBrand.Default, "en", $"drain{i}@drain.bench.example.org", "Petition to the International Association of Prosecutors",
                    $"Drain Organisation {i}", $"http://127.0.0.1:5080/confirm/{Guid.NewGuid():N}{Guid.NewGuid():N}"[..75]);
                outbox.Enqueue(connection, transaction, email, now);
            }

            await transaction.CommitAsync();
        }

        var dispatcher = provider.GetRequiredService<OutboxDispatcher>();
        var watch = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        await dispatcher.StartAsync(CancellationToken.None);
        var rate = options.Number("rate", 0);
        var produced = 0L;
        if (rate > 0)
        {
            // Arrivals as B1 makes them: a write transaction every 10 ms (a group commit) holding the
            // emails due by then, each created at its commit, then Notify; for --seconds.
            var producingFor = options.Number("seconds", 10);
            var producing = Stopwatch.StartNew();
            while (producing.Elapsed.TotalSeconds < producingFor)
            {
                var due = (long)(producing.Elapsed.TotalSeconds * rate);
                if (due > produced)
                {
                    await using var connection = await db.OpenAsync();
                    await using var transaction = Db.BeginWrite(connection);
                    var now = DateTimeOffset.UtcNow;
                    for (; produced < due; produced++)
                    {
                        var email = Emails.Confirm(EmailBrand.Default, "en", $"arrival{produced}@drain.bench.example.org", "Petition to the International Association of Prosecutors",
                            $"Arrival Organisation {produced}", $"http://127.0.0.1:5080/confirm/{Guid.NewGuid():N}{Guid.NewGuid():N}"[..75]);
                        outbox.Enqueue(connection, transaction, email, now);
                    }

                    await transaction.CommitAsync();
                    outbox.Notify();
                }

                await Task.Delay(10);
            }

            rows += produced;
        }

        long pending;
        await using (var connection = await db.OpenAsync())
        {
            while ((pending = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'pending'")) > 0
                   && watch.Elapsed < timeout)
            {
                await Task.Delay(50);
            }
        }

        var seconds = watch.Elapsed.TotalSeconds;
        // The dispatcher's CPU per email: claim, compose, the SMTP client's side, mark sent.
        var cpuPerMessage = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / Math.Max(1, rows);
        await dispatcher.StopAsync(CancellationToken.None);
        await using (var connection = await db.OpenAsync())
        {
            var sent = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'sent'");
            Console.WriteLine($"rows={rows.ToString(CultureInfo.InvariantCulture)}");
            Console.WriteLine($"sent={sent.ToString(CultureInfo.InvariantCulture)}");
            Console.WriteLine($"pending={pending.ToString(CultureInfo.InvariantCulture)}");
        }

        Console.WriteLine($"drain_s={Stats.Format(seconds)}");
        Console.WriteLine($"messages_per_s={Stats.Format(rows / seconds)}");
        if (rate == 0)
        {
            Console.WriteLine($"cpu_us_per_message={Stats.Format(cpuPerMessage)}");
        }

        if (rate > 0)
        {
            await using var connection = await db.OpenAsync();
            var lags = (await connection.QueryAsync<(string CreatedAt, string SentAt)>(
                    "SELECT created_at, sent_at FROM outbox WHERE to_address LIKE 'arrival%' AND sent_at IS NOT NULL"))
                .Select(r => (Time.Parse(r.SentAt) - Time.Parse(r.CreatedAt)).TotalMilliseconds).Order().ToList();
            Console.WriteLine($"arrivals={produced.ToString(CultureInfo.InvariantCulture)}");
            Console.WriteLine($"lag_p50_ms={Stats.Format(Stats.Percentile(lags, 50))}");
            Console.WriteLine($"lag_p99_ms={Stats.Format(Stats.Percentile(lags, 99))}");
            Console.WriteLine($"lag_max_ms={Stats.Format(lags.Count == 0 ? double.NaN : lags[^1])}");
        }

        return 0;
    }

    /// <summary>
    /// The SMTP server's ceiling alone: --messages pre-composed messages sent over --connections
    /// MailKit sessions kept open, each with a Message-ID of its own.
    /// </summary>
    public static async Task<int> BlastAsync(Options options)
    {
        var port = (int)options.Count("smtp-port");
        var total = options.Count("messages");
        var connections = (int)options.Count("connections", 1);
        var body = Emails.Confirm(EmailBrand.Default, "en", "blast@blast.bench.example.org", "Petition to the International Association of Prosecutors",
            "Blast Organisation", "http://127.0.0.1:5080/confirm/" + new string('x', 43));
        var next = -1L;
        if (options.Optional("mode") == "compose")
        {
            // The client's share alone: compose and format each message as SmtpClient would, to nowhere.
            var format = FormatOptions.Default.Clone();
            format.NewLineFormat = NewLineFormat.Dos;
            var composing = Stopwatch.StartNew();
            for (var i = 0; i < total; i++)
            {
                var message = new MimeMessage { MessageId = $"{Guid.NewGuid():N}@blast.example.org", Subject = body.Subject };
                message.From.Add(MailboxAddress.Parse("Petitions <letters@petitions.example.org>"));
                message.To.Add(MailboxAddress.Parse(body.To));
                message.Body = new BodyBuilder { TextBody = body.Text, HtmlBody = body.Html }.ToMessageBody();
                message.Prepare(EncodingConstraint.EightBit);
                message.WriteTo(format, Stream.Null);
            }

            Console.WriteLine($"compose_us_per_message={Stats.Format(composing.Elapsed.TotalMilliseconds * 1000 / total)}");
            return 0;
        }

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            using var client = new SmtpClient();
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            while (Interlocked.Increment(ref next) < total)
            {
                var message = new MimeMessage { MessageId = $"{Guid.NewGuid():N}@blast.example.org", Subject = body.Subject };
                message.From.Add(MailboxAddress.Parse("Petitions <letters@petitions.example.org>"));
                message.To.Add(MailboxAddress.Parse(body.To));
                message.Body = new BodyBuilder { TextBody = body.Text, HtmlBody = body.Html }.ToMessageBody();
                await client.SendAsync(message);
            }

            await client.DisconnectAsync(true);
        }));
        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"messages={total.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"connections={connections.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"seconds={Stats.Format(seconds)}");
        Console.WriteLine($"messages_per_s={Stats.Format(total / seconds)}");
        return 0;
    }
}
