using System.Diagnostics;
using System.Globalization;
using System.Text;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Parsing.Iproute2;
using Nfwalk.Semantics.Routing;
using static Nfwalk.Tests.Routing.RoutingData;

namespace Nfwalk.Tests.Routing;

/// <summary>"ip route show table all" text and "ip -j route show table all" JSON (iproute.c print_route).</summary>
public class IpRouteParserTests
{
    [Fact]
    public void Ambient_tables_100_101_102_and_the_local_table_are_read()
    {
        var diags = new DiagnosticBag();
        var routes = IpRouteParser.ParseText(Read("ambient-node", "ip-route.txt"), "ip-route.txt", diags);
        Assert.Empty(diags.Items);
        IEnumerable<string> Table(string t) => routes.Where(r => r.Table == RouteTableId.Parse(t)).Select(r => r.ToString());
        Assert.Equal(
            ["10.244.1.4 dev vethbb925f55 table 100 scope link", "10.244.1.5 via 192.168.126.2 dev istioin table 100 src 10.244.1.1", "10.244.1.6 via 192.168.126.2 dev istioin table 100 src 10.244.1.1"],
            Table("100"));
        Assert.Equal(["default via 192.168.127.2 dev istioout table 101", "10.244.1.4 dev vethbb925f55 table 101 scope link"], Table("101"));
        Assert.Equal(["default via 10.244.1.4 dev vethbb925f55 table 102 onlink", "10.244.1.4 dev vethbb925f55 table 102 scope link"], Table("102"));
        var onlink = routes.Single(r => r.Table == new RouteTableId(102) && r.Destination.Length == 0);
        Assert.True(onlink is { OnLink: true, Device: "vethbb925f55", Scope: Scope.Global });
        var connected = routes.Single(r => r.Destination == P("172.18.0.0/16"));
        Assert.True(connected is { Protocol: "kernel", Scope: Scope.Link, Type: RouteType.Unicast } && connected.PreferredSource == A("172.18.0.3") && connected.Table.IsMain);
        var local = routes.Where(r => r.Table.IsLocal).ToList();
        Assert.Equal(10, local.Count);
        Assert.All(local, r => Assert.True(r.Type is RouteType.Local or RouteType.Broadcast));
        Assert.Equal(Scope.Host, local.First(r => r.Type == RouteType.Local).Scope);
        Assert.Equal(new SourceLocation("ip-route.txt", 2, 1), routes[1].Location);
    }

    [Fact]
    public void Route_types_multipath_metrics_tos_and_attributes_read_the_same_from_text_and_json()
    {
        var diags = new DiagnosticBag();
        var text = IpRouteParser.ParseText(Read("selectors", "ip-route.txt"), "ip-route.txt", diags);
        var json = IpRouteParser.ParseJson(Read("selectors", "ip-route.json"), "ip-route.json", diags);
        Assert.Empty(diags.Items);
        Assert.Equal(text.Select(r => r.ToString()), json.Select(r => r.ToString()));
        foreach (var routes in new[] { text, json })
        {
            Route R(string dst, RouteType? type = null) => routes.Single(r => r.Destination == P(dst) && (type is null || r.Type == type));
            Assert.True(R("10.0.0.0/8") is { Type: RouteType.Throw, Device: null } && R("10.0.0.0/8").Table == new RouteTableId(200));
            Assert.Equal(RouteType.Unreachable, R("192.0.2.0/24").Type);
            Assert.Equal(RouteType.Prohibit, R("192.0.3.0/24").Type);
            Assert.True(R("192.0.4.0/24") is { Type: RouteType.Blackhole } && R("192.0.4.0/24").Table.IsMain);
            var mp = R("10.5.0.0/16");
            Assert.True(mp.IsMultipath);
            Assert.Equal(["via 172.18.0.5 dev eth0 weight 2", "via 172.18.0.6 dev eth0"], mp.NextHops.Select(n => n.ToString()));
            var st = R("10.7.0.0/16");
            Assert.True(st is { Metric: 50, Protocol: "static" } && st.PreferredSource == A("172.18.0.3"));
            var tos = R("10.8.0.0/16");
            Assert.Equal((byte)0x10, tos.Tos);
            Assert.Contains("mtu 1400", tos.Attributes);
            var v6mp = R("2001:db8:1::/48");
            Assert.True(v6mp is { IsMultipath: true, Metric: 1024, Preference: "medium" });
            var v6unr = R("2001:db8:2::/48");
            Assert.True(v6unr is { Type: RouteType.Unreachable, Device: "lo" });
            // "default dev eth0 table 7 metric 1024 pref medium" has no address: "pref" makes it IPv6
            var v6default = routes.Single(r => r.Table == new RouteTableId(7));
            Assert.Equal(P("::/0"), v6default.Destination);
            Assert.Equal(IpFamily.V4, routes.Single(r => r.Destination == P("0.0.0.0/0") && r.Table.IsMain).Family);
            Assert.True(routes.Single(r => r.Table == new RouteTableId(100)) is { OnLink: true });
            Assert.Contains(routes, r => r.Type == RouteType.Multicast && r.Destination == P("ff00::/8"));
        }
    }

    [Fact]
    public void The_kernel_dump_of_the_differential_namespace_reads_the_same_in_text_and_json()
    {
        var diags = new DiagnosticBag();
        var text = IpRouteParser.ParseText(Read("kernel-6.18", "ip-route.txt"), "ip-route.txt", diags);
        var json = IpRouteParser.ParseJson(Read("kernel-6.18", "ip-route.json"), "ip-route.json", diags);
        Assert.Empty(diags.Items);
        Assert.Equal(text.Select(r => r.ToString()), json.Select(r => r.ToString()));
        var linkdown = text.Single(r => r.Destination == P("10.71.0.0/16") && r.Device == "down0");
        Assert.Contains("linkdown", linkdown.Flags);
        var anyIp = text.Single(r => r.Destination == P("10.123.0.0/16"));
        Assert.True(anyIp is { Type: RouteType.Local, Protocol: null, Device: "lo" } && anyIp.Table.IsLocal);
        Assert.Contains(text, r => r.Type == RouteType.Anycast && r.Family == IpFamily.V6);
    }

    [Fact]
    public void A_default_route_without_addresses_takes_the_family_of_the_route_before_it()
    {
        var diags = new DiagnosticBag();
        var routes = IpRouteParser.ParseText(
            "default dev tun0 scope link\n" +                     // IPv4: dumps list IPv4 first
            "fd00::/64 dev eth0 proto kernel metric 256\n" +
            "default dev wg0 table 51820 metric 1024\n" +         // after IPv6 routes: IPv6
            "unreachable default dev lo table 9 metric 1024 pref medium\n", "r.txt", diags);
        Assert.Empty(diags.Items);
        Assert.Equal([IpFamily.V4, IpFamily.V6, IpFamily.V6, IpFamily.V6], routes.Select(r => r.Family));
        var six = IpRouteParser.ParseText("default dev wg0 table 51820\n", "r6.txt", diags, IpFamily.V6);
        Assert.Equal(IpFamily.V6, Assert.Single(six).Family);
    }

    [Fact]
    public void Malformed_lines_are_reported_at_their_line_and_column_and_the_rest_is_read()
    {
        const string text =
            "default via 172.18.0.1 dev eth0 \n" +
            "local\n" +                                           // 2: type without destination
            "10.0.0.0/40 dev eth0\n" +                            // 3: bad prefix, column 1
            "10.1.0.0/16 via 1.2.3 dev eth0\n" +                  // 4: bad gateway, column 17
            "10.2.0.0/16 dev eth0 frob 3 metric 7\n" +            // 5: unknown attribute at column 22, kept
            "\tnexthop via 172.18.0.9 dev eth0 weight 1\n" +      // 6: continues route 5 — a multipath route now
            "broadcast 10.3.0.0/16 dev eth0 metric x\n" +         // 7: bad metric, column 39
            "10.4.0.0/16 dev eth0 table local\n";
        var diags = new DiagnosticBag();
        var routes = IpRouteParser.ParseText(text, "routes.txt", diags);
        Assert.Equal(["0.0.0.0/0", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"], routes.Select(r => r.Destination.ToString()));
        var d = diags.Items;
        Assert.Contains(d, x => x.Severity == Severity.Error && x.Location == new SourceLocation("routes.txt", 2, 1));
        Assert.Contains(d, x => x.Severity == Severity.Error && x.Location == new SourceLocation("routes.txt", 3, 1) && x.Message.Contains("10.0.0.0/40"));
        Assert.Contains(d, x => x.Severity == Severity.Warning && x.Location == new SourceLocation("routes.txt", 4, 17) && x.Message.Contains("1.2.3"));
        Assert.Contains(d, x => x.Severity == Severity.Warning && x.Location == new SourceLocation("routes.txt", 5, 22) && x.Message.Contains("frob 3"));
        Assert.Contains(d, x => x.Severity == Severity.Warning && x.Location == new SourceLocation("routes.txt", 7, 39));
        var r5 = routes.Single(r => r.Destination == P("10.2.0.0/16"));
        Assert.Equal(["frob 3"], r5.UnknownWords);
        Assert.Equal(7u, r5.Metric);
        Assert.Single(r5.NextHops);
        Assert.True(routes.Single(r => r.Destination == P("10.4.0.0/16")).Table.IsLocal);
    }

    [Fact]
    public void Json_routes_with_unknown_keys_and_bad_values_are_reported_where_they_are()
    {
        const string json = "[{\"dst\":\"10.0.0.0/8\",\"dev\":\"eth0\",\"sparkle\":1,\"flags\":[]},\n{\"dst\":\"10.0.0.0/99\",\"dev\":\"eth0\"},\n{\"dst\":\"default\",\"gateway\":\"10.0.0.1\",\"dev\":\"eth0\",\"metric\":\"lots\"}]";
        var diags = new DiagnosticBag();
        var routes = IpRouteParser.ParseJson(json, "r.json", diags);
        Assert.Equal(["10.0.0.0/8", "0.0.0.0/0"], routes.Select(r => r.Destination.ToString()));
        Assert.Contains(diags.Items, d => d.Severity == Severity.Warning && d.Location == new SourceLocation("r.json", 1, 35) && d.Message.Contains("sparkle"));
        Assert.Contains(diags.Items, d => d.Severity == Severity.Error && d.Location == new SourceLocation("r.json", 2, 8));
        Assert.Contains(diags.Items, d => d.Severity == Severity.Warning && d.Location.Line == 3 && d.Message.Contains("lots"));
    }

    [Fact]
    public void A_table_of_100000_routes_parses_and_answers_lookups_quickly()
    {
        var sb = new StringBuilder();
        sb.Append("default via 10.0.0.1 dev eth0 \n10.0.0.0/8 dev eth0 proto kernel scope link src 10.0.0.2 \n");
        for (int i = 0; i < 100_000; i++)
        {
            uint net = 0x0b000000u + ((uint)i << 8); // 11.0.0.0/24, 11.0.1.0/24, ...
            var addr = $"{net >> 24}.{(net >> 16) & 255}.{(net >> 8) & 255}.0";
            sb.Append(addr).Append(i % 3 == 0 ? "/24" : i % 3 == 1 ? "/25" : "/26").Append(" via 10.0.").Append(i % 250).Append(".1 dev eth").Append(i % 4)
              .Append(i % 2 == 0 ? " table 100" : "").Append(" proto bird metric ").Append(i % 7).Append(" \n");
        }
        var text = sb.ToString();
        var diags = new DiagnosticBag();
        var sw = Stopwatch.StartNew();
        var routes = IpRouteParser.ParseText(text, "big.txt", diags);
        var parse = sw.Elapsed;
        Assert.Empty(diags.Items);
        Assert.Equal(100_002, routes.Count);
        var state = new RoutingStateBuilder(diags).AddRoutes(routes).Build();
        var fib = new Fib(state);
        sw.Restart();
        RouteDecision? last = null;
        for (int i = 0; i < 20_000; i++)
        {
            uint net = 0x0b000000u + ((uint)(i * 5) << 8) + 7;
            last = fib.Lookup(RouteQuery.Output(IpAddress.FromV4(net)));
        }
        var lookups = sw.Elapsed;
        Assert.Equal(RouteDecisionKind.Forward, last!.Kind);
        // generous bounds (a shared CI machine): in practice ~0.3 s and ~0.5 s
        Assert.True(parse < TimeSpan.FromSeconds(5), $"parsing 100k routes took {parse}");
        Assert.True(lookups < TimeSpan.FromSeconds(10), $"20k lookups took {lookups}");
        var q = fib.Out("11.0.5.9"); // 11.0.5.0/26 (i = 5: "/26"), in main
        Assert.Equal(("eth1", A("10.0.5.1")), (q.OutInterface, q.Gateway!.Value));
        var q100 = fib.Out("11.0.4.9"); // i = 4: 11.0.4.0/25 in table 100, not consulted by the default rules: main's 10/8? no — default route
        Assert.Equal(A("10.0.0.1"), q100.Gateway);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parse {parse.TotalMilliseconds:F0} ms, 20k lookups {lookups.TotalMilliseconds:F0} ms"));
    }
}
