using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Petitions.Data;
using Petitions.Email;
using Petitions.Tests.Support;

namespace Petitions.Tests.MultiNode;

/// <summary>Two nodes' dispatchers on one outbox, sending to a real SMTP server.</summary>
[Category("MultiNode")]
public class OutboxAcrossNodesTests
{
    [Test]
    public async Task TwoDispatchersSendEachMessageExactlyOnce()
    {
        const int count = 400;
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var nodes = await Nodes.StartAsync(smtp.AppSettings(("Mail:Connections", "2")));

        await QueueAsync(nodes.A, count, "many");
        nodes.A.Services.GetRequiredService<Outbox>().Notify();
        nodes.B.Services.GetRequiredService<Outbox>().Notify();

        var received = await smtp.WaitForMessagesAsync(count, TimeSpan.FromSeconds(120));
        // Anything sent twice would arrive within the moment after the last one.
        await Task.Delay(TimeSpan.FromSeconds(2));
        received = smtp.Messages;
        var ids = received.Select(m => m.Message.MessageId).ToList();
        Assert.That(ids, Has.Count.EqualTo(count), "each message delivered once");
        Assert.That(ids.Distinct().Count(), Is.EqualTo(count));

        await using var connection = await nodes.A.Db.OpenAsync();
        var rows = (await connection.QueryAsync<(string MessageId, string Status, string ClaimedBy)>(
            "SELECT message_id, status, claimed_by FROM outbox")).ToList();
        Assert.That(rows.Select(r => r.MessageId), Is.EquivalentTo(ids), "the Message-IDs are the outbox's");
        Assert.That(rows.Select(r => r.Status).Distinct(), Is.EqualTo(new[] { "sent" }));
        Assert.That(rows.Select(r => r.ClaimedBy).Distinct().Count(), Is.EqualTo(2), "both nodes sent some: they did race for the rows");
    }

    [Test]
    public async Task AnExpiredLeaseIsTakenOverWithTheSameMessageId()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var nodes = await Nodes.StartAsync(smtp.AppSettings());
        // A node that claimed these rows and was killed before sending them: its lease runs out in 3 s.
        var dead = new Outbox(Options.Create(new MailOptions()), nodes.A.Db);
        await QueueAsync(nodes.A, 20, "orphan", async (connection, transaction) =>
        {
            var now = DateTimeOffset.UtcNow;
            Assert.That(await dead.RecordSentAndClaimAsync(connection, transaction, [], 100, now, now + TimeSpan.FromSeconds(3)), Has.Count.EqualTo(20));
        });
        nodes.A.Services.GetRequiredService<Outbox>().Notify();
        nodes.B.Services.GetRequiredService<Outbox>().Notify();

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.That(Directory.GetFiles(smtp.MailDirectory, "*.eml"), Is.Empty, "nothing is sent while the dead node's lease holds");

        var received = await smtp.WaitForMessagesAsync(20, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(1));
        received = smtp.Messages;
        await using var connection = await nodes.A.Db.OpenAsync();
        var rows = (await connection.QueryAsync<(string To, string MessageId, string Status, string ClaimedBy)>(
            "SELECT to_address, message_id, status, claimed_by FROM outbox")).ToList();
        Assert.That(received, Has.Count.EqualTo(20), "each message sent once");
        foreach (var row in rows)
        {
            Assert.That(received.Single(m => m.Recipients.Single() == row.To).Message.MessageId, Is.EqualTo(row.MessageId), "the Message-ID the dead node had");
            Assert.That(row.Status, Is.EqualTo("sent"));
            Assert.That(row.ClaimedBy, Is.Not.EqualTo(dead.Node), "taken over by a live node");
        }
    }

    private static async Task QueueAsync(PetitionsApp app, int count, string name, Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task>? then = null)
    {
        var outbox = app.Services.GetRequiredService<Outbox>();
        await using var connection = await app.Db.OpenAsync();
        await using var transaction = Db.BeginWrite(connection);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            outbox.Enqueue(connection, transaction, new OutgoingEmail("test", $"{name}{i}@example.org", $"Message {i}", $"Body {i}", $"<p>Body {i}</p>"), now);
        }

        if (then is not null)
        {
            await then(connection, transaction);
        }

        await transaction.CommitAsync();
    }
}
