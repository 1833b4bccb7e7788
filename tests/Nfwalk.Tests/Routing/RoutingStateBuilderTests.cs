using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Parsing.Iproute2;
using static Nfwalk.Tests.Routing.RoutingData;

namespace Nfwalk.Tests.Routing;

/// <summary>Combining dumps, and what is derived (and recorded as an assumption) when some are missing.</summary>
public class RoutingStateBuilderTests
{
    [Fact]
    public void A_complete_snapshot_folder_needs_no_assumptions()
    {
        var s = Load("kernel-6.18");
        Assert.Empty(s.Assumptions);
        Assert.Equal(28, s.RulesV4.Count);
        Assert.Equal(4, s.RulesV6.Count);
        Assert.Equal(17, s.Interfaces.Count);
        Assert.NotNull(s.Table(new RouteTableId(102)));
        Assert.True(s.HasCustomRules(IpFamily.V4));
        Assert.True(s.HasCustomLocalRoutes); // local 10.123.0.0/16 dev lo was added by hand
        // ip-addr.txt and ip-link.json are merged by name
        Assert.Equal(InterfaceKind.Veth, s.Interface("vethzt")!.Kind);
    }

    [Fact]
    public void Without_routes_the_local_table_derived_from_the_addresses_is_the_kernels()
    {
        // kernel-6.18's own local table against the one derived from its ip addr alone: local and broadcast routes,
        // including the subnet broadcast the kernel adds when no "brd" was given (10.1.0.1/24 → broadcast 10.1.0.255)
        static string Key(Route r) => $"{r.Type.Name()} {r.Destination} dev {r.Device} src {r.PreferredSource}";
        var derived = State(addrs: Read("kernel-6.18", "ip-addr.txt"));
        var dumped = State(routes: Read("kernel-6.18", "ip-route.txt"), addrs: Read("kernel-6.18", "ip-addr.txt"));
        var expected = dumped.Table(RouteTableId.Local)!.Routes.Where(r => r.Family == IpFamily.V4 && r.Protocol == "kernel").Select(Key).Order();
        var actual = derived.Table(RouteTableId.Local)!.Routes.Where(r => r.Family == IpFamily.V4).Select(Key).Order();
        Assert.Equal(expected, actual);
        Assert.Contains("broadcast 10.1.0.255/32 dev eth0 src 10.1.0.1", actual);
    }

    [Fact]
    public void Without_rules_the_kernel_defaults_are_assumed_and_said()
    {
        var s = State(routes: Read("ambient-node", "ip-route.txt"), addrs: Read("ambient-node", "ip-addr.txt"));
        Assert.Equal(["0:\tfrom all lookup local", "32766:\tfrom all lookup main", "32767:\tfrom all lookup default"], s.RulesV4.Select(r => r.ToString()));
        Assert.Contains(s.Assumptions, a => a.Contains("default IPv4 rules"));
        Assert.False(s.HasCustomRules(IpFamily.V4));
    }

    [Fact]
    public void Without_interfaces_they_are_derived_from_the_local_table_and_the_connected_routes()
    {
        var s = State(rules: Read("kernel-6.18", "ip-rule.txt"), routes: Read("kernel-6.18", "ip-route.txt"));
        Assert.Contains(s.Assumptions, a => a.StartsWith("no interface dump", StringComparison.Ordinal));
        var eth0 = s.Interface("eth0")!;
        Assert.Equal(["10.1.0.1/24", "172.18.0.3/16", "172.18.0.9/16"], eth0.AddressesOf(IpFamily.V4).Select(a => a.Prefix.ToString()));
        // "local 172.18.0.9 dev eth0 table local proto kernel scope host src 172.18.0.3": a secondary of 172.18.0.3
        Assert.True(eth0.Addresses.Single(a => a.Local == A("172.18.0.9")).Secondary);
        Assert.Equal(A("172.18.255.255"), eth0.Addresses.Single(a => a.Local == A("172.18.0.3")).Broadcast);
        Assert.Equal(InterfaceKind.Loopback, s.Interface("lo")!.Kind);
        Assert.NotNull(s.Interface("noaddr0"));
        Assert.Equal(A("10.244.1.1"), s.InterfaceOwning(A("10.244.1.1")) is { } i ? i.Addresses[0].Local : default);
    }

    [Fact]
    public void Without_routes_the_kernel_routes_of_each_address_are_derived()
    {
        var s = State(addrs: Read("ambient-node", "ip-addr.txt"));
        Assert.Contains(s.Assumptions, a => a.StartsWith("no route dump", StringComparison.Ordinal));
        var local = s.Table(RouteTableId.Local)!.Routes.Select(r => r.ToString()).ToList();
        Assert.Contains("local 172.18.0.3 dev eth0 table local proto kernel scope host src 172.18.0.3", local);
        Assert.Contains("broadcast 172.18.255.255 dev eth0 table local proto kernel scope link src 172.18.0.3", local);
        Assert.Contains("local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1", local);
        var main = s.Table(RouteTableId.Main)!.Routes.Select(r => r.ToString()).ToList();
        Assert.Contains("172.18.0.0/16 dev eth0 proto kernel scope link src 172.18.0.3", main);
        Assert.Contains("192.168.126.0/30 dev istioin proto kernel scope link src 192.168.126.1", main);
        Assert.DoesNotContain(main, r => r.StartsWith("default", StringComparison.Ordinal));
    }

    [Fact]
    public void A_route_dump_without_the_local_table_gets_one_from_the_addresses()
    {
        var main = string.Join("\n", Read("ambient-node", "ip-route.txt").Split('\n').Where(l => !l.Contains("table local")));
        var s = State(routes: main, addrs: Read("ambient-node", "ip-addr.txt"));
        Assert.Contains(s.Assumptions, a => a.Contains("no IPv4 local table"));
        Assert.Contains(s.Table(RouteTableId.Local)!.Routes, r => r.Type == RouteType.Local && r.Destination == P("10.244.1.1/32"));
    }

    [Fact]
    public void A_route_through_a_device_the_interface_dump_lacks_is_reported()
    {
        var diags = new DiagnosticBag();
        new RoutingStateBuilder(diags)
            .AddInterfacesText("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n    inet 127.0.0.1/8 scope host lo\n", "a.txt")
            .AddRoutesText("10.0.0.0/8 dev ghost0 scope link\n", "r.txt").Build();
        Assert.Equal(new SourceLocation("r.txt", 1, 1), Assert.Single(diags.Items).Location);
    }

    [Fact]
    public void Without_sysctls_forwarding_on_and_rp_filter_off_are_assumed()
    {
        var s = State(rules: Read("e09", "ip-rule.txt"), routes: Read("e09", "ip-route.txt"));
        Assert.Contains(s.Assumptions, a => a.StartsWith("no sysctls", StringComparison.Ordinal));
    }
}
