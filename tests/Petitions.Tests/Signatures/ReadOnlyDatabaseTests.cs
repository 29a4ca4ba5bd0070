using System.Net;
using System.Net.Http.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>
/// A database that stops taking writes while the real program runs: the database file and its
/// write-ahead log are made immutable (chattr +i), so every write to them fails in the kernel, as
/// on a file system remounted read-only after an error. Needs chattr and root; skipped otherwise.
/// </summary>
public class ReadOnlyDatabaseTests
{
    [Test]
    public async Task WhenTheDatabaseCannotBeWrittenWritesAre503ReadsWorkAndItRecoversWithoutARestart()
    {
        using var directory = new TempDirectory();
        using var server = await ServerProcess.StartAsync(directory.Path);
        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        using (var first = await client.PostAsJsonAsync("/api/petitions/iap-2017/signatures", SignOnClient.ValidJson("Before Frozen", "a@before.example.org")))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        string[] files = [directory.File("petitions.db"), directory.File("petitions.db-wal")];
        if (await Commands.RunAsync("chattr", ["+i", .. files]) != 0)
        {
            Assert.Ignore("This machine does not let the test make a file immutable (needs chattr, root and a file system that has the flag).");
        }

        var answers = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                answers.Add(await client.PostAsJsonAsync("/api/petitions/iap-2017/signatures", SignOnClient.ValidJson($"During Frozen {i}", $"d{i}@during.example.org")));
            }

            using var read = await client.GetAsync("/api/petitions/iap-2017/signatories");
            using var page = await client.GetAsync("/petitions/iap-2017");
            using var health = await client.GetAsync("/healthz");
            var refused = answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
            TestContext.Out.WriteLine($"FIGURE read-only database: of 10 sign-ons {refused.Count} answered 503 (Retry-After {refused.FirstOrDefault()?.Headers.RetryAfter?.Delta?.TotalSeconds} s), " +
                $"{answers.Count(a => a.StatusCode == HttpStatusCode.Accepted)} acknowledged; /healthz {(int)health.StatusCode}, reads {(int)read.StatusCode} and {(int)page.StatusCode}");
            Assert.That(answers.Select(a => a.StatusCode), Has.All.EqualTo(HttpStatusCode.ServiceUnavailable), "nothing can be stored, so nothing is acknowledged");
            Assert.That(refused[0].Headers.RetryAfter, Is.Not.Null);
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), "reads keep working");
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        }
        finally
        {
            await Commands.RunAsync("chattr", ["-i", .. files]);
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }

        var stored = await StorageRecovery.AssertRecoversAsync(client, server, directory.File("petitions.db"), "After Frozen", "%Frozen%");
        StorageRecovery.AssertStoredAreTheAcknowledged(stored, new[] { "Before Frozen", "After Frozen" });
    }
}
