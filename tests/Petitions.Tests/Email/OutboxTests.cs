using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Email;

/// <summary>Email through the outbox to a real SMTP server on 127.0.0.1, working and failing.</summary>
public partial class OutboxTests
{
    private SmtpServer smtp = null!;
    private PetitionsApp app = null!;
    private HttpClient client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        smtp = await SmtpServer.StartNewAsync();
        app = new PetitionsApp(settings: smtp.AppSettings(
            ("Smtp:TimeoutSeconds", "5"),
            ("Mail:From", "Petitions <letters@petitions.example.org>")));
        client = app.CreateClient(new() { AllowAutoRedirect = false });
    }

    [TearDown]
    public async Task StopAsync()
    {
        client.Dispose();
        app.Dispose();
        await smtp.DisposeAsync();
    }

    private async Task SignAsync(string email = "kari@smtp-test.example.org")
    {
        using var response = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("SMTP Test Organisation", email));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    private async Task<(string Status, long Attempts, string? Error, string MessageId)> OutboxRowAsync()
    {
        await using var connection = await app.Db.OpenAsync();
        return await connection.QuerySingleAsync<(string, long, string?, string)>(
            "SELECT status, attempts, last_error, message_id FROM outbox ORDER BY id LIMIT 1");
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Waited {timeout} in vain. Outbox: {await OutboxRowAsync()}");
            }

            await Task.Delay(100);
        }
    }

    [Test]
    public async Task TheWholeLoopSignReceiveOpenConfirmAndBeListed()
    {
        await SignAsync();

        var mail = (await smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)))[0];
        Assert.That(mail.Recipients, Is.EqualTo(new[] { "kari@smtp-test.example.org" }));
        Assert.That(mail.Message.From.ToString(), Does.Contain("letters@petitions.example.org"));
        Assert.That(mail.Message.Subject, Does.Contain("Petition to the International Association of Prosecutors"));
        Assert.That(mail.Message.HtmlBody, Does.Contain("Confirm the signature"));
        var link = ConfirmLink().Match(mail.Message.TextBody ?? "").Value;
        Assert.That(link, Does.StartWith("http://localhost/confirm/"));
        var path = new Uri(link).AbsolutePath;

        var page = await client.GetStringAsync(path);
        Assert.That(await client.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Not.Contain("SMTP Test Organisation"), "GET confirms nothing");
        var antiforgery = SignOnClient.Antiforgery(page);
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", antiforgery)]);
        using var confirmed = await client.PostAsync(path, form);

        Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await client.GetStringAsync("/petitions/iap-2017"), Does.Contain("<li>SMTP Test Organisation, Utrecht</li>"));
        Assert.That(await client.GetStringAsync("/api/petitions/iap-2017/signatories"), Does.Contain("\"organisation\":\"SMTP Test Organisation\",\"city\":\"Utrecht\",\"country\":\"NL\""));
        var listed = await smtp.WaitForMessagesAsync(2, TimeSpan.FromSeconds(30));
        Assert.That(listed[1].Message.Subject, Does.StartWith("Signed:"));
    }

    [Test]
    public async Task WithSmtpDownSigningStillWorksAndTheMailArrivesOnceWhenItReturns()
    {
        await smtp.StopAsync();

        await SignAsync();
        await WaitUntilAsync(async () => (await OutboxRowAsync()).Attempts >= 1, TimeSpan.FromSeconds(30));
        var failed = await OutboxRowAsync();
        Assert.That(failed.Status, Is.EqualTo("pending"), "a refused connection is transient");
        await smtp.StartAsync();

        var mails = await smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60));
        await WaitUntilAsync(async () => (await OutboxRowAsync()).Status == "sent", TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.That(smtp.Messages, Has.Count.EqualTo(1), "once, not twice");
        Assert.That(mails[0].Message.MessageId, Is.EqualTo((await OutboxRowAsync()).MessageId));
    }

    [Test]
    public async Task APermanentRefusalMarksTheEmailFailedWithoutRetrying()
    {
        smtp.SetMode(SmtpMode.PermFail);

        await SignAsync();
        await WaitUntilAsync(async () => (await OutboxRowAsync()).Status == "failed", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(7));

        var row = await OutboxRowAsync();
        Assert.That(row.Attempts, Is.EqualTo(1), "no retry storm");
        Assert.That(row.Error, Does.StartWith("550"));
        Assert.That(smtp.Messages, Is.Empty);
    }

    [Test]
    public async Task ATemporaryRefusalIsRetriedLaterWithTheSameMessageId()
    {
        smtp.SetMode(SmtpMode.TempFail);

        await SignAsync();
        await WaitUntilAsync(async () => (await OutboxRowAsync()).Attempts >= 1, TimeSpan.FromSeconds(30));
        var deferred = await OutboxRowAsync();
        Assert.That(deferred.Status, Is.EqualTo("pending"));
        Assert.That(deferred.Error, Does.StartWith("451"));
        smtp.SetMode(SmtpMode.Accept);

        var mails = await smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60));

        Assert.That(mails[0].Message.MessageId, Is.EqualTo(deferred.MessageId));
        // The dispatcher records a send with its next claim, moments after the server took the message.
        await WaitUntilAsync(async () => (await OutboxRowAsync()).Status == "sent", TimeSpan.FromSeconds(10));
        Assert.That((await OutboxRowAsync()).Status, Is.EqualTo("sent"));
    }

    [Test]
    public async Task ADroppedConnectionAfterTheMessageIsRetried()
    {
        smtp.SetMode(SmtpMode.DropAfterData);

        await SignAsync();
        await WaitUntilAsync(async () => (await OutboxRowAsync()).Attempts >= 1, TimeSpan.FromSeconds(30));
        Assert.That((await OutboxRowAsync()).Status, Is.EqualTo("pending"));
        smtp.SetMode(SmtpMode.Accept);

        var mails = await smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60));

        Assert.That(mails[0].Message.MessageId, Is.EqualTo((await OutboxRowAsync()).MessageId));
    }

    [Test]
    public async Task AServerSlowerThanTheTimeoutIsATransientFailureAndSigningKeepsItsPace()
    {
        smtp.SetMode(SmtpMode.Slow(TimeSpan.FromSeconds(8)));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await SignAsync();
        watch.Stop();
        await WaitUntilAsync(async () => (await OutboxRowAsync()).Attempts >= 1, TimeSpan.FromSeconds(40));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "the sign-on does not wait for the mail server");
        Assert.That((await OutboxRowAsync()).Status, Is.EqualTo("pending"));
        smtp.SetMode(SmtpMode.Accept);

        var mails = await smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60));

        Assert.That(mails[0].Message.MessageId, Is.EqualTo((await OutboxRowAsync()).MessageId));
    }

    [Test]
    public void TheBackoffDoublesAndIsCapped()
    {
        var first = global::Petitions.Email.OutboxDispatcher.Backoff(1);
        var third = global::Petitions.Email.OutboxDispatcher.Backoff(3);
        var hundredth = global::Petitions.Email.OutboxDispatcher.Backoff(100);

        Assert.That(first, Is.InRange(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6)));
        Assert.That(third, Is.InRange(TimeSpan.FromSeconds(16), TimeSpan.FromSeconds(24)));
        Assert.That(hundredth, Is.InRange(TimeSpan.FromMinutes(48), TimeSpan.FromMinutes(72)));
    }

    [GeneratedRegex(@"http://localhost/confirm/[A-Za-z0-9_-]{43}")]
    private static partial Regex ConfirmLink();

}
