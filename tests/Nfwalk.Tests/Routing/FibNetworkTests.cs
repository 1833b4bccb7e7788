using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Semantics.Ipsets;
using Nfwalk.Snapshot;
using Nfwalk.Tests.Support;
using WalkQuery = Nfwalk.Semantics.Walk.RouteQuery;
using RouteKind = Nfwalk.Semantics.Walk.RouteKind;

namespace Nfwalk.Tests.Routing;

/// <summary>
/// The walk's view of a node's routing (FibNetwork over the RoutingState a snapshot loads to): what a snapshot directory
/// gives, what is derived when files are missing, and how Fib decisions reach the walk.
/// </summary>
public class FibNetworkTests
{
    private static readonly string Ambient = Path.Combine(Repo.Root, "examples", "ambient", "ambient-worker");

    private static IpAddress A(string s) => IpAddress.Parse(s);

    private static WalkQuery Received(string dst, string src, string iif, uint mark = 0) => new(IpFamily.V4, A(dst), A(src), iif, mark, 0, 6, 40000, 80);
    private static WalkQuery Local(string dst, uint mark = 0) => new(IpFamily.V4, A(dst), null, null, mark, 0, 6, 40000, 80);

    private static string Copy(params string[] files)
    {
        var d = Directory.CreateTempSubdirectory("nfwfibnet").FullName;
        foreach (var f in files) File.Copy(Path.Combine(Ambient, f), Path.Combine(d, f));
        return d;
    }

    [Fact]
    public void The_ambient_snapshot_exposes_interface_kinds_veth_peers_and_geneve_tunnels()
    {
        var snap = NodeSnapshot.Load(Ambient, Repo.Root);
        var istioin = snap.Routing.Interface("istioin")!;
        Assert.Equal(InterfaceKind.Geneve, istioin.Kind);
        Assert.Equal(1000u, istioin.Tunnel!.Vni);
        Assert.Equal(A("10.244.1.4"), istioin.Tunnel.Remote);
        var pod = snap.Routing.Interface("veth5c2d7e01")!;
        Assert.Equal(InterfaceKind.Veth, pod.Kind);
        Assert.True(pod.Link!.InOtherNamespace);
        Assert.Equal("cni-603d098f-664b-4627-9a4d-57a23fa0196f", pod.Link.Netns);
        Assert.True(snap.IpForward);
        Assert.Empty(snap.Network.Assumptions);
    }

    [Fact]
    public void Route_results_carry_the_rule_the_table_and_the_route_of_the_Fib_decision()
    {
        var net = NodeSnapshot.Load(Ambient, Repo.Root).Network;
        var r = net.Route(Received("10.244.2.6", "10.244.1.5", "veth5c2d7e01", 0x100));
        Assert.Equal(RouteKind.Forward, r.Kind);
        Assert.Equal("istioout", r.OutInterface);
        Assert.Equal(A("192.168.127.2"), r.Gateway);
        Assert.Equal(101, r.RulePriority);
        Assert.Equal("101", r.Table);
        Assert.Equal("default via 192.168.127.2 dev istioout table 101", r.Route);
        // MASQUERADE's choice on istioout (inet_select_addr)
        Assert.Equal(A("192.168.127.1"), r.PreferredSource);
        Assert.Contains(r.Steps, s => s.StartsWith("101: from all fwmark 0x100/0x100 lookup 101 — matches", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Steps, s => s.StartsWith("0: ", StringComparison.Ordinal));

        var local = net.Route(Local("10.244.1.5"));
        Assert.Equal("istioin", local.OutInterface);
        Assert.Equal(A("10.244.1.1"), local.PreferredSource); // the route's src
        Assert.Equal(RouteKind.Local, net.Route(Local("172.18.0.3")).Kind);
    }

    [Fact]
    public void Local_and_broadcast_addresses_come_from_the_interfaces_and_the_local_table()
    {
        var net = NodeSnapshot.Load(Ambient, Repo.Root).Network;
        Assert.Equal("eth0", net.LocalInterfaceOf(A("172.18.0.3")));
        Assert.Equal("lo", net.LocalInterfaceOf(A("127.0.0.53"))); // local 127.0.0.0/8 dev lo
        Assert.Null(net.LocalInterfaceOf(A("10.244.1.5")));
        // 10.244.1.1 is on every pod veth, but its one local route is on vethbb925f55 (what --limit-iface-in compares)
        Assert.Equal("vethbb925f55", net.LocalInterfaceOf(A("10.244.1.1")));
        Assert.True(net.IsBroadcast(A("172.18.255.255")));
        Assert.True(net.IsBroadcast(A("192.168.126.3")));
        Assert.False(net.IsBroadcast(A("172.18.0.9")));
        Assert.Equal([A("172.18.0.3")], net.AddressesOf("eth0", IpFamily.V4));
    }

    [Fact]
    public void Without_an_interface_dump_names_and_local_addresses_are_derived_from_the_routes_and_said_so()
    {
        var dir = Copy("ip-route.txt", "ip-rule.txt");
        try
        {
            var snap = NodeSnapshot.Load(dir);
            Assert.Contains(snap.Routing.Interfaces, i => i.Name == "istioout");
            Assert.Equal("eth0", snap.Network.LocalInterfaceOf(A("172.18.0.3")));
            Assert.Equal([A("172.18.0.3")], snap.Network.AddressesOf("eth0", IpFamily.V4));
            Assert.Contains(snap.Network.Assumptions, a => a.StartsWith("no interface dump", StringComparison.Ordinal));
            Assert.Contains(snap.Network.Assumptions, a => a.StartsWith("no sysctls", StringComparison.Ordinal));
            Assert.Equal("eth0", snap.Network.Route(Received("10.244.2.6", "10.244.1.5", "veth5c2d7e01", 0x210)).OutInterface);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Without_any_routing_file_every_destination_is_assumed_to_leave_through_eth0()
    {
        var dir = Copy("iptables-save.txt");
        try
        {
            var snap = NodeSnapshot.Load(dir);
            var r = snap.Network.Route(Received("198.51.100.1", "192.0.2.7", "eth1"));
            Assert.Equal(RouteKind.Forward, r.Kind);
            Assert.Equal("eth0", r.OutInterface);
            Assert.Null(r.Gateway);
            Assert.Contains(snap.Network.Assumptions, a => a.StartsWith("no routing information", StringComparison.Ordinal));
            Assert.DoesNotContain(snap.Network.Assumptions, a => a.StartsWith("no interface dump", StringComparison.Ordinal));
            var file = NodeSnapshot.Load(Path.Combine(dir, "iptables-save.txt"));
            Assert.Equal("eth0", file.Network.Route(Local("8.8.8.8")).OutInterface);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Errors_reach_the_walk_by_what_their_errno_does()
    {
        var dir = Directory.CreateTempSubdirectory("nfwfibnet").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "ip-rule.txt"), "0:\tfrom all lookup local\n10:\tfrom all fwmark 0x1 unreachable\n11:\tfrom all fwmark 0x2 prohibit\n32766:\tfrom all lookup main\n");
            File.WriteAllText(Path.Combine(dir, "ip-route.txt"), "blackhole 192.0.2.0/24\nunreachable 192.0.3.0/24\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\nlocal 10.0.0.1 dev eth0 table local proto kernel scope host src 10.0.0.1\n");
            var net = NodeSnapshot.Load(dir).Network;
            Assert.Equal(RouteKind.Blackhole, net.Route(Local("192.0.2.9")).Kind);
            Assert.Equal(RouteKind.Unreachable, net.Route(Local("192.0.3.9")).Kind);
            Assert.Equal(RouteKind.Unreachable, net.Route(Local("10.0.0.9", mark: 1)).Kind);
            Assert.Equal(RouteKind.Prohibit, net.Route(Local("10.0.0.9", mark: 2)).Kind);
            Assert.Equal(RouteKind.NoRoute, net.Route(Local("8.8.8.8")).Kind);
            // a martian (source 127.0.0.1 received on eth0) is dropped without an error: the walk's blackhole
            var martian = net.Route(Received("10.0.0.1", "127.0.0.1", "eth0"));
            Assert.Equal(RouteKind.Blackhole, martian.Kind);
            Assert.Contains("martian", martian.Summary, StringComparison.Ordinal);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Explain_describes_a_set_by_type_and_first_members()
    {
        var snap = NodeSnapshot.Load(Ambient, Repo.Root);
        Assert.Equal("hash:ip, 2 elements: 10.244.1.5, 10.244.1.6", IpSetSummary.Describe(snap.Ipsets!, "ztunnel-pods-ips"));
        Assert.Equal("not in the given ipset file", IpSetSummary.Describe(snap.Ipsets!, "nope"));
    }
}
