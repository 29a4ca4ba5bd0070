using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Petitions.Tests.Support;

namespace Petitions.Tests.Security;

/// <summary>Whose requests share a rate limit, and the warning when a proxy's headers are ignored.</summary>
public class ClientAddressTests
{
    [TestCase("192.0.2.7", "192.0.2.7")]
    [TestCase("::ffff:192.0.2.7", "192.0.2.7")]
    [TestCase("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [TestCase("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [TestCase("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [TestCase("::1", "::/64")]
    public void AnIpv6AddressCountsByItsSlash64AndIpv4ByItself(string address, string key) =>
        Assert.That(RateLimits.ClientKey(IPAddress.Parse(address)), Is.EqualTo(key));

    [Test]
    public async Task AddressesInOneSlash64ShareASignOnLimitAndAnotherSlash64HasItsOwn()
    {
        using var app = new PetitionsApp(settings: new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "2" });
        app.CreateClient().Dispose();
        var answers = new List<int>();
        string[] sameNetwork = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"];
        for (var i = 0; i < sameNetwork.Length; i++)
        {
            answers.Add(await SignOnFromAsync(app, sameNetwork[i], i));
        }

        answers.Add(await SignOnFromAsync(app, "2001:db8:1:3::1", 3));

        Assert.That(answers, Is.EqualTo(new[] { 202, 202, 429, 202 }));
    }

    // TestServer sets the connection's address as Kestrel would from the socket.
    private static async Task<int> SignOnFromAsync(PetitionsApp app, string address, int n)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(SignOnClient.ValidJson($"Network Organisation {n}", $"n{n}@testorganisatie.nl"));
        var context = await app.Server.SendAsync(c =>
        {
            c.Request.Method = "POST";
            c.Request.Path = $"/api/petitions/{SignOnClient.Slug}/signatures";
            c.Request.ContentType = "application/json";
            c.Request.ContentLength = body.Length;
            c.Request.Body = new MemoryStream(body);
            c.Connection.RemoteIpAddress = IPAddress.Parse(address);
        });
        return context.Response.StatusCode;
    }

    [Test]
    public async Task ForwardedHeadersFromAnUntrustedPeerAreWarnedAboutOnce()
    {
        using var logs = new CapturedLogs();
        using var app = new PetitionsApp(services: s => s.AddSingleton<ILoggerProvider>(logs));
        using var client = app.CreateClient();
        (await client.GetAsync("/")).Dispose();
        Assert.That(Warnings(logs), Is.Empty, "no warning without the headers");

        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            request.Headers.Add("X-Forwarded-Proto", "https");
            (await client.SendAsync(request)).Dispose();
        }

        Assert.That(Warnings(logs), Has.Count.EqualTo(1));
        Assert.That(Warnings(logs).Single(), Does.StartWith("Warning").And.Contain("Petitions:TrustedProxies"));
    }

    [Test]
    public async Task ForwardedHeadersFromATrustedProxyAreNotWarnedAbout()
    {
        using var logs = new CapturedLogs();
        using var app = new PetitionsApp(
            settings: new Dictionary<string, string?> { ["Petitions:TrustedProxies"] = "192.0.2.10" },
            services: s => s.AddSingleton<ILoggerProvider>(logs));
        app.CreateClient().Dispose();

        var context = await app.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/";
            c.Request.Headers["X-Forwarded-For"] = "203.0.113.1";
            c.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.10");
        });

        Assert.That(context.Response.StatusCode, Is.EqualTo(200));
        Assert.That(Warnings(logs), Is.Empty);
    }

    private static List<string> Warnings(CapturedLogs logs) =>
        logs.Lines.Where(l => l.Contains("X-Forwarded-For", StringComparison.Ordinal) && l.Contains("TrustedProxies", StringComparison.Ordinal)).ToList();
}
