using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Petitions.Tests.Support;

namespace Petitions.Tests.Hostile;

/// <summary>
/// Requests no browser or well-behaved client sends: NUL and broken UTF-8, broken JSON and
/// multipart bodies, repeated fields, the wrong content type, bodies far too large. Each is
/// refused (400, 413 or 415, or the form again with 400); none is a server error; none stores anything.
/// </summary>
[Parallelizable(ParallelScope.Self)]
public sealed class MalformedHttpTests
{
    private const string JsonPath = "/api/petitions/iap-2017/signatures";
    private const string FormPath = "/petitions/iap-2017/sign";

    private static readonly int[] Refusals = [400, 413, 415];

    private readonly CapturedLogs logs = new();
    private PetitionsApp app = null!;
    private HttpClient client = null!;
    private string token = "";

    /// <summary>A request, made with the antiforgery token of this client's page when it needs one.</summary>
    public sealed record Case(string Name, Func<string, HttpRequestMessage> Request, int[] Expected, string? Field = null)
    {
        public override string ToString() => Name;
    }

    [OneTimeSetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp(services: s => s.AddSingleton<ILoggerProvider>(logs));
        client = app.CreateClient(new() { AllowAutoRedirect = false });
        token = await Probe.AntiforgeryTokenAsync(client);
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
        logs.Dispose();
    }

    public static IEnumerable<TestCaseData> JsonCases() => ToData(JsonRequests());

    public static IEnumerable<TestCaseData> FormCases() => ToData(FormRequests());

    [TestCaseSource(nameof(JsonCases))]
    public async Task TheJsonApiRefusesItWithoutAServerErrorAndStoresNothing(Case @case)
    {
        var answer = await SendAsync(@case);

        Assert.That(answer.Status, Is.AnyOf(@case.Expected.Cast<object>().ToArray()), answer.Describe());
        Assert.That(answer.Stored, Is.False, "nothing stored, no email queued");
        Assert.That(answer.MediaType, Is.EqualTo("application/problem+json"), answer.Describe());
        if (@case.Field is not null)
        {
            var errors = JsonDocument.Parse(answer.Body).RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name);
            Assert.That(errors, Does.Contain(@case.Field), answer.Describe());
        }
    }

    [TestCaseSource(nameof(FormCases))]
    public async Task TheFormRefusesItWithoutAServerErrorAndStoresNothing(Case @case)
    {
        var answer = await SendAsync(@case);

        Assert.That(answer.Status, Is.AnyOf(@case.Expected.Cast<object>().ToArray()), answer.Describe());
        Assert.That(answer.Stored, Is.False, "nothing stored, no email queued");
        if (@case.Field is not null)
        {
            Assert.That(answer.Body, Does.Contain($"id=\"{@case.Field}-error\""), "the form again, with a message by the field");
        }

        Assert.That(Markup.Dangers(answer.Body), Is.Empty);
    }

    /// <summary>
    /// A percent-escape that does not decode to UTF-8 (no browser sends one: it escapes the '%'):
    /// ASP.NET Core keeps the escape as text. Refused, or kept exactly as that text; never garbled.
    /// </summary>
    [TestCase("organisation", "Stichting%FF%FETest", "Stichting%FF%FETest")]
    [TestCase("city", "Utr%C3%28echt", "Utr%C3(echt")]
    [TestCase("contactName", "Anna%ED%A0%80", "Anna%ED%A0%80")]
    [TestCase("contactRole", "Direct%E9rice", "Direct%E9rice")]
    [TestCase("website", "https%3A%2F%2Fwww.testorganisatie.nl%2F%C0%AF", "https://www.testorganisatie.nl/%C0%AF")]
    public async Task AnEscapeThatIsNotUtf8IsRefusedOrKeptAsTextNeverGarbled(string field, string escaped, string literal)
    {
        var tag = "escape-" + field.ToLowerInvariant();
        var fields = Probe.FormFields(Probe.Valid(tag));
        var body = string.Join('&', fields.Prepend(new("__RequestVerificationToken", token))
            .Select(f => Uri.EscapeDataString(f.Key) + "=" + (f.Key == field ? escaped : Uri.EscapeDataString(f.Value))));
        using var request = Post(FormPath, Encoding.ASCII.GetBytes(body), "application/x-www-form-urlencoded");

        var answer = await SendAsync(new Case(field, _ => request, Refusals));

        Assert.That(answer.Status, Is.AnyOf(303, 400), answer.Describe());
        if (answer.Status == 400)
        {
            Assert.That(answer.Stored, Is.False);
            return;
        }

        await using var connection = await app.Db.OpenAsync();
        var stored = await connection.QuerySingleAsync<(string Organisation, string? City, string? ContactName, string? ContactRole, string? Website)>("""
            SELECT o.name, o.city, s.contact_name, s.contact_role, s.website FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.contact_email = @email
            """, new { email = fields.Single(f => f.Key == "contactEmail").Value });
        var value = field switch
        {
            "organisation" => stored.Organisation,
            "city" => stored.City,
            "contactName" => stored.ContactName,
            "contactRole" => stored.ContactRole,
            _ => stored.Website,
        };
        Assert.That(value, Is.EqualTo(literal), "kept as the text that was sent");
    }

    [Test]
    public async Task AValidSignOnStillWorksAfterAllThis()
    {
        using var json = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("After The Storm", "a@after-the-storm.example.org"));
        using var form = await SignOnClient.PostFormAsync(client, SignOnClient.ValidJson("After The Storm Form", "b@after-the-storm.example.org"));

        Assert.That(json.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(form.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
    }

    private async Task<Answer> SendAsync(Case @case)
    {
        using var request = @case.Request(token);
        var before = logs.Lines.Count;
        var answer = await Probe.SendRawAsync(app, client, "", @case.Name, request);
        // A server error shows the exception the app logged, so the failure says where to look.
        var errors = logs.Lines.Skip(before).Where(l => l.StartsWith("Error", StringComparison.Ordinal)).Select(l => l.Split('\n')[0]);
        return answer.IsServerError ? answer with { Body = answer.Body + " | logged: " + string.Join(" | ", errors) } : answer;
    }

    private static IEnumerable<TestCaseData> ToData(IEnumerable<Case> cases) =>
        cases.Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    // ---- The JSON API ----

    private static IEnumerable<Case> JsonRequests()
    {
        foreach (var (field, value) in new[]
        {
            ("organisation", "Org\0anisation"), ("city", "Utr\0echt"), ("country", "N\0L"), ("contactName", "Anna\0de Vries"),
            ("contactRole", "Dir\0ector"), ("contactEmail", "anna\0@testorganisatie.nl"), ("website", "https://www.test\0organisatie.nl"),
            ("comment", "We support\0this letter."),
        })
        {
            yield return new($"NUL escaped in {field}", _ => Json(Body(field, value)), [400], field);
        }

        yield return new("a raw NUL byte inside a string", _ => Json(Bytes(Body(), "Stichting Testorganisatie", [0x53, 0x00, 0x54])), [400]);
        yield return new("a lone high surrogate escaped in organisation", _ => Json(Replace(Body(), "Stichting Testorganisatie", "Stichting \\uD800")), [400]);
        yield return new("a lone low surrogate escaped in comment", _ => Json(Replace(Body(), "We support this letter.", "\\uDC00 support")), [400]);
        yield return new("reversed surrogates escaped in city", _ => Json(Replace(Body(), "Utrecht", "\\uDE00\\uD83D")), [400]);
        yield return new("byte FF inside organisation", _ => Json(Bytes(Body(), "Stichting Testorganisatie", [0x53, 0xFF, 0x54])), [400]);
        yield return new("a truncated sequence inside city", _ => Json(Bytes(Body(), "Utrecht", [0x55, 0xC3, 0x28])), [400]);
        yield return new("an overlong slash inside website", _ => Json(Bytes(Body(), "https://www.testorganisatie.nl", [0x68, 0xC0, 0xAF])), [400]);
        yield return new("an encoded surrogate inside contactName", _ => Json(Bytes(Body(), "Anna de Vries", [0x41, 0xED, 0xA0, 0x80])), [400]);
        yield return new("a sequence cut off at the end of comment", _ => Json(Bytes(Body(), "We support this letter.", [0x57, 0xE2, 0x82])), [400]);
        yield return new("byte FF before the object", _ => Json([0xFF, .. Encoding.UTF8.GetBytes(Body())]), [400]);
        yield return new("Latin-1 bytes declared as UTF-8", _ => Json(Encoding.Latin1.GetBytes(Replace(Body(), "Utrecht", "Zürich"))), [400]);

        foreach (var (name, text) in new[]
        {
            ("an empty body", ""), ("only white space", "  \n "), ("an unclosed object", "{"), ("a missing value", "{\"organisation\":}"),
            ("an array", "[]"), ("null", "null"), ("a string", "\"sign me\""), ("a number", "42"), ("a trailing comma", "{\"organisation\":\"x\",}"),
            ("single quotes", "{'organisation':'x'}"), ("a comment", "{\"organisation\":\"x\" /* hi */}"), ("NaN", "{\"comment\":NaN}"),
            ("two objects", Body() + Body()), ("an unterminated string", "{\"organisation\":\"x"), ("a bare word", "{organisation:\"x\"}"),
            ("a control character in a key", "{\"organ\u0001isation\":\"x\"}"),
            ("nesting 10 000 deep", "{\"comment\":" + new string('[', 10_000) + new string(']', 10_000) + "}"),
        })
        {
            yield return new($"malformed JSON: {name}", _ => Json(text), [400]);
        }

        foreach (var (name, field, json) in new[]
        {
            ("a number for organisation", "organisation", "1"), ("a string for consent", "consent", "\"yes\""),
            ("an object for organisation", "organisation", "{\"$ne\":null}"), ("an array for contactEmail", "contactEmail", "[\"a@b.org\",\"evil@x.org\"]"),
            ("a huge number for country", "country", "1e999"),
        })
        {
            yield return new($"wrong type: {name}", _ => Json(Raw(Body(), field, json)), [400], field);
        }

        yield return new("organisation twice", _ => Json(Body().TrimEnd('}') + ",\"organisation\":\"Another Organisation\"}"), [400]);
        yield return new("organisation twice in two cases", _ => Json(Body().TrimEnd('}') + ",\"Organisation\":\"Another Organisation\"}"), [400]);
        yield return new("contactEmail twice", _ => Json(Body().TrimEnd('}') + ",\"contactEmail\":\"evil@x.org\"}"), [400]);
        yield return new("consent false then true", _ => Json("{\"consent\":false," + Body()[1..]), [400]);

        yield return new("JSON sent as text/plain", _ => Post(JsonPath, Encoding.UTF8.GetBytes(Body()), "text/plain"), [415]);
        yield return new("XML sent as application/xml", _ => Post(JsonPath, Encoding.UTF8.GetBytes(
            "<signOn><organisation>Stichting Testorganisatie</organisation><consent>true</consent></signOn>"), "application/xml"), [415]);
        yield return new("a form sent to the JSON API", _ => Post(JsonPath, Encoding.UTF8.GetBytes("organisation=Stichting&consent=true"), "application/x-www-form-urlencoded"), [415]);
        yield return new("no content type", _ => Post(JsonPath, Encoding.UTF8.GetBytes(Body()), null), [415]);
        yield return new("a content type that is not one", _ => Post(JsonPath, Encoding.UTF8.GetBytes(Body()), "json"), [400, 415]);

        yield return new("33 KiB of JSON", _ => Json(Body("comment", new string('x', 33 * 1024))), [413]);
        yield return new("33 KiB of JSON without a length", _ => Post(JsonPath, new UnsizedContent(Encoding.UTF8.GetBytes(Body("comment", new string('x', 33 * 1024))), "application/json")), [413]);
        yield return new("2 MB of JSON", _ => Json(Body("comment", new string('x', 2_000_000))), [413]);
    }

    // ---- The form ----

    private static IEnumerable<Case> FormRequests()
    {
        foreach (var (field, value) in new[]
        {
            ("organisation", "Org\0anisation"), ("city", "Utr\0echt"), ("country", "N\0L"), ("contactName", "Anna\0de Vries"),
            ("contactRole", "Dir\0ector"), ("contactEmail", "anna\0@testorganisatie.nl"), ("website", "https://www.test\0organisatie.nl"),
            ("comment", "We support\0this letter."),
        })
        {
            // ASP.NET Core's form reader refuses a NUL before the page sees it (antiforgery answers 400).
            yield return new($"NUL in {field}", t => Form(t, Fields(field, value)), [400]);
        }

        yield return new("NUL in organisation, the token in the header", t => WithHeaderToken(t, Form(t, Fields("organisation", "Org\0anisation"))), Refusals);

        // Bytes that are not UTF-8, sent as they are (the framework reads them as U+FFFD).
        foreach (var (name, field, value) in new (string, string, byte[])[]
        {
            ("byte FF in organisation", "organisation", [.. "Stichting "u8, 0xFF, .. "Test"u8]),
            ("a truncated sequence in city", "city", [.. "Utr"u8, 0xC3, 0x28, .. "echt"u8]),
            ("an overlong slash in website", "website", [.. "https://www.testorganisatie.nl/"u8, 0xC0, 0xAF]),
            ("an encoded surrogate in contactName", "contactName", [.. "Anna"u8, 0xED, 0xA0, 0x80]),
            ("bytes FF FE in comment", "comment", [.. "fine"u8, 0xFF, 0xFE]),
            ("a Latin-1 byte in contactRole", "contactRole", [.. "Direct"u8, 0xE9, .. "rice"u8]),
            ("a sequence cut off at the end of contactEmail", "contactEmail", [.. "anna@testorganisatie.nl"u8, 0xE2, 0x82]),
        })
        {
            yield return new($"invalid UTF-8: {name}", t => Post(FormPath, FormBytes(t, field, value), "application/x-www-form-urlencoded"), [400]);
        }

        yield return new("multipart with garbage for a body", t => Post(FormPath, Encoding.UTF8.GetBytes("this is not multipart at all\r\n--x\r\n"), "multipart/form-data; boundary=x"), Refusals);
        yield return new("multipart with garbage and the token in the header",
            t => WithHeaderToken(t, Post(FormPath, Encoding.UTF8.GetBytes("this is not multipart at all\r\n--x\r\n"), "multipart/form-data; boundary=x")), Refusals);
        yield return new("multipart without a boundary and the token in the header",
            t => WithHeaderToken(t, Post(FormPath, Encoding.UTF8.GetBytes(Multipart(t, "x")), "multipart/form-data")), Refusals);
        yield return new("multipart cut off before its end", t => Post(FormPath, Encoding.UTF8.GetBytes(Multipart(t, "x")[..^40]), "multipart/form-data; boundary=x"), Refusals);
        yield return new("multipart cut off, the token in the header",
            t => WithHeaderToken(t, Post(FormPath, Encoding.UTF8.GetBytes(Multipart(t, "x")[..^40]), "multipart/form-data; boundary=x")), Refusals);
        yield return new("multipart with a header line of 100 000 characters",
            t => WithHeaderToken(t, Post(FormPath, Encoding.UTF8.GetBytes("--x\r\nContent-Disposition: form-data; name=\"" + new string('a', 100_000) + "\"\r\n\r\nv\r\n--x--\r\n"), "multipart/form-data; boundary=x")), Refusals);

        yield return new("organisation twice", t => Form(t, [.. Fields(), new("organisation", "Another Organisation")]), [400]);
        yield return new("city twice", t => Form(t, [.. Fields(), new("city", "Amsterdam")]), [400]);
        yield return new("contactEmail twice", t => Form(t, [.. Fields(), new("contactEmail", "evil@x.org")]), [400]);
        yield return new("country twice", t => Form(t, [.. Fields(), new("country", "DE")]), [400]);

        yield return new("JSON sent to the form", t => Post(FormPath, Encoding.UTF8.GetBytes(Body()), "application/json"), Refusals);
        yield return new("JSON sent to the form with the token in the header", t => WithHeaderToken(t, Post(FormPath, Encoding.UTF8.GetBytes(Body()), "application/json")), Refusals);
        yield return new("text sent to the form with the token in the header", t => WithHeaderToken(t, Post(FormPath, Encoding.UTF8.GetBytes(FormBody(t)), "text/plain")), Refusals);
        yield return new("no content type with the token in the header", t => WithHeaderToken(t, Post(FormPath, Encoding.UTF8.GetBytes(FormBody(t)), null)), Refusals);

        yield return new("2 MB in organisation", t => Form(t, Fields("organisation", new string('o', 2_000_000))), Refusals);
        yield return new("2 MB as 20 000 fields", t => Form(t, [.. Fields(), .. Enumerable.Range(0, 20_000).Select(i => new KeyValuePair<string, string>($"f{i}", new string('x', 90)))]), Refusals);
        yield return new("2 MB as 20 000 fields, the token in the header",
            t => WithHeaderToken(t, Form(t, [.. Fields(), .. Enumerable.Range(0, 20_000).Select(i => new KeyValuePair<string, string>($"f{i}", new string('x', 90)))])), Refusals);
        yield return new("a field name of 10 000 characters, the token in the header",
            t => WithHeaderToken(t, Form(t, [.. Fields(), new(new string('k', 10_000), "v")])), Refusals);
        yield return new("a 5 MB value, the token in the header", t => WithHeaderToken(t, Form(t, Fields("comment", new string('c', 5_000_000)))), Refusals);
    }

    // ---- Building requests ----

    private static string Body(string? field = null, string? value = null)
    {
        var body = SignOnClient.ValidJson("Stichting Testorganisatie", "anna@testorganisatie.nl");
        if (field is not null)
        {
            body[field] = value;
        }

        return JsonSerializer.Serialize(body);
    }

    private static string Replace(string json, string value, string replacement) =>
        json.Replace(JsonSerializer.Serialize(value), "\"" + replacement + "\"", StringComparison.Ordinal);

    private static string Raw(string json, string field, string rawValue)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node[field] = JsonNode.Parse(rawValue, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        return node.ToJsonString();
    }

    /// <summary>The JSON with a value's text replaced by raw bytes.</summary>
    private static byte[] Bytes(string json, string value, byte[] replacement)
    {
        var marker = JsonSerializer.Serialize(value);
        var at = json.IndexOf(marker, StringComparison.Ordinal);
        return [.. Encoding.UTF8.GetBytes(json[..(at + 1)]), .. replacement, .. Encoding.UTF8.GetBytes(json[(at + marker.Length - 1)..])];
    }

    private static List<KeyValuePair<string, string>> Fields(string? field = null, string? value = null)
    {
        var body = SignOnClient.ValidJson("Stichting Testorganisatie", "anna@testorganisatie.nl");
        if (field is not null)
        {
            body[field] = value;
        }

        return Probe.FormFields(body);
    }

    private static string FormBody(string token) =>
        string.Join('&', Fields().Prepend(new("__RequestVerificationToken", token)).Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));

    /// <summary>The form's body with one field's value replaced by raw bytes, as sent.</summary>
    private static byte[] FormBytes(string token, string field, byte[] value) =>
        [.. string.Join('&', Fields().Prepend(new("__RequestVerificationToken", token))
            .Select(f => Uri.EscapeDataString(f.Key) + "=" + (f.Key == field ? "\u0001" : Uri.EscapeDataString(f.Value))))
            .Split("\u0001")
            .Select(Encoding.ASCII.GetBytes)
            .Aggregate((before, after) => [.. before, .. value, .. after])];

    private static string Multipart(string token, string boundary)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in Fields().Prepend(new("__RequestVerificationToken", token)))
        {
            builder.Append(CultureInfo.InvariantCulture, $"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
        }

        return builder.Append(CultureInfo.InvariantCulture, $"--{boundary}--\r\n").ToString();
    }

    private static HttpRequestMessage Json(string json) => Post(JsonPath, Encoding.UTF8.GetBytes(json), "application/json");

    private static HttpRequestMessage Json(byte[] json) => Post(JsonPath, json, "application/json");

    private static HttpRequestMessage Form(string token, List<KeyValuePair<string, string>> fields) =>
        new(HttpMethod.Post, FormPath) { Content = new FormUrlEncodedContent(fields.Prepend(new("__RequestVerificationToken", token))) };

    private static HttpRequestMessage Post(string path, byte[] body, string? contentType)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return Post(path, content);
    }

    private static HttpRequestMessage Post(string path, HttpContent content) => new(HttpMethod.Post, path) { Content = content };

    /// <summary>The antiforgery token where a script would send it: the RequestVerificationToken header.</summary>
    private static HttpRequestMessage WithHeaderToken(string token, HttpRequestMessage request)
    {
        request.Headers.Add("RequestVerificationToken", token);
        return request;
    }

    /// <summary>A body sent without a Content-Length, as a chunked upload is.</summary>
    private sealed class UnsizedContent : HttpContent
    {
        private readonly byte[] body;

        public UnsizedContent(byte[] body, string mediaType)
        {
            this.body = body;
            Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
