using System.Globalization;
using Dapper;

namespace Petitions.Bench;

/// <summary>
/// After a kill -9 in the middle of sign-ons: every sign-on that was answered 202 (the emails that
/// the wrk script logged, ack-*.log in --logs) is in the database on the letter, with exactly one
/// outbox row; and, on SQLite, PRAGMA integrity_check says ok. --db FILE or --postgres CONNECTION_STRING.
/// </summary>
public static class CrashVerify
{
    public static async Task<int> RunAsync(Options options)
    {
        var slug = options.Required("slug");
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(options.Required("logs"), "ack-*.log"))
        {
            foreach (var line in await File.ReadAllLinesAsync(file))
            {
                if (line.Length > 0)
                {
                    acknowledged.Add(line.Trim());
                }
            }
        }

        await using var connection = await BenchDb.OpenAsync(options);
        var petitionId = await connection.ExecuteScalarAsync<long>("SELECT id FROM petitions WHERE slug = @slug", new { slug });

        // One pass over the letter's signatures (there is no index on contact_email, and none is added).
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var row in connection.QueryUnbufferedAsync<(long Id, string Email)>(
            "SELECT id, contact_email FROM signatures WHERE petition_id = @petitionId AND contact_email LIKE '%.bench.example.org'", new { petitionId }))
        {
            if (acknowledged.Contains(row.Email))
            {
                found[row.Email] = row.Id;
            }
        }

        var outboxNotOne = 0;
        foreach (var id in found.Values)
        {
            var rows = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE signature_id = @id", new { id });
            if (rows != 1)
            {
                outboxNotOne++;
            }
        }

        // PostgreSQL has no whole-file check like SQLite's; its crash recovery replays the WAL.
        var integrity = BenchDb.IsPostgres(options) ? "ok" : string.Join(" ", await connection.QueryAsync<string>("PRAGMA integrity_check"));
        var missing = acknowledged.Count - found.Count;
        Console.WriteLine($"acknowledged={acknowledged.Count.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"found={found.Count.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"missing={missing.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"outbox_not_one={outboxNotOne.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"integrity={(integrity.Length > 200 ? integrity[..200] : integrity).Replace(' ', '_')}");
        foreach (var email in acknowledged.Except(found.Keys).Take(5))
        {
            Console.WriteLine($"missing_example={email}");
        }

        return missing == 0 && outboxNotOne == 0 && integrity == "ok" && acknowledged.Count > 0 ? 0 : 1;
    }
}
