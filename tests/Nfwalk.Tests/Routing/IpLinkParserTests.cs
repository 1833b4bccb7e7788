using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Parsing.Iproute2;
using static Nfwalk.Tests.Routing.RoutingData;

namespace Nfwalk.Tests.Routing;

/// <summary>"ip -d addr" / "ip -d link" text and "ip -j -d addr" / "ip -j -d link" JSON (ipaddress.c print_linkinfo, print_addrinfo).</summary>
public class IpLinkParserTests
{
    [Fact]
    public void Ambient_node_interfaces_with_geneve_tunnels_and_pod_veths()
    {
        var diags = new DiagnosticBag();
        var ifs = IpLinkParser.ParseText(Read("ambient-node", "ip-addr.txt"), "ip-addr.txt", diags);
        Assert.Empty(diags.Items);
        Assert.Equal(["lo", "vethbb925f55", "veth5c2d7e01", "vethd41a9b32", "veth7e0f3a14", "istioin", "istioout", "eth0"], ifs.Select(i => i.Name));
        var lo = ifs[0];
        Assert.True(lo is { Kind: InterfaceKind.Loopback, IsLoopback: true, IsUp: true, Mtu: 65536 });
        Assert.Equal(Scope.Host, Assert.Single(lo.Addresses).Scope);

        var istioin = ifs.Single(i => i.Name == "istioin");
        Assert.Equal(InterfaceKind.Geneve, istioin.Kind);
        Assert.Equal(new TunnelInfo("geneve", 1000, A("10.244.1.4"), null, null, 6081, "auto", null, false), istioin.Tunnel);
        Assert.Equal((1450, "2e:91:6b:0a:d3:57"), (istioin.Mtu!.Value, istioin.Mac));
        var addr = Assert.Single(istioin.Addresses);
        Assert.Equal((A("192.168.126.1"), 30, Scope.Global, false), (addr.Local, addr.PrefixLength, addr.Scope, addr.Secondary));
        Assert.Equal(P("192.168.126.0/30"), addr.Subnet);
        Assert.Equal(1001u, ifs.Single(i => i.Name == "istioout").Tunnel!.Vni);

        var zt = ifs.Single(i => i.Name == "vethbb925f55");
        Assert.Equal(InterfaceKind.Veth, zt.Kind);
        Assert.Equal(new PeerLink(null, 2, "cni-6f2a0b8e-1d4c-3b5a-9e7f-2c4d6e8a0b1c", null), zt.Link);
        Assert.True(zt.Link!.InOtherNamespace);
        Assert.Equal(A("10.244.1.1"), Assert.Single(zt.Addresses).Local);

        var eth0 = ifs.Single(i => i.Name == "eth0");
        Assert.Equal(new PeerLink(null, 10, null, 0), eth0.Link);
        Assert.Equal(A("172.18.255.255"), eth0.Addresses[0].Broadcast);
        Assert.Equal("eth0", eth0.Addresses[0].Label);
        Assert.Equal(new SourceLocation("ip-addr.txt", 35, 1), eth0.Location);
    }

    [Fact]
    public void Link_kinds_peers_secondaries_and_ipv6_read_the_same_from_text_and_json()
    {
        var diags = new DiagnosticBag();
        var text = IpLinkParser.ParseText(Read("link-kinds", "ip-addr.txt"), "ip-addr.txt", diags);
        var json = IpLinkParser.ParseJson(Read("link-kinds", "ip-addr.json"), "ip-addr.json", diags);
        Assert.Empty(diags.Items);
        Assert.Equal(text.Select(i => i.Name), json.Select(i => i.Name));
        foreach (var ifs in new[] { text, json })
        {
            Interface I(string n) => ifs.Single(i => i.Name == n);
            var eth0 = I("eth0");
            Assert.True(eth0 is { Kind: InterfaceKind.Veth, IsUp: true, LowerUp: false, Index: 2 });
            Assert.Equal(2, eth0.Link!.IfIndex);
            var v4 = eth0.AddressesOf(IpFamily.V4).ToList();
            Assert.Equal(3, v4.Count);
            Assert.Equal((A("10.0.0.1"), A("10.0.0.2"), 32), (v4[0].Local, v4[0].Peer!.Value, v4[0].PrefixLength));
            Assert.Equal(P("10.0.0.2/32"), v4[0].Subnet);
            Assert.Equal(A("192.168.50.255"), v4[1].Broadcast);
            Assert.True(v4[2] is { Secondary: true, Label: "eth0:1" });
            Assert.Equal(A("10.0.0.1"), eth0.PrimaryAddress(IpFamily.V4)!.Local);
            var v6 = eth0.AddressesOf(IpFamily.V6).ToList();
            Assert.Equal([A("2001:db8:5::2"), A("2001:db8:5::1")], v6.Select(a => a.Local));
            Assert.All(v6, a => Assert.Contains("nodad", a.Flags));

            Assert.Equal(new TunnelInfo("vxlan", 42, A("1.2.3.4"), A("10.0.0.1"), null, 4789, "auto", null, false), I("vx0").Tunnel! with { Ttl = "auto" });
            Assert.Equal(100u, Assert.Single(I("vx0").AddressesOf(IpFamily.V4)).Metric);
            var vx1 = I("vx1").Tunnel!;
            Assert.True(vx1 is { External: true, Vni: null, DestinationPort: 8472 });
            Assert.False(I("vx1").IsUp);
            Assert.True(I("br0") is { Kind: InterfaceKind.Bridge });
            Assert.True(Assert.Single(I("br0").AddressesOf(IpFamily.V4)).NoPrefixRoute);
            Assert.Equal("br0", I("bp0").Master);
            Assert.Equal("bp1", I("bp0").Link!.Name);
            Assert.True(I("mv0") is { Kind: InterfaceKind.Other, KindName: "macvlan" });
            Assert.Equal("eth0", I("mv0").Link!.Name);
        }
        Assert.Equal("nfwfib-kindsp2901", text.Single(i => i.Name == "eth0").Link!.Netns);
        Assert.Equal(0, json.Single(i => i.Name == "eth0").Link!.NetnsId);
    }

    [Fact]
    public void Ip_link_text_gives_the_kinds_without_addresses()
    {
        var diags = new DiagnosticBag();
        var ifs = IpLinkParser.ParseText(Read("link-kinds", "ip-link.txt"), "ip-link.txt", diags);
        Assert.Empty(diags.Items);
        Assert.All(ifs, i => Assert.Empty(i.Addresses));
        Assert.Equal(InterfaceKind.Vxlan, ifs.Single(i => i.Name == "vx0").Kind);
    }

    [Fact]
    public void The_kernel_dump_of_the_differential_namespace_reads_the_same_in_text_and_json()
    {
        var diags = new DiagnosticBag();
        var text = IpLinkParser.ParseText(Read("kernel-6.18", "ip-addr.txt"), "ip-addr.txt", diags);
        var json = IpLinkParser.ParseJson(Read("kernel-6.18", "ip-addr.json"), "ip-addr.json", diags);
        Assert.Empty(diags.Items);
        Assert.Equal(text.Select(i => (i.Name, i.Index, i.Kind, string.Join(",", i.Addresses))), json.Select(i => (i.Name, i.Index, i.Kind, string.Join(",", i.Addresses))));
        var wan0 = text.Single(i => i.Name == "wan0");
        // the kernel keeps wider-scope primaries last: the link-scope address comes first although it was added second
        Assert.Equal([A("169.254.5.1"), A("10.99.1.1")], wan0.AddressesOf(IpFamily.V4).Select(a => a.Local));
        Assert.Equal(Scope.Link, wan0.Addresses[0].Scope);
        Assert.False(text.Single(i => i.Name == "down0").LowerUp);
    }

    [Fact]
    public void Malformed_interface_lines_are_reported_at_their_line_and_column()
    {
        const string text =
            "    inet 10.0.0.1/24 scope global eth0\n" +                                // 1: before any interface
            "2: eth0: <BROADCAST,UP,LOWER_UP> mtu 1500 state UP\n" +
            "    link/ether 02:42:ac:12:00:03 brd ff:ff:ff:ff:ff:ff\n" +
            "    inet 10.0.0.300/24 scope global eth0\n" +                              // 4: bad address, column 10
            "    inet 10.0.1.1/24 scope galactic shiny eth0\n" +                        // 5: bad scope at 28, unknown "shiny" at 37
            "    inet 10.0.2.1/24 brd 10.0.2.255 scope global eth0\n" +
            "x: broken\n" +                                                            // 7: not a header
            "3 eth1 <UP>\n";                                                           // 8: no colon
        var diags = new DiagnosticBag();
        var ifs = IpLinkParser.ParseText(text, "addr.txt", diags);
        var eth0 = Assert.Single(ifs);
        Assert.Equal([A("10.0.1.1"), A("10.0.2.1")], eth0.Addresses.Select(a => a.Local));
        Assert.Contains("shiny", eth0.Addresses[0].Flags);
        var d = diags.Items;
        Assert.Contains(d, x => x.Location == new SourceLocation("addr.txt", 1, 5));
        Assert.Contains(d, x => x.Location == new SourceLocation("addr.txt", 4, 10) && x.Message.Contains("10.0.0.300"));
        Assert.Contains(d, x => x.Location == new SourceLocation("addr.txt", 5, 28) && x.Message.Contains("galactic"));
        Assert.Contains(d, x => x.Location == new SourceLocation("addr.txt", 5, 37) && x.Message.Contains("shiny"));
        Assert.Contains(d, x => x.Location == new SourceLocation("addr.txt", 7, 1));
        Assert.Contains(d, x => x.Severity == Severity.Error && x.Location == new SourceLocation("addr.txt", 8, 1));
    }
}
