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
    [InlineData("sleep", "httpbin-local:80")]
    [InlineData("plain", "sleep:8080")]
    [InlineData("ambient-worker", "sleep:8080")]
    public void Every_hosts_part_of_the_walk_agrees_with_the_kernel(string from, string to)
    {
        var why = KernelGate.Why("nft", "ipset"); Skip.If(why is not null, why);
        var (fabric, w) = AmbientScenarioWalkTests.WalkWithFabric(from, to);
        var failures = new List<string>();
        foreach (var h in ScenarioVerifier.Run(fabric, w))
        {
            output.WriteLine($"== {h.Host}: {h.Packets} packets, {(h.Result.Passed ? "agrees" : "DIFFERS")}");
            if (!h.Result.Passed) failures.Add($"{h.Host}:\n{h.Result.Rules.Report()}\n{string.Join("\n", h.Result.Egress.Select(e => $"egress {e.Interface}: kernel {e.Kernel} nfwalk {e.Nfwalk}"))}");
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }
}
