using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Web;

/// <summary>
/// The OpenAPI document through Redocly's recommended rules, and every kind of page through
/// html-validate's: the npm tools of tests/lint (scripts/test installs them with npm ci), on the
/// answers of the real app.
/// </summary>
[NonParallelizable]
public sealed class LintTests
{
    private static readonly string Root = FindRoot();
    private static readonly string LintDirectory = Path.Combine(Root, "tests", "lint");

    [OneTimeSetUp]
    public void HaveTheTools()
    {
        if (!OnPath("npm") || !OnPath("node"))
        {
            Assert.Ignore("npm is missing: the linters of tests/lint cannot run.");
        }

        // scripts/test installs them; a test run on its own does the same once.
        if (!File.Exists(Tool("redocly")) || !File.Exists(Tool("html-validate")))
        {
            var (code, output) = Run("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5));
            Assert.That(code, Is.Zero, $"npm ci in tests/lint failed:\n{output}");
        }
    }

    [Test]
    public async Task TheOpenApiDocumentPassesRedoclysRecommendedRules()
    {
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        using var directory = new TempDirectory();
        var document = directory.File("openapi.json");
        await File.WriteAllTextAsync(document, await client.GetStringAsync("/openapi/v1.json"));

        var (code, output) = Run(Tool("redocly"), ["lint", "--config", Path.Combine(LintDirectory, "redocly.yaml"), "--format", "stylish", document],
            TimeSpan.FromMinutes(2));

        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("valid"), output);
    }

    [Test]
    public async Task EveryKindOfPageIsValidHtml()
    {
        using var app = new PetitionsApp();
        using var visitor = app.CreateClient(new() { AllowAutoRedirect = false });
        using var directory = new TempDirectory();
        var pages = new List<string>();

        async Task SaveAsync(string name, HttpClient client, string path, HttpStatusCode expected = HttpStatusCode.OK)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd("text/html");
            using var response = await client.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(expected), path);
            await SaveHtmlAsync(name, response);
        }

        async Task SaveHtmlAsync(string name, HttpResponseMessage response)
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"), name);
            var file = directory.File(name + ".html");
            await File.WriteAllTextAsync(file, await response.Content.ReadAsStringAsync());
            pages.Add(file);
        }

        await SaveAsync("home", visitor, "/");
        await SaveAsync("letter", visitor, "/petitions/iap-2017");
        await SaveAsync("print", visitor, "/petitions/iap-2017/print");
        await SaveAsync("embed", visitor, "/petitions/iap-2017/embed");
        await SaveAsync("embed-check-email", visitor, "/petitions/iap-2017/embed/check-email");
        await SaveAsync("privacy", visitor, "/privacy");
        await SaveAsync("openapi", visitor, "/openapi");
        await SaveAsync("not-found", visitor, "/petitions/no-such-letter", HttpStatusCode.NotFound);
        await SaveAsync("coordinator-sign-in", visitor, "/coordinators/sign-in");
        // In Arabic (right to left, the switcher's lang and dir on each link) and French, with their own cookie.
        using (var reader = app.CreateClient(new() { AllowAutoRedirect = false }))
        {
            await SaveAsync("letter-ar", reader, "/petitions/iap-2017?lang=ar");
            await SaveAsync("signatories-fr", reader, "/petitions/iap-2017/signatories?group=country&lang=fr");
        }


        // The form again with its messages, after a sign-on with nothing filled in.
        using (var invalid = await SignOnClient.PostFormAsync(visitor, new Dictionary<string, object?> { ["organisation"] = "", ["consent"] = false }))
        {
            Assert.That(invalid.StatusCode, Is.Not.EqualTo(HttpStatusCode.SeeOther), "an empty form is not accepted");
            await SaveHtmlAsync("sign-invalid", invalid);
        }

        var fields = SignOnClient.ValidJson("Lint Trust", "lint@lint-trust.example.org");
        using (var signed = await SignOnClient.PostFormAsync(visitor, fields))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
            await SaveAsync("check-email", visitor, signed.Headers.Location!.OriginalString);
        }

        var confirm = (await Delivered.TokensAsync(app, "confirm")).Single();
        await SaveAsync("confirm", visitor, $"/confirm/{confirm}");
        using (var confirmed = await visitor.PostAsJsonAsync("/api/confirmations", new { token = confirm }))
        {
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var withdraw = (await Delivered.TokensAsync(app, "withdraw")).Single();
        await SaveAsync("withdraw", visitor, $"/withdraw/{withdraw}");

        var signatureId = await Coordinator.SignatureInStateAsync(app, "confirmed");
        using var coordinator = await CookieSession.SignInAsync(app, "lint@coalition.example.org", "iap-2017");
        await SaveAsync("coordinator-letters", coordinator, "/coordinators");
        await SaveAsync("coordinator-letter", coordinator, "/coordinators/petitions/iap-2017?status=confirmed");
        await SaveAsync("coordinator-edit", coordinator, "/coordinators/petitions/iap-2017/edit");
        await SaveAsync("coordinator-translation", coordinator, "/coordinators/petitions/iap-2017/translations/fr");
        await SaveAsync("coordinator-signatory", coordinator, $"/coordinators/petitions/iap-2017/signatures/{signatureId}");
        await SaveAsync("forbidden", coordinator, "/coordinators/petitions/new/edit", HttpStatusCode.Forbidden);

        var (code, output) = Run(Tool("html-validate"), ["--config", Path.Combine(LintDirectory, ".htmlvalidate.json"), .. pages], TimeSpan.FromMinutes(2));

        Assert.That(code, Is.Zero, output);
    }

    private static string Tool(string name) => Path.Combine(LintDirectory, "node_modules", ".bin", name);

    private static (int Code, string Output) Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = LintDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No colour codes in the assertion message.
        start.Environment["NO_COLOR"] = "1";
        start.Environment["FORCE_COLOR"] = "0";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(program)} did not finish within {timeout}.");
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, program)));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Petitions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests run from inside the repository.");
    }
}
