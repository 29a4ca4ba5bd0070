using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>
/// A SIGKILL leaves the kernel's page cache, so the kill tests would pass with synchronous=OFF; only
/// a power cut would tell. This proves the order instead: the real program runs under strace, and
/// a sign-on's write-ahead log reaches the disk (its fdatasync or fsync has returned) before the
/// 202 that acknowledges it is written to the socket.
/// </summary>
public partial class FsyncOrderTests
{
    [Test]
    public async Task TheWriteAheadLogIsOnDiskBeforeTheSignOnIsAcknowledged()
    {
        if (await Commands.RunAsync("strace", "-V") != 0)
        {
            Assert.Fail("strace is not installed (scripts/test installs the Debian package).");
        }

        using var directory = new TempDirectory();
        var log = directory.File("strace.log");
        // -f: every thread; -y: each fd with its file or socket; -s: enough of a write to see the status line.
        using var server = await ServerProcess.StartAsync(directory.Path, wrapper:
        [
            "strace", "-f", "-qq", "-y", "-tt", "-s", "64", "-e", "signal=none",
            "-e", "trace=fdatasync,fsync,pwrite64,write,writev,sendto,sendmsg", "-o", log,
        ]);
        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        var from = (await ReadSharedAsync(log)).Length;

        using (var response = await client.PostAsJsonAsync("/api/petitions/iap-2017/signatures", SignOnClient.ValidJson("Fsync Organisation", "f@fsync.example.org")))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var lines = await LinesUntilAcknowledgedAsync(log, from);
        var events = Events(lines).ToList();
        var acknowledged = events.FindIndex(e => e.Kind == "ack");
        Assert.That(acknowledged, Is.GreaterThanOrEqualTo(0), "the 202 was seen on its socket");
        // The commit's writes and its sync are made by one thread (the writer's). The sign-on's commit is
        // the first to write the WAL after the request; the writer may already be writing the next batch
        // (the dispatcher's claim of its email) when the 202 goes out, so look for the thread whose first
        // WAL write after the request was followed by its sync of the WAL returning, before the 202.
        var before = events.Take(acknowledged).ToList();
        var committed = before.Where(e => e.Kind == "wal-write").Select(e => e.Pid).Distinct()
            .Select(pid => (Write: before.FindIndex(e => e.Pid == pid && e.Kind == "wal-write"), Pid: pid))
            .Select(w => (w.Write, Sync: before.FindIndex(w.Write, e => e.Pid == w.Pid && e.Kind == "wal-synced")))
            .ToList();
        Assert.That(committed, Is.Not.Empty, "the sign-on's frames were written to the WAL before the 202");
        var (write, sync) = committed.OrderByDescending(c => c.Sync).First();
        TestContext.Out.WriteLine($"FIGURE fsync-order: the commit's first WAL write, then its sync returning, then the 202:\n{Short(before[write].Line)}\n" +
            $"{(sync < 0 ? "(no sync of the WAL)" : Short(before[sync].Line))}\n{Short(events[acknowledged].Line)}");

        Assert.That(sync, Is.GreaterThan(write), "the WAL was synced (the call returned) after the commit's writes and before the 202 was written");
    }

    private sealed record Event(string Kind, string Pid, string Line);

    private static string Short(string line) => line.Length <= 160 ? line : line[..160] + "...";

    /// <summary>The events that matter, in the order strace saw them: WAL writes, WAL syncs returning, the 202 going out.</summary>
    private static IEnumerable<Event> Events(IEnumerable<string> lines)
    {
        // A call that blocks is printed in two halves: "<unfinished ...>", then "<... NAME resumed>" with its result.
        var unfinished = new Dictionary<string, string>();
        foreach (var line in lines)
        {
            var match = StraceLine().Match(line);
            if (!match.Success)
            {
                continue;
            }

            var (pid, call) = (match.Groups["pid"].Value, match.Groups["call"].Value);
            if (call.EndsWith("<unfinished ...>", StringComparison.Ordinal))
            {
                unfinished[pid] = call;
                continue;
            }

            if (Resumed().Match(call) is { Success: true } resumed)
            {
                call = unfinished.Remove(pid, out var start) ? start.Replace("<unfinished ...>", "", StringComparison.Ordinal) + " " + resumed.Groups["rest"].Value : call;
            }

            var wal = call.Contains("petitions.db-wal>", StringComparison.Ordinal);
            if (wal && (call.StartsWith("fdatasync(", StringComparison.Ordinal) || call.StartsWith("fsync(", StringComparison.Ordinal)) && call.TrimEnd().EndsWith("= 0", StringComparison.Ordinal))
            {
                yield return new Event("wal-synced", pid, line);
            }
            else if (wal && (call.StartsWith("pwrite64(", StringComparison.Ordinal) || call.StartsWith("write(", StringComparison.Ordinal)))
            {
                yield return new Event("wal-write", pid, line);
            }
            else if (call.Contains("HTTP/1.1 202", StringComparison.Ordinal))
            {
                yield return new Event("ack", pid, line);
            }
        }
    }

    private static async Task<List<string>> LinesUntilAcknowledgedAsync(string log, int from)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var text = (await ReadSharedAsync(log))[from..];
            var lines = text.Split('\n').ToList();
            // The write's line is complete once its result is printed (strace writes a line at a time).
            if (lines.Any(l => l.Contains("HTTP/1.1 202", StringComparison.Ordinal) && Regex.IsMatch(l, @"= \d+\s*$")) || DateTime.UtcNow > deadline)
            {
                return lines;
            }

            await Task.Delay(100);
        }
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    [GeneratedRegex(@"^(?<pid>\d+)\s+\d\d:\d\d:\d\d\.\d+\s+(?<call>.*)$")]
    private static partial Regex StraceLine();

    [GeneratedRegex(@"^<\.\.\. \w+ resumed>(?<rest>.*)$")]
    private static partial Regex Resumed();
}
