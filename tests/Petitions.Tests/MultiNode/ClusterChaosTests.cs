using Petitions.Tests.Support;

namespace Petitions.Tests.MultiNode;

/// <summary>
/// scripts/chaos --cluster: two nodes on PostgreSQL behind HAProxy, SIGKILLed twenty times in turn
/// under sign-on load, each restarted while the other serves. Also in the Chaos category, so
/// scripts/test leaves it out (it takes minutes). PETITIONS_CHAOS_SEED=N replays a run's kill delays.
/// </summary>
[Category("Chaos")]
[Category("ClusterChaos")]
public class ClusterChaosTests
{
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromMinutes(1);

    [Test]
    public async Task TwentyKillsOfAlternatingNodesLoseNothingAcknowledgedAndSendNoEmailTwice()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PETITIONS_CHAOS_SEED"), System.Globalization.CultureInfo.InvariantCulture, out var given)
            ? given
            : System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);
        TestContext.Out.WriteLine($"FIGURE cluster-chaos-seed: {seed} (replay with PETITIONS_CHAOS_SEED={seed})");
        var random = new Random(seed);
        await using var cluster = await Cluster.StartAsync();
        using var load = new SignOnLoad(cluster, "Cluster Chaos Organisation");
        var running = load.RunAsync(writers: 8);

        for (var round = 0; round < 20; round++)
        {
            // Both nodes answered in this round before one is killed: the last one restarted is back in HAProxy.
            var before = load.Acknowledged.Count;
            var deadline = DateTime.UtcNow + RoundTimeout;
            while (load.Acknowledged.Count < before + 20 || load.Acknowledged.Skip(before).Select(a => a.Node).Distinct().Count() < 2)
            {
                if (DateTime.UtcNow > deadline)
                {
                    await load.StopAsync();
                    Assert.Fail($"Round {round} did not see 20 acknowledged sign-ons from both nodes within {RoundTimeout} (seed {seed}).");
                }

                await Task.Delay(20);
            }

            var node = round % 2;
            var delay = random.Next(0, 300);
            TestContext.Out.WriteLine($"round {round}: node {cluster.Nodes[node].Name} killed {delay} ms after its 20th acknowledgement");
            await Task.Delay(delay);
            cluster.Kill(node);
            await cluster.StartNodeAsync(node);
        }

        await load.StopAsync();
        await running;
        TestContext.Out.WriteLine($"FIGURE cluster-chaos: 20 SIGKILLs, {load.Acknowledged.Count} sign-ons acknowledged, {load.Failures} refused or cut off");
        await load.AssertNothingAcknowledgedLostAsync();
        await ClusterTests.AssertNoEmailTwiceAsync(cluster);
    }
}
