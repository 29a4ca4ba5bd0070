using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

public class SignOnApiTests
{
    private static async Task SetLetterAsync(PetitionsApp app, string sql)
    {
        await using var connection = await app.Db.OpenAsync();
        await connection.ExecuteAsync(sql);
    }

    [Test]
    public async Task AnUnknownLetterIs404()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();

        using var response = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson(), "no-such-letter");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [TestCase("UPDATE petitions SET status = 'closed'", HttpStatusCode.Conflict)]
    [TestCase("UPDATE petitions SET closes_at = '2020-01-01T00:00:00.0000000Z'", HttpStatusCode.Conflict)]
    [TestCase("UPDATE petitions SET status = 'draft'", HttpStatusCode.NotFound)]
    public async Task ALetterThatIsNotOpenTakesNoSignature(string change, HttpStatusCode expected)
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        await SetLetterAsync(app, change);
        var before = await SignOnClient.CountsAsync(app);

        using var json = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson());

        Assert.That(json.StatusCode, Is.EqualTo(expected));
        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before));
    }

    // The letter is refused before the body is judged: a closed letter is 409 and a draft 404 whatever was typed.
    [TestCase("UPDATE petitions SET status = 'closed'", HttpStatusCode.Conflict)]
    [TestCase("UPDATE petitions SET status = 'draft'", HttpStatusCode.NotFound)]
    public async Task ALetterThatIsNotOpenRefusesAnInvalidSignOnByTheLetterNotTheFields(string change, HttpStatusCode expected)
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var token = SignOnClient.Antiforgery(await client.GetStringAsync("/petitions/iap-2017"));
        await SetLetterAsync(app, change);
        var before = await SignOnClient.CountsAsync(app);
        var invalid = SignOnClient.ValidJson();
        invalid["organisation"] = "";
        invalid["contactEmail"] = "not an address";

        using var json = await SignOnClient.PostJsonAsync(client, invalid);
        using var form = new FormUrlEncodedContent(invalid.Select(p => new KeyValuePair<string, string>(p.Key, p.Value?.ToString() ?? ""))
            .Append(new("__RequestVerificationToken", token)));
        using var posted = await client.PostAsync("/petitions/iap-2017/sign", form);
        using var honeypot = new FormUrlEncodedContent(SignOnClient.ValidJson().Select(p => new KeyValuePair<string, string>(p.Key, p.Value?.ToString() ?? ""))
            .Append(new("fax", "filled by a script")).Append(new("__RequestVerificationToken", token)));
        using var trapped = await client.PostAsync("/petitions/iap-2017/sign", honeypot);

        Assert.That(json.StatusCode, Is.EqualTo(expected), await json.Content.ReadAsStringAsync());
        Assert.That(json.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(posted.StatusCode, Is.EqualTo(expected));
        Assert.That(trapped.StatusCode, Is.EqualTo(expected));
        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before));
    }

    // The check that counts is the writer's, in its transaction: the letter may close between the caller's look and the write.
    [TestCase("UPDATE petitions SET status = 'closed'", global::Petitions.Signatures.SignOnOutcome.NotOpen)]
    [TestCase("UPDATE petitions SET closes_at = '2020-01-01T00:00:00.0000000Z'", global::Petitions.Signatures.SignOnOutcome.NotOpen)]
    [TestCase("UPDATE petitions SET status = 'draft'", global::Petitions.Signatures.SignOnOutcome.UnknownPetition)]
    public async Task ALetterClosedAfterTheCallerLookedTakesNoSignature(string change, global::Petitions.Signatures.SignOnOutcome expected)
    {
        using var app = new PetitionsApp();
        app.CreateClient().Dispose();
        var letter = await app.Services.GetRequiredService<global::Petitions.Petitions.PetitionStore>().FindAsync("iap-2017");
        Assert.That(letter!.AcceptsSignOns(DateTimeOffset.UtcNow), Is.True, "the letter was open when the caller looked");
        await SetLetterAsync(app, change);
        var before = await SignOnClient.CountsAsync(app);
        var request = new global::Petitions.Signatures.SignRequest
        {
            Organisation = "Stichting Laat", City = "Utrecht", Country = "NL", ContactName = "Anna de Vries", ContactRole = "Director",
            ContactEmail = "anna@laat.example.org", Consent = true,
        }.Cleaned();

        var outcome = await app.Services.GetRequiredService<global::Petitions.Signatures.SignOn>().SignAsync(letter, request, "api");

        Assert.That(outcome, Is.EqualTo(expected));
        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before));
    }

    [Test]
    public async Task AClosedLetterShowsNoFormAndRefusesItsPost()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var page = await client.GetStringAsync("/petitions/iap-2017");
        var token = SignOnClient.Antiforgery(page);
        await SetLetterAsync(app, "UPDATE petitions SET status = 'closed'");

        var closedPage = await client.GetStringAsync("/petitions/iap-2017");
        using var form = new FormUrlEncodedContent(SignOnClient.ValidJson().Select(p => new KeyValuePair<string, string>(p.Key, p.Value?.ToString() ?? ""))
            .Append(new("__RequestVerificationToken", token)));
        using var response = await client.PostAsync("/petitions/iap-2017/sign", form);

        Assert.That(closedPage, Does.Not.Contain("action=\"/petitions/iap-2017/sign\"").And.Not.Contain("__RequestVerificationToken"), "no sign-on form");
        Assert.That(closedPage, Does.Contain("This letter is closed"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task ABodyOver32KiBIs413AndNothingIsStored()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        var before = await SignOnClient.CountsAsync(app);
        var body = SignOnClient.ValidJson();
        body["padding"] = new string('x', 33 * 1024);

        using var response = await SignOnClient.PostJsonAsync(client, body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before));
    }

    [Test]
    public async Task ABodyThatIsNotJsonIs415()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        using var content = new StringContent("organisation=x", Encoding.UTF8, "application/x-www-form-urlencoded");

        using var response = await client.PostAsync("/api/petitions/iap-2017/signatures", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
    }

    [TestCase("{\"organisation\": ", "body")]
    [TestCase("[1, 2, 3]", "body")]
    [TestCase("null", "body")]
    [TestCase("{\"consent\": \"yes please\"}", "consent")]
    [TestCase("{\"organisation\": {\"nested\": true}}", "organisation")]
    public async Task MalformedJsonIsA400NamingTheField(string json, string field)
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        using var content = new StringContent(json, Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("/api/petitions/iap-2017/signatures", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
    }

    [Test]
    public async Task TooManySignOnsFromOneAddressAre429WithRetryAfter()
    {
        using var app = new PetitionsApp(settings: new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "2" });
        using var client = app.CreateClient();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson($"Rate Limited Organisation {i}", $"r{i}@rate.example.org")));
        }

        Assert.That(answers.Select(a => a.StatusCode), Is.EqualTo(new[] { HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests }));
        Assert.That(answers[2].Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(answers[2].Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    [Test]
    public async Task TheRateLimitCountsPerLetter()
    {
        using var app = new PetitionsApp(settings: new Dictionary<string, string?> { ["RateLimiting:SignOnsPerMinutePerIp"] = "1" });
        using var client = app.CreateClient();
        await using (var connection = await app.Db.OpenAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO petitions (slug, title, status, created_at, updated_at) VALUES ('second-letter', 'A second letter', 'open', '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z')
                """);
        }

        using var first = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Per Letter One", "a@per-letter.example.org"));
        using var other = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Per Letter Two", "b@per-letter.example.org"), "second-letter");
        using var again = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Per Letter Three", "c@per-letter.example.org"));

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
    }

    [Test]
    public async Task TheHoneypotGetsTheSameAnswerAndStoresNothing()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var before = await SignOnClient.CountsAsync(app);
        var fields = SignOnClient.ValidJson("Bot Organisation", "bot@bots.example.org");
        fields["fax"] = "+1 555 0100";

        using var response = await SignOnClient.PostFormAsync(client, fields);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo("/petitions/iap-2017/check-email"));
        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before));
    }

    [Test]
    public async Task TheFormWithoutItsAntiforgeryTokenIsRefused()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        using var form = new FormUrlEncodedContent(SignOnClient.ValidJson().Select(p => new KeyValuePair<string, string>(p.Key, p.Value?.ToString() ?? "")));

        using var response = await client.PostAsync("/petitions/iap-2017/sign", form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await SignOnClient.CountsAsync(app)).Signatures, Is.EqualTo(130));
    }

    [Test]
    public async Task ARepeatAndANewSignOnCannotBeToldApartByTheirAnswer()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        using var newJson = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Answer Organisation", "a@answer.example.org"));
        using var repeatJson = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Answer Organisation", "a@answer.example.org"));
        using var newForm = await SignOnClient.PostFormAsync(client, SignOnClient.ValidJson("Another Answer Organisation", "b@answer.example.org"));
        using var repeatForm = await SignOnClient.PostFormAsync(client, SignOnClient.ValidJson("Another Answer Organisation", "b@answer.example.org"));

        Assert.That(repeatJson.StatusCode, Is.EqualTo(newJson.StatusCode));
        Assert.That(await repeatJson.Content.ReadAsStringAsync(), Is.EqualTo(await newJson.Content.ReadAsStringAsync()));
        Assert.That(repeatForm.StatusCode, Is.EqualTo(newForm.StatusCode));
        Assert.That(repeatForm.Headers.Location, Is.EqualTo(newForm.Headers.Location));
    }
}
