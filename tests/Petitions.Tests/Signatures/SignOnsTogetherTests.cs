using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Data;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>
/// Sign-ons that reach the writer in one batch follow the rules they follow one by one. On PostgreSQL
/// such a batch is written together (<see cref="ITogether{TItem, T}"/>): the tests hold every writer
/// loop until the whole batch is queued, so that it is.
/// </summary>
public sealed class SignOnsTogetherTests
{
    [Test]
    public async Task ABatchOfSignOnsMeetsEachRuleAsIfTheyCameOneByOne()
    {
        using var logs = new CapturedLogs();
        using var app = new PetitionsApp(services: s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        using var client = app.CreateClient();
        var bodies = new List<Dictionary<string, object?>>
        {
            SignOnClient.ValidJson("Together Alpha", "first@together-alpha.example.org"),
            // The same organisation again, by another person: one signature, and a further contact.
            SignOnClient.ValidJson("Together Alpha", "second@together-alpha.example.org"),
            // The same name but for its accent: a possible duplicate of whichever is written first.
            SignOnClient.ValidJson("Česká Together", "cz@ceska-together.example.org"),
            SignOnClient.ValidJson("Ceska Together", "plain@ceska-together.example.org"),
        };
        // One address for six organisations: five sign-on emails a day at most, the sixth withheld.
        bodies.AddRange(Enumerable.Range(1, 6).Select(i => SignOnClient.ValidJson($"Capped Together {i}", "one.address@capped-together.example.org")));
        bodies.Add(SignOnClient.ValidJson("Together Beta", "beta@together-beta.example.org"));

        var writer = app.Services.GetRequiredService<GroupCommit>();
        var answers = await WhileTheWritersAreHeldAsync(writer, bodies.Count,
            () => bodies.Select(body => SignOnClient.PostJsonAsync(client, body)).ToList());

        Assert.That(answers.Select(a => a.StatusCode), Is.All.EqualTo(HttpStatusCode.Accepted));
        // Alone in its transaction, the set writer meets no other writer: a fall-back here is a fault of its own.
        Assert.That(logs.Lines.Where(l => l.Contains("each runs alone", StringComparison.Ordinal)), Is.Empty);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }

        await Delivered.MessagesAsync(app);
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'Together Alpha'
            """), Is.EqualTo(1), "one signature of the organisation");
        // The requests reach the queue in no set order: whichever person came second is a further contact.
        var signer = await connection.ExecuteScalarAsync<string>("""
            SELECT s.contact_email FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'Together Alpha'
            """);
        var further = signer == "first@together-alpha.example.org" ? "second@together-alpha.example.org" : "first@together-alpha.example.org";
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM contacts WHERE email = @further", new { further }),
            Is.EqualTo(1), "the other person is a further contact");
        var czech = await connection.QueryAsync<string>("""
            SELECT s.flags FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name IN ('Česká Together', 'Ceska Together')
            """);
        Assert.That(czech.Count(f => f.Contains("possible-duplicate", StringComparison.Ordinal)), Is.EqualTo(1),
            "the one written second is a possible duplicate of the first");
        Assert.That(await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM outbox WHERE to_address = 'one.address@capped-together.example.org' AND kind = 'confirm-sign-on'
            """), Is.EqualTo(SignOn.MaxSignOnEmailsPerRecipientPerDay));
        Assert.That(await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM signatures WHERE contact_email = 'one.address@capped-together.example.org' AND flags LIKE '%email-capped%'
            """), Is.EqualTo(1), "the sixth is flagged");
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE kind = 'email-withheld'"), Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM signatures s JOIN tokens t ON t.signature_id = s.id JOIN outbox m ON m.signature_id = s.id
            JOIN events e ON e.signature_id = s.id AND e.kind = 'signed'
            WHERE s.contact_email = 'beta@together-beta.example.org' AND m.text_body IS NULL AND m.status = 'sent'
            """), Is.EqualTo(1), "a plain sign-on: its signature, event, token and email, sent");
    }

    [Test]
    public async Task TwoSpellingsOfOneAddressInABatchCountAsOneForTheCap()
    {
        // SQLite's NOCASE folds ASCII only, and its one writer writes one by one. Ordinal case folding
        // keeps ẞ and ß apart (ß has no simple upper case); PostgreSQL's nocase does not.
        if (!TestDatabase.IsPostgres)
        {
            Assert.Ignore("Runs in the PostgreSQL pass (PETITIONS_TEST_DATABASE=postgres): the cap's nocase folds ẞ into ß there.");
        }

        using var logs = new CapturedLogs();
        using var app = new PetitionsApp(services: s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        using var client = app.CreateClient();
        for (var i = 1; i < SignOn.MaxSignOnEmailsPerRecipientPerDay; i++)
        {
            using var answer = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson($"Strasse Earlier {i}", "straße@spellings.example.org"));
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        // One email left for the address today, asked for twice in one batch under two spellings.
        var bodies = new[]
        {
            SignOnClient.ValidJson("Strasse Together 1", "straße@spellings.example.org"),
            SignOnClient.ValidJson("Strasse Together 2", "STRAẞE@spellings.example.org"),
        };
        var answers = await WhileTheWritersAreHeldAsync(app.Services.GetRequiredService<GroupCommit>(), bodies.Length,
            () => bodies.Select(body => SignOnClient.PostJsonAsync(client, body)).ToList());
        Assert.That(answers.Select(a => a.StatusCode), Is.All.EqualTo(HttpStatusCode.Accepted));
        // Written as one batch, not fallen back to one by one (where the cap held before this batch writer).
        Assert.That(logs.Lines.Where(l => l.Contains("each runs alone", StringComparison.Ordinal)), Is.Empty);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }

        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM outbox WHERE to_address = 'straße@spellings.example.org' COLLATE NOCASE AND kind = 'confirm-sign-on'
            """), Is.EqualTo(SignOn.MaxSignOnEmailsPerRecipientPerDay));
        Assert.That(await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE o.name LIKE 'Strasse Together %' AND s.flags LIKE '%email-capped%'
            """), Is.EqualTo(1), "the second of the two is flagged");
    }

    [Test]
    public async Task ABatchForALetterClosedMeanwhileIsRefusedWholeAndStoresNothing()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        var writer = app.Services.GetRequiredService<GroupCommit>();
        var bodies = Enumerable.Range(1, 5).Select(i => SignOnClient.ValidJson($"Too Late Together {i}", $"late{i}@too-late.example.org")).ToList();
        var before = await SignOnClient.CountsAsync(app);

        // Closed after the requests found it open, before the writer's turn.
        var answers = await WhileTheWritersAreHeldAsync(writer, bodies.Count,
            () => bodies.Select(body => SignOnClient.PostJsonAsync(client, body)).ToList(),
            (connection, transaction) => connection.ExecuteAsync("UPDATE petitions SET closes_at = '2000-01-01T00:00:00.0000000Z'", transaction: transaction));

        Assert.That(answers.Select(a => (int)a.StatusCode), Is.All.InRange(400, 499));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }

        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before));
    }

    /// <summary>
    /// Holds each writer loop in a unit of its own, starts the requests and waits until their sign-ons
    /// are all queued behind. Then the first held unit runs <paramref name="meanwhile"/> in its
    /// transaction and commits, and its loop, the only one free, takes the whole queue as one batch.
    /// </summary>
    private static async Task<HttpResponseMessage[]> WhileTheWritersAreHeldAsync(
        GroupCommit writer, int count, Func<List<Task<HttpResponseMessage>>> start,
        Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task>? meanwhile = null)
    {
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseRest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new List<Task<int>>();
        for (var i = 0; i < writer.WriterLoops; i++)
        {
            var first = i == 0;
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            held.Add(writer.RunAsync(async (connection, transaction) =>
            {
                started.TrySetResult();
                await (first ? releaseFirst : releaseRest).Task;
                if (first && meanwhile is not null)
                {
                    await meanwhile(connection, transaction);
                }

                return 0;
            }));
            await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        try
        {
            var requests = start();
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (writer.Queued < count)
            {
                Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), $"{writer.Queued} of {count} sign-ons queued");
                await Task.Delay(10);
            }

            releaseFirst.SetResult();
            await held[0];
            var answers = await Task.WhenAll(requests);
            releaseRest.SetResult();
            await Task.WhenAll(held);
            return answers;
        }
        finally
        {
            releaseFirst.TrySetResult();
            releaseRest.TrySetResult();
        }
    }
}
