using System.Net;
using Dapper;
using MailKit.Security;
using Petitions.Email;
using Petitions.Tests.Support;

namespace Petitions.Tests.Email;

/// <summary>
/// Smtp:Security against the real test SMTP server, which offers AUTH without TLS and no STARTTLS:
/// the shape of a server whose STARTTLS a network stripped.
/// </summary>
public class SmtpSecurityTests
{
    [Test]
    public async Task AutoNeverSendsCredentialsWithoutTlsAndKeepsTheMessageForLater()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        using var app = new PetitionsApp(settings: smtp.AppSettings(
            ("Smtp:Security", "Auto"), ("Smtp:Username", "relay-user"), ("Smtp:Password", "relay-secret"), ("Smtp:TimeoutSeconds", "5")));
        using var client = app.CreateClient();

        await SignAsync(client);
        var row = await WaitForFirstAttemptAsync(app);

        Assert.That(smtp.Authentications, Is.Empty, "credentials went over a connection without TLS");
        Assert.That(smtp.Messages, Is.Empty);
        Assert.That(row.Status, Is.EqualTo("pending"), "a security refusal is retried, not given up");
        Assert.That(row.Error, Does.Contain("no TLS").And.Contain("password is not sent"));
    }

    [Test]
    public async Task ExplicitStartTlsRefusesAServerThatDoesNotOfferIt()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        using var app = new PetitionsApp(settings: smtp.AppSettings(("Smtp:Security", "StartTls"), ("Smtp:TimeoutSeconds", "5")));
        using var client = app.CreateClient();

        await SignAsync(client);
        var row = await WaitForFirstAttemptAsync(app);

        Assert.That(smtp.Messages, Is.Empty);
        Assert.That(row.Status, Is.EqualTo("pending"));
        Assert.That(row.Error, Does.Contain("does not offer STARTTLS"));
    }

    [Test]
    public async Task ExplicitNoneToALoopbackRelayAuthenticatesAndSends()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        using var app = new PetitionsApp(settings: smtp.AppSettings(
            ("Smtp:Security", "None"), ("Smtp:Username", "relay-user"), ("Smtp:Password", "relay-secret")));
        using var client = app.CreateClient();

        await SignAsync(client);
        await smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));

        Assert.That(smtp.Authentications, Has.Count.EqualTo(1));
        Assert.That(smtp.Authentications[0], Does.Contain("relay-user"));
    }

    [TestCase(SmtpSecurity.Auto, "smtp.example.org", 465, SecureSocketOptions.SslOnConnect, false)]
    [TestCase(SmtpSecurity.Auto, "smtp.example.org", 587, SecureSocketOptions.StartTls, false)]
    [TestCase(SmtpSecurity.Auto, "smtp.example.org", 25, SecureSocketOptions.StartTls, false)]
    [TestCase(SmtpSecurity.Auto, "127.0.0.1", 25, SecureSocketOptions.StartTlsWhenAvailable, false)]
    [TestCase(SmtpSecurity.Auto, "localhost", 25, SecureSocketOptions.StartTlsWhenAvailable, false)]
    [TestCase(SmtpSecurity.Auto, "::1", 25, SecureSocketOptions.StartTlsWhenAvailable, false)]
    [TestCase(SmtpSecurity.Auto, "localhost.example.org", 25, SecureSocketOptions.StartTls, false)]
    [TestCase(SmtpSecurity.StartTls, "127.0.0.1", 25, SecureSocketOptions.StartTls, false)]
    [TestCase(SmtpSecurity.SslOnConnect, "smtp.example.org", 465, SecureSocketOptions.SslOnConnect, false)]
    [TestCase(SmtpSecurity.None, "127.0.0.1", 25, SecureSocketOptions.None, true)]
    [TestCase(SmtpSecurity.None, "smtp.example.org", 25, SecureSocketOptions.None, false)]
    public void EachSettingSecuresTheConnectionAsDocumented(SmtpSecurity security, string host, int port, SecureSocketOptions socket, bool credentialsWithoutTls)
    {
        var plan = SmtpPlan.For(new SmtpOptions { Security = security, Host = host, Port = port });

        Assert.That(plan, Is.EqualTo(new SmtpPlan(socket, credentialsWithoutTls)));
    }

    private static async Task SignAsync(HttpClient client)
    {
        using var response = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("SMTP Security Organisation", "kari@smtp-security.example.org"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    /// <summary>Waits for the dispatcher's first attempt at the confirmation email to be recorded.</summary>
    private static async Task<(string Status, long Attempts, string? Error)> WaitForFirstAttemptAsync(PetitionsApp app)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using (var connection = await app.Db.OpenAsync())
            {
                var row = await connection.QuerySingleAsync<(string Status, long Attempts, string? Error)>(
                    "SELECT status, attempts, last_error FROM outbox ORDER BY id LIMIT 1");
                if (row.Attempts > 0 || row.Status != "pending")
                {
                    return row;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("The dispatcher made no attempt at the email within 30 s.");
            }

            await Task.Delay(100);
        }
    }
}
