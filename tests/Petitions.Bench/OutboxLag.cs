using System.Diagnostics;
using System.Globalization;
using Dapper;
using Petitions.Data;

namespace Petitions.Bench;

/// <summary>
/// B6: waits (up to --timeout seconds) until sign-ons still queued in the server are written (the
/// number of outbox rows after --after-id (the largest id before the run) stays the same for two seconds) and those rows are no longer
/// pending, so the next measurement starts on an idle server; then reports the commit-to-send lag (sent_at − created_at) of those rows and whether any
/// Message-ID arrived twice at the SMTP server (the .eml files in --maildir).
/// </summary>
public static class OutboxLag
{
    public static async Task<int> RunAsync(Options options)
    {
        var after = options.Count("after-id");
        var maildir = options.Required("maildir");
        var timeout = TimeSpan.FromSeconds(options.Number("timeout", 120));
        await using var connection = await BenchDb.OpenAsync(options);

        var waited = Stopwatch.StartNew();
        var rowsSince = -1L;
        var stableSince = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            var now = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE id > @after", new { after });
            if (now != rowsSince)
            {
                rowsSince = now;
                stableSince.Restart();
            }
            else if (stableSince.Elapsed > TimeSpan.FromSeconds(2))
            {
                break;
            }

            await Task.Delay(250);
        }

        long pending;
        while ((pending = await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM outbox WHERE id > @after AND status = 'pending'", new { after })) > 0 && waited.Elapsed < timeout)
        {
            await Task.Delay(250);
        }

        var rows = (await connection.QueryAsync<(string CreatedAt, string? SentAt, string Status)>(
            "SELECT created_at, sent_at, status FROM outbox WHERE id > @after", new { after })).ToList();
        var lags = rows.Where(r => r.SentAt is not null)
            .Select(r => (Time.Parse(r.SentAt!) - Time.Parse(r.CreatedAt)).TotalMilliseconds)
            .Order()
            .ToList();
        // A message still pending at the end has waited at least until now: it counts with that lag.
        var end = DateTimeOffset.UtcNow;
        lags.AddRange(rows.Where(r => r.Status == "pending").Select(r => (end - Time.Parse(r.CreatedAt)).TotalMilliseconds));
        lags.Sort();

        var messageIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var files = 0;
        foreach (var file in Directory.EnumerateFiles(maildir, "*.eml"))
        {
            files++;
            if (await MessageIdAsync(file) is { } id)
            {
                messageIds[id] = messageIds.GetValueOrDefault(id) + 1;
            }
        }

        var duplicates = messageIds.Count(p => p.Value > 1);
        Write("rows", rows.Count);
        Write("sent", rows.Count(r => r.Status == "sent"));
        Write("pending", pending);
        Write("failed", rows.Count(r => r.Status == "failed"));
        Console.WriteLine($"drain_wait_s={Stats.Format(waited.Elapsed.TotalSeconds)}");
        Console.WriteLine($"lag_p50_ms={Stats.Format(Stats.Percentile(lags, 50))}");
        Console.WriteLine($"lag_p99_ms={Stats.Format(Stats.Percentile(lags, 99))}");
        Console.WriteLine($"lag_max_ms={Stats.Format(lags.Count == 0 ? double.NaN : lags[^1])}");
        Write("eml_files", files);
        Write("message_ids", messageIds.Count);
        Write("duplicate_message_ids", duplicates);
        return 0;
    }

    private static void Write(string key, long value) => Console.WriteLine($"{key}={value.ToString(CultureInfo.InvariantCulture)}");

    private static async Task<string?> MessageIdAsync(string file)
    {
        using var reader = new StreamReader(file);
        while (await reader.ReadLineAsync() is { Length: > 0 } line)
        {
            if (line.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))
            {
                var value = line["Message-ID:".Length..].Trim();
                // A folded header continues on the next line.
                if (value.Length == 0)
                {
                    value = ((await reader.ReadLineAsync()) ?? "").Trim();
                }

                return value;
            }
        }

        return null;
    }
}
