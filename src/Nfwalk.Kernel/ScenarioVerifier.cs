using Nfwalk.Model.Net;
using Nfwalk.Semantics.Fabric;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Kernel;

/// <summary>What the kernel said about one host's part of a multi-host walk.</summary>
public sealed record HostVerification(string Host, int Packets, SnapshotResult Result);

/// <summary>
/// The single-host parts of a multi-host walk replayed through the kernel: for every host the walk crosses, the packets
/// it received or generated — in walk order, so conntrack sees the same history — are sent into a throw-away namespace
/// built from that host's snapshot (<see cref="SnapshotVerifier"/>; tunnels stand in as veths, a tunnel's outer packet
/// is the host's own UDP packet with the inner packet's mark as SO_MARK), and the kernel's per-rule counters and egress
/// interfaces are compared with nfwalk's walk of the same packets.
/// </summary>
public static class ScenarioVerifier
{
    public static IReadOnlyList<HostVerification> Run(Fabric fabric, RequestWalk walk)
    {
        var byHost = new Dictionary<string, List<PacketSpec>>();
        var order = new List<string>();
        foreach (var c in walk.Connections)
            foreach (var p in c.Packets)
                foreach (var h in p.Journey.Hops)
                {
                    if (h.Spec is not { } spec) continue;
                    // a socket without a bound address: sent with the source its route chose
                    if (spec.IsLocal && spec.Source.Value == 0 && IpAddress.TryParse(h.Trace.Final.Source, out var chosen)) spec = spec with { Source = chosen };
                    if (!byHost.TryGetValue(h.Host, out var list)) { byHost[h.Host] = list = new(); order.Add(h.Host); }
                    list.Add(spec);
                }
        var results = new List<HostVerification>();
        foreach (var host in order)
        {
            var dir = fabric.Host(host)!.Spec.SnapshotPath;
            results.Add(new HostVerification(host, byHost[host].Count, SnapshotVerifier.Run(dir, byHost[host])));
        }
        return results;
    }
}
