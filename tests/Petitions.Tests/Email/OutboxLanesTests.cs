using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Data;
using Petitions.Email;
using Petitions.Tests.Support;

namespace Petitions.Tests.Email;

/// <summary>
/// The dispatcher's concurrent SMTP sessions (Mail:Connections) against the real test SMTP server:
/// a backlog goes out exactly once, and a connection lost in one session costs only its message a retry.
/// </summary>
public class OutboxLanesTests
{
    private SmtpServer smtp = null!;
    private PetitionsApp app = null!;

    private async Task StartAsync(int connections)
    {
        smtp = await SmtpServer.StartNewAsync();
        app = new PetitionsApp(settings: smtp.AppSettings(
            ("Smtp:TimeoutSeconds", "5"),
            ("Mail:From", "Petitions <letters@petitions.example.org>"),
            ("Mail:Connections", connections.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [TearDown]
    public async Task StopAsync()
    {
        app?.Dispose();
        if (smtp is not null)
        {
            await smtp.DisposeAsync();
        }
    }

    /// <summary>Queues emails as a sign-on does (in a committed transaction, then Notify); returns their Message-IDs.</summary>
    private async Task<List<string>> EnqueueAsync(int count, string tag)
    {
        var outbox = app.Services.GetRequiredService<Outbox>();
        await using (var connection = await app.Db.OpenAsync())
        {
            await using var transaction = Db.BeginWrite(connection);
            for (var i = 0; i < count; i++)
            {
                var email = Emails.Confirm(EmailBrand.Default, "en", $"{tag}{i}@lanes-test.example.org", "The letter", $"Organisation {tag} {i}", $"http://localhost/confirm/{tag}{i}");
                outbox.Enqueue(connection, transaction, email, DateTimeOffset.UtcNow);
            }

            await transaction.CommitAsync();
        }

        outbox.Notify();
        await using var reader = await app.Db.OpenAsync();
        return (await reader.QueryAsync<string>("SELECT message_id FROM outbox WHERE to_address LIKE @like", new { like = tag + "%" })).ToList();
    }

    private async Task<(long Sent, long Other)> StatusAsync()
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.QuerySingleAsync<(long, long)>(
            "SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status <> 'sent') FROM outbox");
    }

    private async Task WaitUntilAllSentAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await StatusAsync()).Other > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not all sent within {timeout}: {await StatusAsync()}; server log:\n{smtp.Log}");
            }

            await Task.Delay(100);
        }
    }

    [Test]
    public async Task SeveralSessionsSendABacklogExactlyOnce()
    {
        await StartAsync(connections: 4);

        var queued = await EnqueueAsync(400, "backlog");
        await WaitUntilAllSentAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1));

        var received = smtp.Messages.Select(m => m.Message.MessageId).ToList();
        Assert.That(received, Has.Count.EqualTo(400), "each once, none twice");
        Assert.That(received, Is.EquivalentTo(queued));
        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE attempts <> 1 OR lease_until IS NOT NULL OR text_body IS NOT NULL"),
            Is.Zero, "sent at the first attempt, released, bodies cleared");
    }

    [Test]
    public async Task AConnectionDroppedInOneSessionLosesAndDuplicatesNothingInTheOthers()
    {
        await StartAsync(connections: 4);
        // Every 37th DATA: the server reads the message, stores nothing and closes that connection
        // without a reply, while the other sessions go on.
        smtp.SetMode(SmtpMode.DropEvery(37));

        var queued = await EnqueueAsync(300, "dropped");
        await WaitUntilAllSentAsync(TimeSpan.FromSeconds(90));
        await Task.Delay(TimeSpan.FromSeconds(1));

        var received = smtp.Messages.Select(m => m.Message.MessageId).ToList();
        Assert.That(received, Has.Count.EqualTo(300), "each once, none twice");
        Assert.That(received, Is.EquivalentTo(queued));
        await using var connection = await app.Db.OpenAsync();
        var retried = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE attempts > 1");
        Assert.That(retried, Is.InRange(1, 30), "only the messages whose connection dropped were retried");
    }

    [Test]
    public async Task AKeptSessionTheServerClosedIsReplacedWithoutCostingTheNextMessageARetry()
    {
        await StartAsync(connections: 1);
        await EnqueueAsync(1, "first");
        await smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));

        // The session stays open between batches; a server restart closes it under the dispatcher.
        await smtp.StopAsync();
        await smtp.StartAsync();
        await EnqueueAsync(1, "second");
        await WaitUntilAllSentAsync(TimeSpan.FromSeconds(30));

        await using var connection = await app.Db.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT attempts FROM outbox WHERE to_address LIKE 'second%'"), Is.EqualTo(1));
        Assert.That(smtp.Messages, Has.Count.EqualTo(2));
    }
}
