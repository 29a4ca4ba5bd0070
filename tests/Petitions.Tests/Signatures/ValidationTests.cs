using System.Net;
using System.Text.Json;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>Every validation rule, one case each, through the JSON API and through the form; nothing stored when refused.</summary>
public class ValidationTests
{
    private PetitionsApp app = null!;
    private HttpClient client = null!;

    [OneTimeSetUp]
    public void StartApp()
    {
        app = new PetitionsApp();
        client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
    }

    public static IEnumerable<TestCaseData> Rules()
    {
        TestCaseData Case(string rule, string field, object? value, string message) =>
            new TestCaseData(field, value, message).SetName($"{{m}}({rule})");

        yield return Case("organisation is required", "organisation", "", "Enter the name of your organisation");
        yield return Case("organisation of spaces is blank", "organisation", "   \u200B ", "Enter the name of your organisation");
        yield return Case("organisation has no control characters", "organisation", "Org\u0007anisation", "control characters");
        yield return Case("organisation has no bidi override", "organisation", "Org\u202Eanisation", "text-direction");
        yield return Case("organisation is at most 200 characters", "organisation", new string('a', 201), "at most 200");
        yield return Case("organisation may not start with =", "organisation", "=1+2", "may not start with");
        yield return Case("organisation may not start with +", "organisation", "+1+1", "may not start with");
        yield return Case("organisation may not start with -", "organisation", "-1+1", "may not start with");
        yield return Case("organisation may not start with @", "organisation", "@SUM(A1)", "may not start with");
        yield return Case("organisation may not start with a tab", "organisation", "\t=1", "control characters");
        yield return Case("organisation may not start with CR", "organisation", "\r=1", "control characters");
        yield return Case("organisation may not start with LF", "organisation", "\n=1", "control characters");
        yield return Case("organisation may not start with a full-width =", "organisation", "＝1", "may not start with");
        yield return Case("organisation may not hide = behind a zero-width space", "organisation", "\u200B=1", "may not start with");
        yield return Case("city has no control characters", "city", "Ut\u0008recht", "control characters");
        yield return Case("city has no bidi override", "city", "\u2066Utrecht", "text-direction");
        yield return Case("city is at most 100 characters", "city", new string('b', 101), "at most 100");
        yield return Case("city may not start with =", "city", "=HYPERLINK(\"http://x\")", "may not start with");
        yield return Case("country is required", "country", "", "Choose your organisation's country");
        yield return Case("country is a real ISO code", "country", "ZZ", "ISO 3166-1");
        yield return Case("country is a code, not a name", "country", "Netherlands", "ISO 3166-1");
        yield return Case("contact name is required", "contactName", "", "Enter the name of the person signing");
        yield return Case("contact name is at most 200 characters", "contactName", new string('c', 201), "at most 200");
        yield return Case("contact name may not start with @", "contactName", "@anna", "may not start with");
        yield return Case("contact role is required", "contactRole", "", "Enter the role");
        yield return Case("contact role is at most 200 characters", "contactRole", new string('d', 201), "at most 200");
        yield return Case("email is required", "contactEmail", "", "Enter an email address");
        yield return Case("email must parse", "contactEmail", "not-an-email", "like name@organisation.org");
        yield return Case("email has no display name", "contactEmail", "Anna <anna@testorganisatie.nl>", "like name@organisation.org");
        yield return Case("email is one address", "contactEmail", "anna@testorganisatie.nl, eve@evil.example", "like name@organisation.org");
        yield return Case("email cannot inject a header", "contactEmail", "anna@testorganisatie.nl\r\nBcc: eve@evil.example", "control characters");
        yield return Case("email needs a full domain", "contactEmail", "anna@localhost", "full domain");
        yield return Case("email local part is at most 64 characters", "contactEmail", new string('e', 65) + "@testorganisatie.nl", "before the @");
        yield return Case("email is at most 254 characters", "contactEmail", "anna@" + string.Join('.', Enumerable.Repeat(new string('f', 62), 4)) + ".nl", "at most 254");
        yield return Case("website is http or https", "website", "ftp://testorganisatie.nl", "http:// or https://");
        yield return Case("website is not script", "website", "javascript:alert(1)", "http:// or https://");
        yield return Case("website is an address", "website", "testorganisatie", "http:// or https://");
        yield return Case("website is at most 300 characters", "website", "https://testorganisatie.nl/" + new string('g', 300), "at most 300");
        yield return Case("comment is at most 2000 characters", "comment", new string('h', 2001), "at most 2000");
        yield return Case("comment has no control characters", "comment", "fine\u0001", "control characters");
        yield return Case("comment has no bidi override", "comment", "fine\u202Dtext", "text-direction");
        yield return Case("consent is required", "consent", false, "Tick the box");
    }

    [TestCaseSource(nameof(Rules))]
    public async Task TheJsonApiRefusesItNamingTheField(string field, object? value, string message)
    {
        var before = await SignOnClient.CountsAsync(app);
        var body = SignOnClient.ValidJson();
        body[field] = value;

        using var response = await SignOnClient.PostJsonAsync(client, body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var errors = problem.GetProperty("errors");
        Assert.That(errors.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { field }), "only the wrong field is named");
        Assert.That(errors.GetProperty(field)[0].GetString(), Does.Contain(message));
        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before), "nothing stored, no email queued");
    }

    [TestCaseSource(nameof(Rules))]
    public async Task TheFormShowsTheMessageByTheFieldAndKeepsWhatWasTyped(string field, object? value, string message)
    {
        var before = await SignOnClient.CountsAsync(app);
        var fields = SignOnClient.ValidJson();
        fields[field] = value;

        using var response = await SignOnClient.PostFormAsync(client, fields);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.That(html, Does.Match($"<span class=\"field-error\" id=\"{field}-error\">[^<]*{System.Text.RegularExpressions.Regex.Escape(message)}"));
        Assert.That(html, Does.Contain($"aria-describedby=\"{field}-error\"").Or.Contain($"-hint {field}-error\""));
        if (field != "contactRole")
        {
            Assert.That(html, Does.Contain("value=\"Director\""), "what was typed is kept");
        }

        Assert.That(await SignOnClient.CountsAsync(app), Is.EqualTo(before), "nothing stored, no email queued");
    }

    [Test]
    public async Task AValidSignOnIsAcceptedByBoth()
    {
        using var json = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Valid Json Organisation", "a@valid-json.example.org"));
        using var form = await SignOnClient.PostFormAsync(client, SignOnClient.ValidJson("Valid Form Organisation", "b@valid-form.example.org"));

        Assert.That(json.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await json.Content.ReadAsStringAsync(), Is.EqualTo("{\"status\":\"pending\"}"));
        Assert.That(form.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(form.Headers.Location?.ToString(), Is.EqualTo("/petitions/iap-2017/check-email"));
    }

    [Test]
    public async Task EdgeLengthsThatAreAllowedAreAccepted()
    {
        var body = SignOnClient.ValidJson(new string('a', 200), new string('e', 64) + "@edge-lengths.example.org");
        body["country"] = "xk";

        using var response = await SignOnClient.PostJsonAsync(client, body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task TextIsStoredComposedWithoutInvisibleCharactersAndWithSingleSpaces()
    {
        var body = SignOnClient.ValidJson("  Fundac\u0327a\u0303o \u200B  Normalizada  ", "nfc@fundacao.example.org");
        body["city"] = " Lis\u00ADboa ";

        using var response = await SignOnClient.PostJsonAsync(client, body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await using var connection = await app.Db.OpenAsync();
        var stored = await connection.QuerySingleAsync<(string Name, string City)>(
            "SELECT name, city FROM organisations WHERE name LIKE 'Funda%Normalizada'");
        Assert.That(stored, Is.EqualTo(("Fundação Normalizada", "Lisboa")));
    }

    [Test]
    public async Task AClientCannotSetTheStatusOrIdsAndUnknownFieldsAreIgnored()
    {
        var body = SignOnClient.ValidJson("Sneaky Organisation", "x@sneaky.example.org");
        body["status"] = "listed";
        body["id"] = 1;
        body["flags"] = "domain-verified";
        body["favouriteColour"] = "green";

        using var response = await SignOnClient.PostJsonAsync(client, body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await using var connection = await app.Db.OpenAsync();
        var status = await connection.ExecuteScalarAsync<string>(
            "SELECT s.status FROM signatures s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'Sneaky Organisation'");
        Assert.That(status, Is.EqualTo("pending"));
    }

    [Test]
    public async Task TheConsentTextVersionAndTimeAreStoredWithTheSignOn()
    {
        using var response = await SignOnClient.PostFormAsync(client, SignOnClient.ValidJson("Consenting Organisation", "c@consenting.example.org"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        await using var connection = await app.Db.OpenAsync();
        var consent = await connection.QuerySingleAsync<(string Version, string At)>("""
            SELECT s.consent_version, s.consented_at FROM signatures s JOIN organisations o ON o.id = s.organisation_id
            WHERE o.name = 'Consenting Organisation'
            """);
        Assert.That(consent.Version, Is.EqualTo(global::Petitions.Signatures.SignOn.ConsentVersion));
        Assert.That(DateTimeOffset.Parse(consent.At, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
    }
}
