using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Petitions.Tests.Support;

namespace Petitions.Tests.Web;

/// <summary>Pages with a form say themselves that they are not to be cached, so antiforgery has nothing to override or log.</summary>
public sealed class AntiforgeryLogTests
{
    [Test]
    public async Task NoPageWithAFormLogsThatItsCacheHeadersWereOverridden()
    {
        using var logs = new CapturedLogs();
        using var app = new PetitionsApp(services: s => s.AddSingleton<ILoggerProvider>(logs));
        using var visitor = app.CreateClient();
        using var coordinator = await CookieSession.SignInAsync(app, "logs@coalition.example.org");
        var id = await Coordinator.SignatureInStateAsync(app, "confirmed", "Logged Organisation", "l@logged.example.org");

        foreach (var path in new[] { "/petitions/iap-2017", "/petitions/iap-2017", "/coordinators/sign-in" })
        {
            (await visitor.GetAsync(path)).Dispose();
        }

        foreach (var path in new[] { "/coordinators", "/coordinators/petitions/iap-2017", "/coordinators/petitions/iap-2017/edit", $"/coordinators/petitions/iap-2017/signatures/{id}" })
        {
            using var response = await coordinator.GetAsync(path);
            Assert.That((int)response.StatusCode, Is.EqualTo(200), path);
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True, $"{path} is not stored by any cache");
        }

        Assert.That(logs.Lines.Where(l => l.Contains("Antiforgery", StringComparison.Ordinal) && l.StartsWith("Warning", StringComparison.Ordinal)), Is.Empty);
    }
}
