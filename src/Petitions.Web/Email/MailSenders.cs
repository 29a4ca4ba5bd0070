using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Petitions.Email;

/// <summary>A connection to wherever mail goes, open for a batch of messages.</summary>
public interface IMailSession : IAsyncDisposable
{
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Whether a session kept open while idle still works (the server may have closed it): checked
    /// before it is used again, so a closed connection costs a reconnect, not a message's retry.
    /// </summary>
    Task<bool> IsAliveAsync(CancellationToken cancellationToken);
}

public interface IMailSender
{
    Task<IMailSession> OpenAsync(CancellationToken cancellationToken);
}

/// <summary>Chooses SMTP when a host is configured, otherwise the pickup folder.</summary>
public sealed class ConfiguredMailSender(IOptions<SmtpOptions> smtp, IOptions<MailOptions> mail) : IMailSender
{
    public Task<IMailSession> OpenAsync(CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(smtp.Value.Host)
            ? Task.FromResult<IMailSession>(new PickupSession(Path.GetFullPath(mail.Value.PickupDirectory)))
            : SmtpSession.OpenAsync(smtp.Value, cancellationToken);
}

/// <summary>Writes each message as an .eml file; written whole under a temporary name, then renamed.</summary>
public sealed class PickupSession(string directory) : IMailSession
{
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var name = string.Concat((message.MessageId ?? Guid.NewGuid().ToString("N")).Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'));
        var path = Path.Combine(directory, name + ".eml");
        var temporary = path + ".tmp";
        await using (var file = File.Create(temporary))
        {
            await message.WriteToAsync(file, cancellationToken);
            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public Task<bool> IsAliveAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public sealed class SmtpSession : IMailSession
{
    private readonly SmtpClient client;

    private SmtpSession(SmtpClient client) => this.client = client;

    public static async Task<IMailSession> OpenAsync(SmtpOptions options, CancellationToken cancellationToken)
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
            await client.ConnectAsync(options.Host!, options.Port, security, timeout.Token);
            if (!string.IsNullOrEmpty(options.Username))
            {
                await client.AuthenticateAsync(options.Username, options.Password ?? "", timeout.Token);
            }

            // With SIZE, MailKit formats every message twice: once to measure it for MAIL FROM's
            // optional SIZE= parameter. Our messages are a few kilobytes; a server still refuses an
            // oversized one after DATA (552, permanent).
            client.Capabilities &= ~SmtpCapabilities.Size;

            return new SmtpSession(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken) =>
        await client.SendAsync(message, cancellationToken);

    public async Task<bool> IsAliveAsync(CancellationToken cancellationToken)
    {
        if (!client.IsConnected)
        {
            return false;
        }

        try
        {
            await client.NoOpAsync(cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is IOException or SocketException or MailKit.ProtocolException
                                              or SmtpCommandException or ServiceNotConnectedException or TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(quit: true, timeout.Token);
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
