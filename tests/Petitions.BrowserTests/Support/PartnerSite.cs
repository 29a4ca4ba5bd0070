using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Petitions.BrowserTests.Support;

/// <summary>
/// A partner's website, a server of its own: one page holding an iframe of the letter's embedded form, on every
/// address given. With <see cref="ListOriginsAsync"/> the letter names the origins that may frame it.
/// </summary>
public sealed class PartnerSite : IAsyncDisposable
{
    private readonly WebApplication site;

    private PartnerSite(WebApplication site) => this.site = site;

    public static async Task<PartnerSite> StartAsync(Uri embed, params string[] urls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        var site = builder.Build();
        site.MapGet("/", () => Results.Content(
            $"<!DOCTYPE html><html lang=\"en\"><head><title>Partner</title></head><body><h1>A partner's site</h1>" +
            $"<iframe src=\"{embed}\" title=\"Sign the letter\" width=\"700\" height=\"1600\"></iframe></body></html>", "text/html; charset=utf-8"));
        await site.StartAsync();
        return new PartnerSite(site);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sets the letter's embedOrigins through the API, as a coordinator of the letter.</summary>
    public static async Task ListOriginsAsync(LiveApp app, string slug, HttpMessageHandler handler, params string[] origins)
    {
        var letterId = (await app.Services.GetRequiredService<global::Petitions.Petitions.PetitionStore>().FindAsync(slug, CancellationToken.None))!.Id;
        var (_, token) = await app.Services.GetRequiredService<global::Petitions.Coordinators.CoordinatorStore>()
            .AddAsync($"embed-{Guid.NewGuid():N}@coalition.example.org", "Embed Coordinator", [letterId]);
        using var coordinator = new HttpClient(handler) { BaseAddress = app.BaseUrl };
        coordinator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var letter = (await coordinator.GetFromJsonAsync<JsonObject>($"/api/petitions/{slug}"))!;
        letter["embedOrigins"] = new JsonArray(origins.Select(o => (JsonNode?)JsonValue.Create(o)).ToArray());
        using var put = await coordinator.PutAsJsonAsync($"/api/petitions/{slug}", letter);
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK), await put.Content.ReadAsStringAsync());
    }

    public ValueTask DisposeAsync() => site.DisposeAsync();
}
