using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Petitions.Tests.Support;

namespace Petitions.Tests.Coordinators;

/// <summary>The coordinators' JSON list in pages: limit, a cursor, and a Link to the next page while more remain.</summary>
public sealed class PagingTests
{
    [Test]
    public async Task FollowingTheNextLinksGivesEveryRecordOnceInPagesOfTheLimit()
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);
        var all = (await coordinator.GetFromJsonAsync<JsonElement>("/api/petitions/iap-2017/signatures")).EnumerateArray()
            .Select(s => s.GetProperty("id").GetInt64()).ToList();

        var seen = new List<long>();
        var sizes = new List<int>();
        string? next = "/api/petitions/iap-2017/signatures?status=listed&limit=50";
        while (next is not null)
        {
            using var response = await coordinator.GetAsync(next);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var page = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(s => s.GetProperty("id").GetInt64()).ToList();
            sizes.Add(page.Count);
            seen.AddRange(page);
            next = response.Headers.TryGetValues("Link", out var links)
                ? System.Text.RegularExpressions.Regex.Match(links.Single(), "^<([^>]+)>; rel=\"next\"$").Groups[1].Value
                : null;
            if (next is not null)
            {
                Assert.That(next, Does.Contain("status=listed").And.Contain("limit=50").And.Contain($"after={page[^1]}"));
            }
        }

        Assert.That(sizes, Is.EqualTo(new[] { 50, 50, 30 }));
        Assert.That(seen, Is.EqualTo(all), "every record once, in id order");
    }

    [TestCase("limit=0", "limit")]
    [TestCase("limit=1001", "limit")]
    [TestCase("limit=ten", "limit")]
    [TestCase("limit=5&after=x", "after")]
    public async Task ABadLimitOrCursorIsA400NamingIt(string query, string field)
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);

        using var response = await coordinator.GetAsync($"/api/petitions/iap-2017/signatures?{query}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
    }

    [Test]
    public async Task WithoutALimitEveryRecordComesAtOnceWithoutALink()
    {
        using var app = new PetitionsApp();
        using var coordinator = await Coordinator.ClientAsync(app);

        using var response = await coordinator.GetAsync("/api/petitions/iap-2017/signatures");

        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength(), Is.EqualTo(130));
        Assert.That(response.Headers.Contains("Link"), Is.False);
    }
}
