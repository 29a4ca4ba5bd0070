using System.Net;
using System.Net.Http.Json;
using Dapper;
using Petitions.Tests.Support;

namespace Petitions.Tests.MultiNode;

/// <summary>
/// A change on one node reaches the other's list cache through NOTIFY. The caches' freshness bound is set
/// to five minutes here, so only the notification (or the listener's reconnection) can make them read again.
/// </summary>
[Category("MultiNode")]
public class ListsAcrossNodesTests
{
    private static readonly Dictionary<string, string?> SlowBackstop = new() { ["Petitions:ListCacheFreshFor"] = "00:05:00" };

    [Test]
    public async Task ASignOnThroughOneNodeConfirmedThroughTheOtherIsListedOnBothWithinTwoSeconds()
    {
        await using var nodes = await Nodes.StartAsync(SlowBackstop);
        using var a = nodes.A.CreateClient(new() { AllowAutoRedirect = false });
        using var b = nodes.B.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        const string organisation = "Across Nodes Collective";
        using (var signed = await SignOnClient.PostJsonAsync(a, SignOnClient.ValidJson(organisation, "kim@acrossnodes.example.org")))
        {
            Assert.That(signed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var token = (await Delivered.TokensAsync(nodes.A)).Single();
        Assert.That(await ListedAsync(a, organisation), Is.False, "A keeps the list without it");
        Assert.That(await ListedAsync(b, organisation), Is.False, "B keeps the list without it");

        using (var confirmed = await CookieSession.PostFormAsync(b, $"/confirm/{token}", $"/confirm/{token}"))
        {
            Assert.That((int)confirmed.StatusCode, Is.LessThan(400), "confirmed through B");
        }

        Assert.That(await ListedWithinAsync(b, organisation, TimeSpan.FromSeconds(2)), Is.True, "listed on B, which confirmed it");
        Assert.That(await ListedWithinAsync(a, organisation, TimeSpan.FromSeconds(2)), Is.True, "listed on A within 2 s");
    }

    [Test]
    public async Task ANodeWhoseListenerReconnectsReadsEveryListAgain()
    {
        await using var nodes = await Nodes.StartAsync(SlowBackstop);
        using var b = nodes.B.CreateClient();
        const string organisation = "Unannounced Organisation";
        Assert.That(await ListedAsync(b, organisation), Is.False);
        // Written behind the nodes' backs, as a notification lost while the listener was away would be.
        await Coordinator.SignatureInStateAsync(nodes.A, "listed", organisation, "quiet@unannounced.example.org");
        Assert.That(await ListedWithinAsync(b, organisation, TimeSpan.FromSeconds(1)), Is.False, "B's cache holds the list it read");

        await using (var connection = await nodes.Database.OpenAsync())
        {
            var killed = await connection.ExecuteScalarAsync<long>(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'");
            Assert.That(killed, Is.EqualTo(2), "one listener connection per node");
        }

        Assert.That(await ListedWithinAsync(b, organisation, TimeSpan.FromSeconds(5)), Is.True, "dropped everything on reconnecting");
    }

    private static async Task<bool> ListedAsync(HttpClient client, string organisation)
    {
        var listed = await client.GetFromJsonAsync<List<Signatory>>($"/api/petitions/{SignOnClient.Slug}/signatories");
        return listed!.Any(s => s.Organisation == organisation);
    }

    private static async Task<bool> ListedWithinAsync(HttpClient client, string organisation, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await ListedAsync(client, organisation))
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }
    }

    private sealed record Signatory(string Organisation);
}
