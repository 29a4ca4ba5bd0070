using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Web;

/// <summary>The OpenAPI document and its page: what a client generator and a reader rely on.</summary>
public sealed class ApiDescriptionTests
{
    private PetitionsApp app = null!;
    private HttpClient client = null!;
    private JsonElement document;

    [OneTimeSetUp]
    public async Task FetchTheDocument()
    {
        app = new PetitionsApp();
        client = app.CreateClient(new() { AllowAutoRedirect = false });
        document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
    }

    [OneTimeTearDown]
    public void StopApp()
    {
        client.Dispose();
        app.Dispose();
    }

    private IEnumerable<(string Path, string Method, JsonElement Operation)> Operations() =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (path.Name, op.Name, op.Value)));

    private JsonElement Operation(string path, string method) => document.GetProperty("paths").GetProperty(path).GetProperty(method);

    private JsonElement Schema(string name) => document.GetProperty("components").GetProperty("schemas").GetProperty(name);

    [Test]
    public void EveryOperationHasAnOperationIdOfItsOwn()
    {
        var ids = Operations().Select(o => o.Operation.TryGetProperty("operationId", out var id) ? id.GetString() : null).ToList();
        var unnamed = Operations().Where(o => !o.Operation.TryGetProperty("operationId", out _)).Select(o => $"{o.Method} {o.Path}");

        Assert.That(unnamed, Is.Empty, "operations without an operationId: give each endpoint .WithName(\"camelCaseVerbNoun\")");
        Assert.That(ids, Is.Unique);
        Assert.That(ids, Is.SupersetOf(new[] { "signLetter", "confirmSignOn", "createLetter", "listSignatures", "approveSignature" }));
    }

    [Test]
    public void CoordinatorRoutesNeedTheBearerSchemeAndAnswer401And403()
    {
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.That(scheme.GetProperty("type").GetString(), Is.EqualTo("http"));
        Assert.That(scheme.GetProperty("scheme").GetString(), Is.EqualTo("bearer"));

        var coordinatorOperations = Operations().Where(o => o.Operation.GetProperty("tags")[0].GetString() == "Coordinators").ToList();
        Assert.That(coordinatorOperations, Has.Count.GreaterThanOrEqualTo(10));
        foreach (var (path, method, operation) in coordinatorOperations)
        {
            var security = operation.GetProperty("security");
            Assert.That(security.GetArrayLength(), Is.EqualTo(1), $"{method} {path}");
            Assert.That(security[0].TryGetProperty("bearer", out _), Is.True, $"{method} {path}");
            var responses = operation.GetProperty("responses");
            Assert.That(responses.TryGetProperty("401", out _) && responses.TryGetProperty("403", out _), Is.True, $"{method} {path} answers 401 and 403");
        }

        Assert.That(Operation("/api/petitions", "get").GetProperty("security").GetArrayLength(), Is.Zero, "the public list needs no token");
    }

    [Test]
    public void EveryClientErrorIsAProblemDetails()
    {
        foreach (var (path, method, operation) in Operations())
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('4')))
            {
                var content = response.Value.GetProperty("content");
                Assert.That(content.TryGetProperty("application/problem+json", out var problem), Is.True, $"{method} {path} {response.Name}");
                var reference = problem.GetProperty("schema").GetProperty("$ref").GetString();
                Assert.That(reference, Is.EqualTo(response.Name == "400" ? "#/components/schemas/HttpValidationProblemDetails" : "#/components/schemas/ProblemDetails"),
                    $"{method} {path} {response.Name}");
            }
        }
    }

    [Test]
    public void TheSignOnNamesEveryAnswerTheContractGivesIt()
    {
        var responses = Operation("/api/petitions/{slug}/signatures", "post").GetProperty("responses").EnumerateObject().Select(r => r.Name);

        Assert.That(responses, Is.SupersetOf(new[] { "202", "400", "404", "409", "413", "429" }));
        Assert.That(Operation("/api/petitions/{slug}/signatures", "post").GetProperty("responses").GetProperty("429")
            .GetProperty("headers").TryGetProperty("Retry-After", out _), Is.True);
    }

    [Test]
    public void EveryRouteParameterIsDeclared()
    {
        foreach (var (path, method, operation) in Operations())
        {
            var declared = operation.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path").Select(p => p.GetProperty("name").GetString()).ToList()
                : [];
            var inPath = System.Text.RegularExpressions.Regex.Matches(path, @"\{(\w+)\}").Select(m => m.Groups[1].Value);
            Assert.That(declared, Is.EquivalentTo(inPath), $"{method} {path}");
        }
    }

    [Test]
    public void TheSignOnSchemaHasTheValidatorsRequiredFieldsAndLengths()
    {
        var schema = Schema("SignRequest");
        var required = schema.GetProperty("required").EnumerateArray().Select(r => r.GetString());
        var properties = schema.GetProperty("properties");

        Assert.That(required, Is.EquivalentTo(new[] { "organisation", "contactName", "contactRole", "contactEmail", "consent" }));
        Assert.That(properties.GetProperty("organisation").GetProperty("maxLength").GetInt32(), Is.EqualTo(SignRequestValidator.MaxName));
        Assert.That(properties.GetProperty("city").GetProperty("maxLength").GetInt32(), Is.EqualTo(SignRequestValidator.MaxCity));
        Assert.That(properties.GetProperty("contactEmail").GetProperty("maxLength").GetInt32(), Is.EqualTo(SignRequestValidator.MaxEmail));
        Assert.That(properties.GetProperty("website").GetProperty("maxLength").GetInt32(), Is.EqualTo(SignRequestValidator.MaxWebsite));
        Assert.That(properties.GetProperty("comment").GetProperty("maxLength").GetInt32(), Is.EqualTo(SignRequestValidator.MaxComment));
        Assert.That(properties.GetProperty("consent").GetProperty("enum")[0].GetBoolean(), Is.True);
        Assert.That(properties.GetProperty("country").TryGetProperty("maxLength", out _), Is.False, "a rule with a condition is not claimed");
    }

    [Test]
    public void TheLetterSchemaHasItsRulesDownToEachDemand()
    {
        var letter = Schema("LetterInput");
        Assert.That(letter.GetProperty("required").EnumerateArray().Select(r => r.GetString()), Is.EquivalentTo(new[] { "slug", "title" }));
        Assert.That(letter.GetProperty("properties").GetProperty("slug").GetProperty("pattern").GetString(), Is.EqualTo("^[a-z0-9]+(-[a-z0-9]+)*$"));
        Assert.That(letter.GetProperty("properties").GetProperty("title").GetProperty("maxLength").GetInt32(), Is.EqualTo(300));

        var group = Schema("DemandGroup");
        Assert.That(group.GetProperty("properties").GetProperty("demands").GetProperty("minItems").GetInt32(), Is.EqualTo(1));
        Assert.That(group.GetProperty("properties").GetProperty("demands").GetProperty("items").GetProperty("maxLength").GetInt32(), Is.EqualTo(5000));
        Assert.That(Schema("Footnote").GetProperty("properties").GetProperty("number").GetProperty("exclusiveMinimum").GetInt32(), Is.Zero);
    }

    [Test]
    public void EveryJsonBodyHasASchemaWithItsRules()
    {
        Assert.That(Schema("ConfirmationRequest").GetProperty("required")[0].GetString(), Is.EqualTo("token"));
        Assert.That(Schema("ResendRequest").GetProperty("required")[0].GetString(), Is.EqualTo("address"));
        Assert.That(Schema("TransitionRequest").GetProperty("properties").GetProperty("reason").GetProperty("maxLength").GetInt32(),
            Is.EqualTo(FreeText.MaxReason));
        Assert.That(Schema("TransitionRequest").TryGetProperty("required", out var none) ? none.GetArrayLength() : 0, Is.Zero, "a reason is optional");

        foreach (var (path, method, operation) in Operations().Where(o => o.Operation.TryGetProperty("requestBody", out _)))
        {
            var content = operation.GetProperty("requestBody").GetProperty("content");
            if (content.TryGetProperty("application/json", out var json))
            {
                Assert.That(json.GetProperty("schema").GetProperty("$ref").GetString(), Does.StartWith("#/components/schemas/"), $"{method} {path}");
            }
        }
    }

    [Test]
    public async Task TheBrowsablePageIsHtmlThatLinksTheDocumentAndShowsEveryOperation()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(html, Does.Contain("href=\"/openapi/v1.json\""));
        Assert.That(html, Does.Not.Contain("<script"), "rendered on the server: nothing for the CSP to refuse");
        foreach (var (path, method, operation) in Operations())
        {
            Assert.That(html, Does.Contain($"id=\"{operation.GetProperty("operationId").GetString()}\""), $"{method} {path}");
            Assert.That(html, Does.Contain($"{method.ToUpperInvariant()} {path}"));
        }
    }
}
