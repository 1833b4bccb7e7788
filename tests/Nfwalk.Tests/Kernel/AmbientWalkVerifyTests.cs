using Nfwalk.Kernel;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Fabric;
using Nfwalk.Semantics.Walk;
using Nfwalk.Tests.Scenario;
using Nfwalk.Tests.Support;
using Xunit.Abstractions;

namespace Nfwalk.Tests.Kernel;

/// <summary>
/// The single-host parts of the ambient walks replayed through the kernel: for every host a walk crosses, the packets
/// it received or generated (in walk order, so conntrack sees the same connection history) are sent into a throw-away
/// namespace built from that host's snapshot (SnapshotVerifier: tunnels stand in as veths, this kernel has no geneve),
/// and the kernel's per-rule counters and egress interfaces must agree with nfwalk's walk of the same packets.
/// A tunnel's outer packet is sent as the host's own UDP packet with the inner packet's mark as SO_MARK.
/// </summary>
public class AmbientWalkVerifyTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("sleep", "httpbin:8000")]
    [InlineData("plain", "sleep:8080")]
    [InlineData("ambient-worker", "sleep:8080")]
    public void Every_hosts_part_of_the_walk_agrees_with_the_kernel(string from, string to)
    {
        var why = KernelGate.Why("nft", "ipset"); Skip.If(why is not null, why);
        var w = AmbientScenarioWalkTests.Walk(from, to);
        var byHost = new Dictionary<string, List<PacketSpec>>();
        foreach (var c in w.Connections)
            foreach (var p in c.Packets)
                foreach (var h in p.Journey.Hops)
                {
                    var spec = h.Spec!;
                    // a socket without a bound address: send it with the source the route chose
                    if (spec.IsLocal && spec.Source.Value == 0) spec = spec with { Source = IpAddress.Parse(h.Trace.Final.Source) };
                    if (!byHost.TryGetValue(h.Host, out var list)) byHost[h.Host] = list = new();
                    list.Add(spec);
                }
        var failures = new List<string>();
        foreach (var (host, packets) in byHost)
        {
            var dir = Path.Combine(Repo.Root, "examples", "ambient", SnapshotOf(host));
            var r = SnapshotVerifier.Run(dir, packets);
            output.WriteLine($"== {host}: {packets.Count} packets, {(r.Passed ? "agrees" : "DIFFERS")}");
            if (!r.Passed) failures.Add($"{host}:\n{r.Rules.Report()}\n{string.Join("\n", r.Egress.Select(e => $"egress {e.Interface}: kernel {e.Kernel} nfwalk {e.Nfwalk}"))}");
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static string SnapshotOf(string host)
    {
        var scenario = File.ReadAllLines(Path.Combine(Repo.Root, "examples", "ambient", "scenario.yaml"));
        for (int i = 0; i < scenario.Length; i++)
            if (scenario[i].Trim() == $"- name: {host}")
                for (int k = i + 1; k < scenario.Length && k < i + 5; k++)
                    if (scenario[k].Trim().StartsWith("snapshot: ", StringComparison.Ordinal)) return scenario[k].Trim()["snapshot: ".Length..];
        throw new InvalidOperationException($"no host {host} in the example scenario");
    }
}
