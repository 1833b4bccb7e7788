using Nfwalk.Cli.Presentation;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;
using Nfwalk.Snapshot;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Walk;

/// <summary>
/// The Istio ambient node (examples/ambient/ambient-worker, consistent with the seed): the walks the engine must get right,
/// golden-tested. Marks and routes follow ambient-node.md: 0x100 → rule 101 → table 101 → istioout; 0x220 and 0x210
/// carry the skip bit 0x200 → rule 100 goto 32766 (main); 0x40 → rule 102 → table 102 → the ztunnel veth.
/// </summary>
public class AmbientWalkTests
{
    private static readonly string Snapshot = Path.Combine(Repo.Root, "examples", "ambient", "ambient-worker");

    private static (Node Node, NodeSnapshot Snap) Load()
    {
        var snap = NodeSnapshot.Load(Snapshot, Repo.Root);
        Assert.DoesNotContain(snap.Diagnostics, d => d.Severity != Nfwalk.Diagnostics.Severity.Info);
        return (snap.CreateNode(), snap);
    }

    private static PacketSpec Tcp(string src, string dst, ushort sport, ushort dport, string iif, TcpFlags f = TcpFlags.Syn)
        => new() { Source = IpAddress.Parse(src), Destination = IpAddress.Parse(dst), Protocol = Protocols.Tcp, SourcePort = sport, DestinationPort = dport, TcpFlags = f, InInterface = iif };

    private static WalkOptions Options(NodeSnapshot s) => new() { IpForward = s.IpForward };

    private static TraceStep Routing(WalkTrace w) => w.Steps.First(s => s.Kind == StepKind.Routing);

    [Fact]
    public void Syn_from_a_mesh_pod_to_another_node_is_marked_0x100_skips_nat_and_goes_into_istioout()
    {
        var (node, snap) = Load();
        var w = NodeWalker.Walk(node, Tcp("10.244.1.5", "10.244.2.6", 40000, 80, "veth5c2d7e01"), Options(snap), "sleep → httpbin on ambient-worker2: the SYN");
        Assert.Contains(w.Steps, s => s.Table == "mangle" && s.Chain == "ztunnel-PREROUTING" && s.Rule == 15 && s.Mark == "0x100");
        var natAccept = w.Steps.First(s => s.Table == "nat" && s.Verdict == "ACCEPT");
        Assert.Equal("ztunnel-PREROUTING", natAccept.Chain);
        Assert.DoesNotContain(w.Steps, s => s.Chain == "KUBE-SERVICES" && s.Table == "nat");
        var r = Routing(w);
        Assert.Equal(101, r.RoutingRulePriority);
        Assert.Equal("101", r.RoutingTable);
        Assert.Equal("sent", w.Outcome.Kind);
        Assert.Equal("istioout", w.Outcome.Interface);
        Assert.Equal("192.168.127.2", w.Outcome.NextHop);
        Assert.Equal("10.244.1.5", w.Final.Source); // nat POSTROUTING ACCEPT: no masquerade
        Golden.Assert("ambient-1-mesh-syn.txt", TraceText.ToPlainText([w]));
    }

    [Fact]
    public void Dns_from_the_mesh_pod_is_marked_0x220_and_not_redirected()
    {
        var (node, snap) = Load();
        var spec = new PacketSpec { Source = IpAddress.Parse("10.244.1.5"), Destination = IpAddress.Parse("10.96.0.10"), Protocol = Protocols.Udp, SourcePort = 41000, DestinationPort = 53, InInterface = "veth5c2d7e01" };
        var w = NodeWalker.Walk(node, spec, Options(snap), "sleep → kube-dns: a UDP query");
        Assert.Contains(w.Steps, s => s.Chain == "ztunnel-PREROUTING" && s.Rule == 13 && s.Mark == "0x220");
        Assert.Contains(w.Steps, s => s.Chain == "ztunnel-PREROUTING" && s.Rule == 14 && s.Verdict!.StartsWith("RETURN"));
        Assert.DoesNotContain(w.Steps, s => s.Chain == "ztunnel-PREROUTING" && s.Rule == 15);
        Assert.Equal(32766, Routing(w).RoutingRulePriority);
        Assert.Contains("goto 32766", Routing(w).Text);
        Assert.Equal("eth0", w.Outcome.Interface);
        Assert.Equal("0x220", w.Final.ConnMark); // saved by ztunnel-FORWARD rule 1
        Golden.Assert("ambient-2-dns.txt", TraceText.ToPlainText([w]));
    }

    [Fact]
    public void Ztunnel_connection_with_the_pod_source_is_marked_0x210_and_its_reply_takes_table_102()
    {
        var (node, snap) = Load();
        var syn = NodeWalker.Walk(node, Tcp("10.244.1.5", "10.244.2.6", 42000, 15008, "vethbb925f55"), Options(snap), "ztunnel (as sleep) → httpbin's node, HBONE: the SYN");
        Assert.Contains(syn.Steps, s => s.Chain == "ztunnel-PREROUTING" && s.Rule == 10 && s.Mark == "0x210");
        Assert.Contains("goto 32766", Routing(syn).Text);
        Assert.Equal("eth0", syn.Outcome.Interface);
        Assert.Equal("172.18.0.4", syn.Outcome.NextHop);
        Assert.Contains(syn.Steps, s => s.Chain == "ztunnel-FORWARD" && s.Rule == 2 && s.ConnMark == "0x210");

        var synack = NodeWalker.Walk(node, Tcp("10.244.2.6", "10.244.1.5", 15008, 42000, "eth0", TcpFlags.Syn | TcpFlags.Ack), Options(snap), "the SYN-ACK from the other side");
        Assert.Equal("ESTABLISHED", synack.Final.ConntrackState);
        Assert.Contains(synack.Steps, s => s.Chain == "ztunnel-PREROUTING" && s.Rule == 8 && s.Mark == "0x40");
        var r = Routing(synack);
        Assert.Equal(102, r.RoutingRulePriority);
        Assert.Equal("vethbb925f55", synack.Outcome.Interface);
        Assert.Equal("10.244.1.4", synack.Outcome.NextHop);
        Golden.Assert("ambient-3-ztunnel-0x210.txt", TraceText.ToPlainText([syn, synack]));
    }

    [Fact]
    public void Traffic_out_of_the_tunnels_is_marked_0x200_returns_and_uses_the_main_table()
    {
        var (node, snap) = Load();
        var fromIn = NodeWalker.Walk(node, Tcp("10.244.2.6", "10.244.1.6", 43000, 80, "istioin"), Options(snap), "a packet coming out of istioin");
        Assert.Contains(fromIn.Steps, s => s.Chain == "ztunnel-PREROUTING" && s.Rule == 1 && s.Mark == "0x200");
        Assert.Contains(fromIn.Steps, s => s.Chain == "ztunnel-PREROUTING" && s.Rule == 2 && s.Verdict!.StartsWith("RETURN"));
        Assert.Contains("goto 32766", Routing(fromIn).Text);
        Assert.Equal("vethd41a9b32", fromIn.Outcome.Interface);
        var fromOut = NodeWalker.Walk(node, Tcp("10.244.1.5", "10.244.2.6", 43001, 80, "istioout"), Options(snap), "a packet coming out of istioout");
        Assert.Contains(fromOut.Steps, s => s.Chain == "ztunnel-PREROUTING" && s.Rule == 3 && s.Mark == "0x200");
        Assert.Contains(fromOut.Steps, s => s.Chain == "ztunnel-PREROUTING" && s.Rule == 4);
        Assert.Equal("eth0", fromOut.Outcome.Interface);
        Golden.Assert("ambient-4-tunnels.txt", TraceText.ToPlainText([fromIn, fromOut]));
    }

    [Fact]
    public void Host_traffic_from_the_pod_gateway_address_is_marked_0x220_in_output()
    {
        var (node, snap) = Load();
        var spec = new PacketSpec { Source = IpAddress.Parse("10.244.1.1"), Destination = IpAddress.Parse("10.244.1.5"), Protocol = Protocols.Tcp, SourcePort = 50000, DestinationPort = 8080, TcpFlags = TcpFlags.Syn };
        var w = NodeWalker.Walk(node, spec, Options(snap), "kubelet probe from 10.244.1.1 to sleep");
        Assert.Contains(w.Steps, s => s.Table == "mangle" && s.Chain == "ztunnel-OUTPUT" && s.Rule == 1 && s.Mark == "0x220");
        Assert.Equal("veth5c2d7e01", w.Outcome.Interface); // re-routed by the mark: rule 100 → main, not table 100's istioin route
        Golden.Assert("ambient-5-host-probe.txt", TraceText.ToPlainText([w]));
    }
}
