using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>
/// A real full disk: a small tmpfs holds the database of the real program. Needs root to mount;
/// where the machine does not allow it, the test is skipped and says so.
/// </summary>
public class DiskFullTests
{
    [Test]
    public async Task WhenTheDiskIsFullWritesAre503ReadsWorkAndItRecoversWithoutARestart()
    {
        using var directory = new TempDirectory();
        var disk = directory.File("disk");
        Directory.CreateDirectory(disk);
        if (await Commands.RunAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk) != 0)
        {
            Assert.Ignore("This machine does not let the test mount a small disk (needs root).");
        }

        try
        {
            using var server = await ServerProcess.StartAsync(disk);
            using var client = new HttpClient { BaseAddress = server.BaseUrl };
            using (var first = await client.PostAsJsonAsync("/api/petitions/iap-2017/signatures", SignOnClient.ValidJson("Before Full", "a@before.example.org")))
            {
                Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }

            var filler = Path.Combine(disk, "filler");
            await FillAsync(filler);

            var answers = new List<HttpResponseMessage>();
            for (var i = 0; i < 20; i++)
            {
                answers.Add(await client.PostAsJsonAsync("/api/petitions/iap-2017/signatures", SignOnClient.ValidJson($"During Full {i}", $"d{i}@during.example.org")));
            }

            using var read = await client.GetAsync("/api/petitions/iap-2017/signatories");
            using var health = await client.GetAsync("/healthz");
            var refused = answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
            var acknowledged = Enumerable.Range(0, 20).Where(i => answers[i].StatusCode == HttpStatusCode.Accepted).Select(i => $"During Full {i}").ToList();
            TestContext.Out.WriteLine($"FIGURE disk-full: of 20 sign-ons on a full disk {acknowledged.Count} acknowledged, {refused.Count} answered 503; /healthz {(int)health.StatusCode}, a read {(int)read.StatusCode}");
            Assert.That(answers.Select(a => a.StatusCode), Has.All.AnyOf(HttpStatusCode.ServiceUnavailable, HttpStatusCode.Accepted));
            Assert.That(refused, Is.Not.Empty, "a full disk refuses writes");
            Assert.That(refused[0].Headers.RetryAfter, Is.Not.Null);
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), "reads keep working");
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));

            File.Delete(filler);
            var stored = await StorageRecovery.AssertRecoversAsync(client, server, Path.Combine(disk, "petitions.db"), "After Full", "%Full%");
            StorageRecovery.AssertStoredAreTheAcknowledged(stored, acknowledged.Append("Before Full").Append("After Full"));
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            await Commands.RunAsync("umount", "-l", disk);
        }
    }

    private static async Task FillAsync(string path)
    {
        await using var file = File.Create(path);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                await file.WriteAsync(block);
                await file.FlushAsync();
            }
        }
        catch (IOException)
        {
            // No space left: that is the point.
        }
    }
}
