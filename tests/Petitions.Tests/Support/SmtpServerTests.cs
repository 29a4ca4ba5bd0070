using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Petitions.Tests.Support;

/// <summary>The test SMTP server receives what MailKit sends and fails the ways it is told to.</summary>
public sealed class SmtpServerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private SmtpServer smtp = null!;

    [SetUp]
    public async Task StartServer() => smtp = await SmtpServer.StartNewAsync();

    [TearDown]
    public async Task StopServer() => await smtp.DisposeAsync();

    [Test]
    public async Task A_sent_message_arrives_with_its_subject_and_envelope()
    {
        using var message = Message("Confirm your signature");
        message.Bcc.Add(MailboxAddress.Parse("audit@example.org"));

        await SendAsync(message);

        var received = await smtp.WaitForMessagesAsync(1, Patience);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(received, Has.Count.EqualTo(1));
            Assert.That(received[0].Message.Subject, Is.EqualTo("Confirm your signature"));
            Assert.That(received[0].Message.To.Mailboxes.Select(m => m.Name), Is.EqualTo(new[] { "Ana Pérez" }));
            Assert.That(received[0].Raw, Does.Contain("Subject: Confirm your signature"));
            Assert.That(received[0].MailFrom, Is.EqualTo("petitions@example.org"));
            Assert.That(received[0].Recipients, Is.EqualTo(new[] { "ana@example.org", "audit@example.org" }));
            Assert.That(received[0].Raw, Does.Not.Contain("audit@example.org"), "Bcc is only in the envelope");
            Assert.That(received[0].Message.TextBody?.ReplaceLineEndings("\n"), Does.StartWith("Hello.\n.\nA line"), "dot-stuffing undone");
        }
    }

    [Test]
    public async Task Messages_arrive_in_order_and_can_be_cleared()
    {
        for (var i = 1; i <= 3; i++)
        {
            using var message = Message($"Message {i}");
            await SendAsync(message);
        }

        var received = await smtp.WaitForMessagesAsync(3, Patience);
        Assert.That(received.Select(m => m.Message.Subject), Is.EqualTo(new[] { "Message 1", "Message 2", "Message 3" }));

        smtp.ClearMessages();
        Assert.That(smtp.Messages, Is.Empty);
    }

    [Test]
    public void Tempfail_makes_MailKit_throw_a_4xx_and_nothing_is_stored()
    {
        smtp.SetMode(SmtpMode.TempFail);
        using var message = Message("Deferred");

        var error = Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(message));

        Assert.That((int)error.StatusCode, Is.InRange(400, 499));
        Assert.That(smtp.Messages, Is.Empty);
    }

    [Test]
    public void Permfail_makes_MailKit_throw_a_5xx_for_the_recipient()
    {
        smtp.SetMode(SmtpMode.PermFail);
        using var message = Message("Bounced");

        var error = Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(message));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((int)error.StatusCode, Is.InRange(500, 599));
            Assert.That(error.ErrorCode, Is.EqualTo(SmtpErrorCode.RecipientNotAccepted));
            Assert.That(error.Mailbox?.Address, Is.EqualTo("ana@example.org"));
        }

        Assert.That(smtp.Messages, Is.Empty);
    }

    [Test]
    public async Task The_mode_can_change_between_messages_on_one_connection()
    {
        using var client = await ConnectAsync();
        using var first = Message("First");
        using var second = Message("Second");

        smtp.SetMode(SmtpMode.TempFail);
        await Assert.ThatAsync(() => client.SendAsync(first), Throws.InstanceOf<SmtpCommandException>());
        smtp.SetMode(SmtpMode.Accept);
        await client.SendAsync(second);
        await client.DisconnectAsync(quit: true);

        var received = await smtp.WaitForMessagesAsync(1, Patience);
        Assert.That(received.Select(m => m.Message.Subject), Is.EqualTo(new[] { "Second" }));
    }

    [Test]
    public async Task A_stopped_server_refuses_connections_and_comes_back_on_the_same_port()
    {
        var port = smtp.Port;
        await smtp.StopAsync();

        using (var client = new SmtpClient())
        {
            await Assert.ThatAsync(
                () => client.ConnectAsync(smtp.Host, port, SecureSocketOptions.None),
                Throws.InstanceOf<SocketException>());
        }

        await smtp.StartAsync();
        using var message = Message("Back again");
        await SendAsync(message);

        var received = await smtp.WaitForMessagesAsync(1, Patience);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(smtp.Port, Is.EqualTo(port));
            Assert.That(received[0].Message.Subject, Is.EqualTo("Back again"));
        }
    }

    [Test]
    public async Task A_restart_waits_for_its_port_to_be_free_again()
    {
        var port = smtp.Port;
        await smtp.StopAsync();
        using var squatter = new TcpListener(IPAddress.Loopback, port);
        squatter.Start();

        var restart = smtp.StartAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.That(restart.IsCompleted, Is.False);
        squatter.Stop();
        await restart.WaitAsync(Patience);

        using var message = Message("Same port");
        await SendAsync(message);
        Assert.That(smtp.Port, Is.EqualTo(port));
    }

    [Test]
    public async Task Drop_after_data_makes_the_send_throw_and_stores_nothing()
    {
        smtp.SetMode(SmtpMode.DropAfterData);
        using var message = Message("Lost");

        await Assert.ThatAsync(() => SendAsync(message), Throws.InstanceOf<SmtpProtocolException>());
        Assert.That(smtp.Messages, Is.Empty);

        smtp.SetMode(SmtpMode.Accept);
        using var retry = Message("Retried");
        await SendAsync(retry);
        var received = await smtp.WaitForMessagesAsync(1, Patience);
        Assert.That(received.Select(m => m.Message.Subject), Is.EqualTo(new[] { "Retried" }));
    }

    [Test]
    public async Task Slow_delays_the_answer_to_DATA_then_accepts()
    {
        smtp.SetMode(SmtpMode.Slow(TimeSpan.FromSeconds(1)));
        using var message = Message("Eventually");

        var clock = Stopwatch.StartNew();
        await SendAsync(message);

        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9)));
        Assert.That(smtp.Messages.Select(m => m.Message.Subject), Is.EqualTo(new[] { "Eventually" }));
    }

    [Test]
    public async Task Slow_beyond_the_client_timeout_makes_the_send_time_out()
    {
        smtp.SetMode(SmtpMode.Slow(TimeSpan.FromSeconds(5)));
        using var message = Message("Too late");
        using var client = await ConnectAsync();
        client.Timeout = 500;

        await Assert.ThatAsync(() => client.SendAsync(message), Throws.InstanceOf<TimeoutException>());
    }

    [Test]
    public void An_unknown_mode_is_refused()
    {
        Assert.That(() => smtp.SetMode("sometimes"), Throws.ArgumentException);
    }

    private static MimeMessage Message(string subject)
    {
        var message = new MimeMessage { Subject = subject };
        message.From.Add(new MailboxAddress("Petitions", "petitions@example.org"));
        message.To.Add(new MailboxAddress("Ana Pérez", "ana@example.org"));
        message.Body = new TextPart("plain") { Text = "Hello.\n.\nA line that is only a dot, to check the dot-stuffing.\n" };
        return message;
    }

    private async Task<SmtpClient> ConnectAsync()
    {
        var client = new SmtpClient { Timeout = (int)Patience.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private async Task SendAsync(MimeMessage message)
    {
        using var client = await ConnectAsync();
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
    }
}
