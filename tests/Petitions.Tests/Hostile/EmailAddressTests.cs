using System.Globalization;
using System.Net;
using Dapper;
using MimeKit;
using Petitions.Tests.Support;

namespace Petitions.Tests.Hostile;

/// <summary>
/// Addresses built to smuggle in a second recipient or a header, at and past the lengths SMTP
/// allows, in Unicode and quoted: refused naming the field, or delivered to exactly one mailbox.
/// </summary>
[Parallelizable(ParallelScope.Self)]
public sealed class EmailAddressTests
{
    private const string Refused = "refused";
    private const string Accepted = "accepted";
    private const string Either = "refused, or accepted for one recipient";

    private static readonly string Local64 = new('l', 64);

    // 64 + 1 + 189 = 254, in labels of at most 63.
    private static readonly string Domain189 = $"{new string('a', 63)}.{new string('b', 63)}.{new string('c', 58)}.nl";
    private static readonly string Domain190 = $"{new string('a', 63)}.{new string('b', 63)}.{new string('c', 59)}.nl";

    private PetitionsApp app = null!;
    private HttpClient client = null!;
    private readonly List<(string Name, string Address, string Expected, string? Domain, Answer Answer)> sent = [];

    /// <summary>name, address, what should happen, and the ASCII domain an accepted address is delivered to.</summary>
    public static IEnumerable<(string Name, string Address, string Expected, string? Domain)> Corpus()
    {
        yield return ("display name that is an address", "\"a@b.org\" <evil@x.org>", Refused, null);
        yield return ("address then another in brackets", "evil@x.org <a@b.org>", Refused, null);
        yield return ("bracketed address alone", "<a@b.org>", Refused, null);
        yield return ("encoded-word display name", "=?utf-8?B?ZXZpbEB4Lm9yZw==?= <a@b.org>", Refused, null);
        yield return ("CRLF Bcc injection", "anna@injection.example.org\r\nBcc: evil@x.org", Refused, null);
        yield return ("LF Bcc injection", "anna@injection.example.org\nBcc: evil@x.org", Refused, null);
        yield return ("CR Bcc injection", "anna@injection.example.org\rBcc: evil@x.org", Refused, null);
        yield return ("NEL Bcc injection", "anna@injection.example.org\u0085Bcc: evil@x.org", Refused, null);
        yield return ("line separator Bcc injection", "anna@injection.example.org\u2028Bcc: evil@x.org", Refused, null);
        yield return ("NUL then Bcc", "anna@injection.example.org\0Bcc: evil@x.org", Refused, null);
        yield return ("comma list", "anna@list.example.org,evil@x.org", Refused, null);
        yield return ("semicolon list", "anna@list.example.org;evil@x.org", Refused, null);
        yield return ("group syntax", "undisclosed-recipients:evil@x.org;", Refused, null);
        yield return ("comment with a space", "anna@comment.example.org (evil@x.org)", Refused, null);
        yield return ("65-character local part", new string('l', 65) + "@length.example.org", Refused, null);
        yield return ("255 characters", Local64 + "@" + Domain190, Refused, null);
        yield return ("64-character local part", Local64 + "@length.example.org", Accepted, "length.example.org");
        yield return ("254 characters", Local64 + "@" + Domain189, Accepted, Domain189);
        yield return ("IDN domain", "anna@bücher.example", Accepted, "xn--bcher-kva.example");
        yield return ("IDN domain in capitals", "ANNA@BÜCHER.EXAMPLE", Accepted, "xn--bcher-kva.example");
        yield return ("punycode domain", "anna@xn--bcher-kva.example", Accepted, "xn--bcher-kva.example");
        yield return ("Unicode local part", "ána@unicode.example.org", Either, "unicode.example.org");
        yield return ("quoted local part", "\"anna\"@quoted.example.org", Either, "quoted.example.org");
        yield return ("quoted local part holding an address", "\"evil@x.org\"@quoted.example.org", Either, "quoted.example.org");
        yield return ("quoted local part holding brackets", "\"<evil@x.org>\"@quoted.example.org", Either, "quoted.example.org");
        yield return ("quoted local part holding a comma", "\"a,evil@x.org\"@quoted.example.org", Either, "quoted.example.org");
        yield return ("quoted local part with an escaped quote", "\"a\\\"b\"@quoted.example.org", Either, "quoted.example.org");
        yield return ("quoted local part with a space", "\"anna smith\"@quoted.example.org", Either, "quoted.example.org");
        yield return ("quoted local part with CRLF", "\"a\r\nBcc: evil@x.org\"@quoted.example.org", Refused, null);
        yield return ("two at signs", "evil@x.org@twice.example.org", Either, "twice.example.org");
        yield return ("comment without a space", "anna@comment.example.org(evil@x.org)", Either, "comment.example.org");
        yield return ("comment before the address", "(evil@x.org)anna@comment.example.org", Either, "comment.example.org");
        yield return ("encoded word as the local part", "=?utf-8?q?evil=40x.org?=@encoded.example.org", Either, "encoded.example.org");
        yield return ("percent-encoded CRLF", "anna@percent.example.org%0d%0aBcc:evil@x.org", Either, null);
        yield return ("domain literal", "anna@[192.0.2.1]", Either, "[192.0.2.1]");
        yield return ("trailing dot", "anna@dot.example.org.", Either, "dot.example.org");
    }

    public static IEnumerable<TestCaseData> Cases() => Corpus().Select(c => new TestCaseData(c.Name).SetArgDisplayNames(c.Name));

    [OneTimeSetUp]
    public async Task StartAppAndSignWithEveryAddress()
    {
        app = new PetitionsApp();
        client = app.CreateClient(new() { AllowAutoRedirect = false });
        var i = 0;
        foreach (var (name, address, expected, domain) in Corpus())
        {
            var body = Probe.Valid(string.Create(CultureInfo.InvariantCulture, $"email-{i++}"));
            body["contactEmail"] = address;
            sent.Add((name, address, expected, domain, await Probe.SendJsonAsync(app, client, "contactEmail", address, body)));
        }
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
    }

    [TestCaseSource(nameof(Cases))]
    public async Task TheAddressIsRefusedNamingTheFieldOrDeliveredToExactlyOneMailbox(string name)
    {
        var (_, address, expected, domain, answer) = sent.Single(s => s.Name == name);

        Assert.That(Probe.JudgeJson(answer), Is.Null);
        if (expected == Refused)
        {
            Assert.That(answer.Status, Is.EqualTo((int)HttpStatusCode.BadRequest), answer.Describe());
            return;
        }

        if (expected == Accepted)
        {
            Assert.That(answer.Status, Is.EqualTo((int)HttpStatusCode.Accepted), answer.Describe());
        }

        if (answer.IsRefusal)
        {
            return;
        }

        var index = sent.FindIndex(s => s.Name == name);
        List<(string ToAddress, string MessageId, string Status)> rows;
        await using (var connection = await app.Db.OpenAsync())
        {
            rows = (await connection.QueryAsync<(string, string, string)>("""
                SELECT q.to_address, q.message_id, q.status FROM outbox q
                JOIN signatures s ON s.id = q.signature_id JOIN organisations o ON o.id = s.organisation_id
                WHERE o.name = @organisation
                """, new { organisation = string.Create(CultureInfo.InvariantCulture, $"Hostile Probe email-{index}") })).ToList();
        }

        var messages = await Delivered.MessagesAsync(app);
        Assert.That(rows, Has.Count.EqualTo(1), "one confirmation email");
        var row = rows[0];
        Assert.That(row.Status, Is.EqualTo("sent"), $"the address stored ({HostileData.Show(row.ToAddress)}) can be sent to");
        Assert.That(InternetAddressList.TryParse(row.ToAddress, out var stored) ? stored.Mailboxes.Count() : 0, Is.EqualTo(1), HostileData.Show(row.ToAddress));
        var storedMailbox = stored!.Mailboxes.Single();
        var message = messages.Single(m => m.MessageId == row.MessageId);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.To.Mailboxes.Select(m => m.Address), Has.Exactly(1).Items, "one recipient");
            Assert.That(message.Headers.Count(h => h.Id == HeaderId.To), Is.EqualTo(1), "one To header");
            Assert.That(message.Headers.Where(h => h.Id is HeaderId.Cc or HeaderId.Bcc or HeaderId.ResentTo or HeaderId.ResentCc or HeaderId.ResentBcc)
                .Select(h => h.ToString()), Is.Empty, "no other recipient header");
        }

        var delivered = message.To.Mailboxes.Single();
        Assert.That(AsciiDomain(delivered.Domain), Is.EqualTo(AsciiDomain(storedMailbox.Domain)),
            $"the mail goes where the outbox says: {HostileData.Show(row.ToAddress)} and {HostileData.Show(delivered.Address)}");
        if (domain is not null)
        {
            Assert.That(AsciiDomain(delivered.Domain), Is.EqualTo(domain), $"delivered to {HostileData.Show(delivered.Address)}");
        }

        if (domain == "xn--bcher-kva.example")
        {
            Assert.That(row.ToAddress, Is.AnyOf("anna@bücher.example", "anna@xn--bcher-kva.example", "ANNA@bücher.example", "ANNA@xn--bcher-kva.example"));
        }
        else if (expected == Accepted)
        {
            Assert.That(row.ToAddress, Is.EqualTo(address[..address.LastIndexOf('@')] + "@" + domain), "stored as sent, the domain in lower case");
        }
    }

    [Test]
    public async Task AnAddressStartingWithAFormulaTriggerIsInertInTheCsv()
    {
        using var coordinator = await Coordinator.ClientAsync(app);
        string[] addresses = ["=1+2@formula.example.org", "+1@formula.example.org", "-1@formula.example.org", "=cmd|calc!A0@formula.example.org"];
        for (var i = 0; i < addresses.Length; i++)
        {
            var body = Probe.Valid(string.Create(CultureInfo.InvariantCulture, $"formula-email-{i}"));
            body["contactEmail"] = addresses[i];
            var answer = await Probe.SendJsonAsync(app, client, "contactEmail", addresses[i], body);
            Assert.That(Probe.JudgeJson(answer), Is.Null);
        }

        var records = SpreadsheetCsv.Parse(await coordinator.GetByteArrayAsync($"/api/petitions/{SignOnClient.Slug}/signatures.csv"));

        Assert.That(SpreadsheetCsv.Problems(records), Is.Empty);
    }

    private static string AsciiDomain(string domain)
    {
        try
        {
            return new IdnMapping().GetAscii(domain.TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return domain.ToLowerInvariant();
        }
    }
}
