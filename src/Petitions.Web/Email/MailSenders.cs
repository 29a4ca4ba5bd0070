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
public sealed class ConfiguredMailSender(IOptions<SmtpOptions> smtp, IOptions<MailOptions> mail, ILogger<ConfiguredMailSender> logger) : IMailSender
{
    public IMailSession Open(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(smtp.Value.Host))
        {
            return new PickupSession(Path.GetFullPath(mail.Value.PickupDirectory));
        }

        try
        {
            return SmtpSession.Open(smtp.Value, cancellationToken);
        }
        catch (SmtpSecurityException exception)
        {
            // A configuration problem, not a passing failure: said plainly, each time it stops the mail.
            logger.LogWarning("{Reason}", exception.Message);
            throw;
        }
    }
}

/// <summary>
/// The connection would not be protected as <c>Smtp:Security</c> requires: nothing was sent (no
/// credentials either), and the messages stay in the outbox to be retried.
/// </summary>
public sealed class SmtpSecurityException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>How a connection to the SMTP server is secured.</summary>
/// <param name="Socket">What MailKit is told: TLS on connect, STARTTLS required or only when offered, or none.</param>
/// <param name="CredentialsWithoutTls">Whether credentials may be sent over a connection without TLS.</param>
public readonly record struct SmtpPlan(SecureSocketOptions Socket, bool CredentialsWithoutTls)
{
    /// <remarks>
    /// <c>Auto</c> is safe against a network that strips STARTTLS: TLS on connect on port 465, STARTTLS
    /// required for any host but a loopback relay (which may not offer it). Credentials go only over TLS,
    /// except when <c>None</c> is chosen explicitly for a relay on loopback, where no network sees them.
    /// </remarks>
    public static SmtpPlan For(SmtpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loopback = IsLoopback(options.Host);
        return options.Security switch
        {
            SmtpSecurity.None => new(SecureSocketOptions.None, loopback),
            SmtpSecurity.StartTls => new(SecureSocketOptions.StartTls, false),
            SmtpSecurity.SslOnConnect => new(SecureSocketOptions.SslOnConnect, false),
            _ when options.Port == 465 => new(SecureSocketOptions.SslOnConnect, false),
            _ when loopback => new(SecureSocketOptions.StartTlsWhenAvailable, false),
            _ => new(SecureSocketOptions.StartTls, false),
        };
    }

    /// <summary>localhost or a loopback address, by its name alone: a name that resolves to loopback may not stay so.</summary>
    public static bool IsLoopback(string? host) =>
        host is not null
        && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address)));
}

/// <summary>
/// Writes each message as an .eml file; written whole under a temporary name, then renamed. The
/// messages carry live links, so the folder is 0700 and each file 0600.
/// </summary>
public sealed class PickupSession(string directory) : IMailSession
{
    public void Send(MimeMessage message, CancellationToken cancellationToken)
    {
        Privacy.PrivateFiles.CreateFolder(directory);
        var name = string.Concat((message.MessageId ?? Guid.NewGuid().ToString("N")).Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'));
        var path = Path.Combine(directory, name + ".eml");
        var temporary = path + ".tmp";
        // Left behind by a crash mid-write: the message is written again whole.
        File.Delete(temporary);
        using (var file = Privacy.PrivateFiles.CreateFile(temporary))
        {
            // Over SMTP MailKit declares each part's transfer encoding; a file gets the same (RFC 2045: 8-bit bodies say so).
            message.Prepare(EncodingConstraint.EightBit);
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
            var plan = SmtpPlan.For(options);
            var where = $"{options.Host}:{options.Port}";
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
            try
            {
                client.Connect(options.Host!, options.Port, plan.Socket, timeout.Token);
            }
            catch (NotSupportedException exception) when (plan.Socket == SecureSocketOptions.StartTls)
            {
                throw new SmtpSecurityException(
                    $"The SMTP server {where} does not offer STARTTLS, and Smtp:Security {options.Security} requires it " +
                    "(Auto requires it of every host but loopback): no mail is sent, and it is retried later. Enable STARTTLS on the server, use port 465 (TLS on connect), " +
                    "or relay through a server on loopback.", exception);
            }

            if (!string.IsNullOrEmpty(options.Username))
            {
                if (!client.IsSecure && !plan.CredentialsWithoutTls)
                {
                    throw new SmtpSecurityException(
                        $"The connection to the SMTP server {where} has no TLS, so Smtp:Username's password is not sent: no mail is sent, " +
                        "and it is retried later. Enable STARTTLS on the server, or use port 465 (TLS on connect); " +
                        "only Smtp:Security None to a relay on loopback authenticates without TLS.");
                }

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
