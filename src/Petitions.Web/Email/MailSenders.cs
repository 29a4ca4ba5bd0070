using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Petitions.Email;

/// <summary>A connection to wherever mail goes, open for a batch of messages.</summary>
/// <remarks>
/// Synchronous: the dispatcher's lanes are threads of their own (see <see cref="OutboxDispatcher"/>), so a
/// message's round trips to the server wait on the socket, not in the thread pool's queue behind the
/// requests' work.
/// </remarks>
public interface IMailSession : IDisposable
{
    void Send(MimeMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Whether a session kept open while idle still works (the server may have closed it): checked
    /// before it is used again, so a closed connection costs a reconnect, not a message's retry.
    /// </summary>
    bool IsAlive(CancellationToken cancellationToken);
}

public interface IMailSender
{
    IMailSession Open(CancellationToken cancellationToken);
}

/// <summary>Chooses SMTP when a host is configured, otherwise the pickup folder.</summary>
public sealed class ConfiguredMailSender(IOptions<SmtpOptions> smtp, IOptions<MailOptions> mail) : IMailSender
{
    public IMailSession Open(CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(smtp.Value.Host)
            ? new PickupSession(Path.GetFullPath(mail.Value.PickupDirectory))
            : SmtpSession.Open(smtp.Value, cancellationToken);
}

/// <summary>Writes each message as an .eml file; written whole under a temporary name, then renamed.</summary>
public sealed class PickupSession(string directory) : IMailSession
{
    public void Send(MimeMessage message, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var name = string.Concat((message.MessageId ?? Guid.NewGuid().ToString("N")).Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'));
        var path = Path.Combine(directory, name + ".eml");
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        {
            message.WriteTo(file, cancellationToken);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public bool IsAlive(CancellationToken cancellationToken) => true;

    public void Dispose()
    {
    }
}

public sealed class SmtpSession : IMailSession
{
    private readonly SmtpClient client;
    private readonly TimeSpan timeout;

    private SmtpSession(SmtpClient client, TimeSpan timeout)
    {
        this.client = client;
        this.timeout = timeout;
    }

    public static IMailSession Open(SmtpOptions options, CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = options.TimeoutSeconds * 1000 };
        try
        {
            var security = options.Security switch
            {
                SmtpSecurity.None => SecureSocketOptions.None,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.Auto,
            };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
            client.Connect(options.Host!, options.Port, security, timeout.Token);
            if (!string.IsNullOrEmpty(options.Username))
            {
                client.Authenticate(options.Username, options.Password ?? "", timeout.Token);
            }

            // With SIZE, MailKit formats every message twice: once to measure it for MAIL FROM's
            // optional SIZE= parameter. Our messages are a few kilobytes; a server still refuses an
            // oversized one after DATA (552, permanent).
            client.Capabilities &= ~SmtpCapabilities.Size;

            return new SmtpSession(client, TimeSpan.FromSeconds(options.TimeoutSeconds));
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <remarks>
    /// Given a token that can be cancelled, MailKit's synchronous calls wait for the server's answer
    /// until it is cancelled, not for the client's <c>Timeout</c>: each call gets the timeout as a token.
    /// </remarks>
    public void Send(MimeMessage message, CancellationToken cancellationToken) =>
        WithinTimeout(token => client.Send(message, token), cancellationToken);

    public bool IsAlive(CancellationToken cancellationToken)
    {
        if (!client.IsConnected)
        {
            return false;
        }

        try
        {
            WithinTimeout(client.NoOp, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is IOException or SocketException or MailKit.ProtocolException
                                              or SmtpCommandException or ServiceNotConnectedException or TimeoutException)
        {
            return false;
        }
    }

    private void WithinTimeout(Action<CancellationToken> call, CancellationToken cancellationToken)
    {
        using var limited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limited.CancelAfter(timeout);
        try
        {
            call(limited.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The SMTP server did not answer within {timeout.TotalSeconds:0} s.");
        }
    }

    public void Dispose()
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                client.Disconnect(quit: true, timeout.Token);
            }
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or MailKit.ProtocolException or SmtpCommandException)
        {
            // The messages were sent or their failure recorded; a failed QUIT changes nothing.
        }
        finally
        {
            client.Dispose();
        }
    }
}
