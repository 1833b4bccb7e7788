using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Semantics.Routing;
using static Nfwalk.Tests.Routing.RoutingData;

namespace Nfwalk.Tests.Routing;

/// <summary>
/// The route decision, case by case. Each test names the kernel function it follows (net/core/fib_rules.c,
/// net/ipv4/fib_rules.c, fib_trie.c, fib_semantics.c, route.c, devinet.c) and, where one exists, the experiment
/// (shared/reference/kernel-experiments) or the differential namespace (Data/iproute2/kernel-6.18) that pinned it.
/// </summary>
public class FibTests
{
    private static readonly Lazy<Fib> Ambient = new(() => new Fib(Load("ambient-node")));
    private static readonly Lazy<Fib> E09 = new(() => new Fib(Load("e09")));
    private static readonly Lazy<Fib> Kernel = new(() => new Fib(Load("kernel-6.18")));

    // ------------------------------------------------------------------ the ambient node (ambient-node.md)

    [Fact]
    public void Ambient_outbound_mark_0x100_walks_to_rule_101_and_leaves_by_istioout()
    {
        // fib_rules_lookup: ascending pref; fib_rule_match: ((mark ^ 0x200) & 0x200) != 0 so rule 100 is passed over
        var d = Ambient.Value.In("10.96.0.10", "10.244.1.5", "veth5c2d7e01", mark: 0x100);
        Assert.Equal((RouteDecisionKind.Forward, "istioout", A("192.168.127.2")), (d.Kind, d.OutInterface, d.Gateway!.Value));
        Assert.Equal(new RouteTableId(101), d.Table);
        Assert.Equal(101u, d.Rule!.Priority);
        Assert.Equal(
            [(0u, true, RuleStepOutcome.NoRouteInTable), (100u, false, RuleStepOutcome.NotMatched), (101u, true, RuleStepOutcome.Found)],
            d.Steps.Select(s => (s.Priority, s.Matched, s.Outcome)));
        Assert.Contains("(0x100 ^ 0x200) & 0x200 = 0x200", d.Steps[1].Text);
    }

    [Fact]
    public void Ambient_mark_0x200_goes_straight_to_main_skipping_tables_101_to_100()
    {
        // FR_ACT_GOTO: the walk resumes at the rule whose pref is the target (fib_nl_newrule resolves ctarget)
        var d = Ambient.Value.In("10.244.1.5", "172.18.0.7", "eth0", mark: 0x200);
        Assert.Equal(("veth5c2d7e01", (IpAddress?)null), (d.OutInterface, d.Gateway)); // main: "10.244.1.5 dev veth5c2d7e01 scope host"
        Assert.Equal([0u, 100, 32766], d.Steps.Select(s => s.Priority));
        Assert.Equal(RuleStepOutcome.Goto, d.Steps[1].Outcome);
        // without the mark, rule 103 sends the pod's traffic through table 100 into istioin
        var plain = Ambient.Value.In("10.244.1.5", "172.18.0.7", "eth0");
        Assert.Equal(("istioin", A("192.168.126.2"), 103u), (plain.OutInterface, plain.Gateway!.Value, plain.Rule!.Priority));
    }

    [Fact]
    public void Ambient_mark_0x40_returns_to_ztunnel_through_table_102_onlink()
    {
        var d = Ambient.Value.In("10.244.2.9", "10.244.0.5", "eth0", mark: 0x40);
        Assert.Equal(("vethbb925f55", A("10.244.1.4"), true), (d.OutInterface, d.Gateway!.Value, d.OnLink));
        Assert.Equal(new RouteTableId(102), d.Table);
    }

    [Fact]
    public void Ambient_host_probe_to_a_pod_uses_table_100_and_its_src()
    {
        // ip_route_output_key_hash_rcu → fib_select_path → fib_result_prefsrc: the route's src wins
        var d = Ambient.Value.Out("10.244.1.5");
        Assert.Equal((RouteDecisionKind.Forward, "istioin", A("10.244.1.1")), (d.Kind, d.OutInterface, d.Source!.Value));
        Assert.Contains("route's src", d.SourceReason);
        var zt = Ambient.Value.Out("10.244.1.4");
        Assert.Equal(("vethbb925f55", (IpAddress?)null, A("10.244.1.1")), (zt.OutInterface, zt.Gateway, zt.Source!.Value));
        var world = Ambient.Value.Out("8.8.8.8");
        Assert.Equal(("eth0", A("172.18.0.1"), A("172.18.0.3"), 32766u), (world.OutInterface, world.Gateway!.Value, world.Source!.Value, world.Rule!.Priority));
        Assert.Equal(RuleStepOutcome.NoRouteInTable, world.Steps.Single(s => s.Priority == 103).Outcome);
    }

    [Fact]
    public void Ambient_node_addresses_are_local_whatever_the_mark()
    {
        foreach (var mark in new uint[] { 0, 0x100, 0x200, 0x40 })
        {
            var d = Ambient.Value.In("172.18.0.3", "172.18.0.7", "eth0", mark);
            Assert.Equal((RouteDecisionKind.Local, "lo", "eth0", 0u), (d.Kind, d.OutInterface, d.LocalInterface, d.Rule!.Priority));
        }
    }

    // ------------------------------------------------------------------ E09 / E20

    [Theory]
    [InlineData(0x0u, "wan0", "10.99.1.2", "main")]     // hairpin back out of wan0
    [InlineData(0x2u, "eth0", "10.99.0.2", "200")]      // pref 100 fwmark 0x2/0x2
    [InlineData(0x200u, "eth0", "10.99.0.2", "200")]    // fwmark 0x210/0x200: V's bits outside M are ignored
    [InlineData(0x210u, "eth0", "10.99.0.2", "200")]
    [InlineData(0x6u, "wan0", "10.99.1.2", "main")]     // pref 90 (0x4/0x4 lookup main) comes before pref 100
    [InlineData(0xau, "eth0", "10.99.0.2", "200")]      // pref 80 goto 120 skips pref 85's lookup main
    [InlineData(0x10u, "wan0", "10.99.1.2", "main")]    // pref 70 table 300 has no route: the walk goes on
    public void E09_route_get_answers_are_reproduced(uint mark, string dev, string gw, string table)
    {
        // the kernel's "ip route get 192.0.2.10 from 10.99.1.2 iif wan0 mark M" in E09-policy-routing.out
        var d = E09.Value.In("192.0.2.10", "10.99.1.2", "wan0", mark);
        Assert.Equal((RouteDecisionKind.Forward, dev, A(gw), table), (d.Kind, d.OutInterface, d.Gateway!.Value, d.Table!.Value.Name));
    }

    [Fact]
    public void E09_packets_7006_to_7012()
    {
        var fib = E09.Value;
        Assert.Equal("eth0", fib.In("203.0.113.5", "10.99.1.2", "wan0").OutInterface);            // 7006: iif wan0 to 203.0.113.0/24
        Assert.Equal("eth0", fib.In("192.0.2.10", "10.99.1.77", "wan0").OutInterface);           // 7007: from 10.99.1.77
        Assert.Equal(RouteDecisionKind.Local, fib.In("10.99.0.1", "10.99.1.2", "wan0", 0x2).Kind); // 7008: local table first
        var d = fib.In("198.51.100.9", "10.99.1.2", "wan0", 0x10);                                 // 7012: table 300 has it
        Assert.Equal(("eth0", "300"), (d.OutInterface, d.Table!.Value.Name));
    }

    [Fact]
    public void E20_iif_lo_matches_locally_generated_packets_only_and_fwmark_without_mask_is_exact()
    {
        // fib_rule_match: flowi_iif is LOOPBACK_IFINDEX for output (ip_route_output_key_hash); mask 0xffffffff by default
        var fib = new Fib(State(
            rules: "0:\tfrom all lookup local\n100:\tfrom all fwmark 0x1 lookup 100\n101:\tfrom all to 198.51.100.0/24 iif lo lookup 101\n32766:\tfrom all lookup main\n",
            routes: Read("e09", "ip-route.txt") + "default via 10.99.0.2 dev eth0 table 100\ndefault via 10.99.0.2 dev eth0 table 101\n"));
        var m1 = fib.Out("192.0.2.10", mark: 0x1);
        Assert.Equal(("eth0", A("10.99.0.1"), "100"), (m1.OutInterface, m1.Source!.Value, m1.Table!.Value.Name));
        var m3 = fib.Out("192.0.2.10", mark: 0x3);
        Assert.Equal(("wan0", A("10.99.1.1")), (m3.OutInterface, m3.Source!.Value));
        Assert.Equal(("eth0", "101"), (fib.Out("198.51.100.9").OutInterface, fib.Out("198.51.100.9").Table!.Value.Name));
        Assert.Equal("wan0", fib.In("198.51.100.9", "10.99.1.2", "wan0").OutInterface);
    }

    // ------------------------------------------------------------------ rule actions and selectors

    private static readonly string Lab =
        "default via 10.0.0.254 dev eth0 \n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 \n" +
        "local 10.0.0.1 dev eth0 table local proto kernel scope host src 10.0.0.1 \n";

    [Fact]
    public void A_throw_route_and_an_empty_table_continue_the_walk()
    {
        // fib_table_lookup returns -EAGAIN for RTN_THROW (fib_props) and when nothing matches; fib_rules_lookup goes on
        var fib = new Fib(State(rules: "0:\tfrom all lookup local\n10:\tfrom all lookup 5\n20:\tfrom all lookup 6\n32766:\tfrom all lookup main\n",
            routes: Lab + "throw 192.0.2.0/24 table 5 \ndefault via 10.0.0.9 dev eth0 table 5 \n"));
        var d = fib.Out("192.0.2.1");
        Assert.Equal((A("10.0.0.254"), 32766u), (d.Gateway!.Value, d.Rule!.Priority));
        Assert.Equal([RuleStepOutcome.NoRouteInTable, RuleStepOutcome.Throw, RuleStepOutcome.NoRouteInTable, RuleStepOutcome.Found], d.Steps.Select(s => s.Outcome));
        Assert.Contains("table 6 is empty", d.Steps[2].Text);
        Assert.Equal(A("10.0.0.9"), fib.Out("198.51.100.1").Gateway); // not thrown: table 5's default
    }

    [Fact]
    public void Suppress_prefixlength_0_refuses_the_default_route_as_wg_quick_relies_on()
    {
        // fib4_rule_suppress: result->prefixlen <= suppress_prefixlen → the walk continues
        var fib = new Fib(State(
            rules: "0:\tfrom all lookup local\n32764:\tfrom all lookup main suppress_prefixlength 0\n32765:\tnot from all fwmark 0xca6c lookup 51820\n32766:\tfrom all lookup main\n",
            routes: Lab + "default dev wg0 table 51820 scope link \n"));
        var d = fib.Out("8.8.8.8");
        Assert.Equal(("wg0", 32765u), (d.OutInterface, d.Rule!.Priority));
        Assert.Equal(RuleStepOutcome.Suppressed, d.Steps.Single(s => s.Priority == 32764).Outcome);
        Assert.Equal(("eth0", 32764u), (fib.Out("10.0.0.7").OutInterface, fib.Out("10.0.0.7").Rule!.Priority)); // /24 > 0: kept
        Assert.Equal("eth0", fib.Out("8.8.8.8", mark: 0xca6c).OutInterface); // the tunnel's own packets: "not fwmark" fails
    }

    [Theory]
    [InlineData("unreachable", RouteDecisionKind.Unreachable, "ENETUNREACH")]
    [InlineData("prohibit", RouteDecisionKind.Prohibit, "EACCES")]
    [InlineData("blackhole", RouteDecisionKind.Blackhole, "EINVAL")]
    public void Reject_rules_end_the_walk_with_their_errno(string action, RouteDecisionKind kind, string errno)
    {
        // fib4_rule_action: FR_ACT_UNREACHABLE -ENETUNREACH, FR_ACT_PROHIBIT -EACCES, FR_ACT_BLACKHOLE -EINVAL
        var fib = new Fib(State(rules: $"0:\tfrom all lookup local\n50:\tfrom all fwmark 0x1 {action}\n32766:\tfrom all lookup main\n", routes: Lab));
        var d = fib.Out("8.8.8.8", mark: 1);
        Assert.Equal((kind, errno, 50u, RuleStepOutcome.RejectRule), (d.Kind, d.Error, d.Rule!.Priority, d.Steps[^1].Outcome));
        Assert.Equal(RouteDecisionKind.Forward, fib.Out("8.8.8.8").Kind);
    }

    [Theory]
    [InlineData("unreachable", RouteDecisionKind.Unreachable, "EHOSTUNREACH")]
    [InlineData("prohibit", RouteDecisionKind.Prohibit, "EACCES")]
    [InlineData("blackhole", RouteDecisionKind.Blackhole, "EINVAL")]
    public void Reject_routes_end_the_walk_with_their_errno(string type, RouteDecisionKind kind, string errno)
    {
        // fib_props[RTN_UNREACHABLE].error = -EHOSTUNREACH (unlike the rule's -ENETUNREACH), and so on
        var fib = new Fib(State(routes: Lab + $"{type} 192.0.2.0/24 \n"));
        var d = fib.Out("192.0.2.5");
        Assert.Equal((kind, errno, RuleStepOutcome.RejectRoute), (d.Kind, d.Error, d.Steps[^1].Outcome));
        Assert.Equal(P("192.0.2.0/24"), d.Route!.Destination);
    }

    [Fact]
    public void No_route_at_all_is_ENETUNREACH()
    {
        // fib_rules_lookup -ESRCH becomes -ENETUNREACH in __fib_lookup
        var fib = new Fib(State(routes: "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 \nlocal 10.0.0.1 dev eth0 table local proto kernel scope host src 10.0.0.1 \n"));
        var d = fib.Out("8.8.8.8");
        Assert.Equal((RouteDecisionKind.NoRoute, "ENETUNREACH", 3), (d.Kind, d.Error, d.Steps.Count));
    }

    [Fact]
    public void Not_inverts_the_match_and_a_detached_device_never_matches()
    {
        // fib_rule_match: FIB_RULE_INVERT; an iif/oif whose device is missing has ifindex -1
        var fib = new Fib(State(
            rules: "0:\tfrom all lookup local\n10:\tfrom all iif ghost0 [detached] lookup 5\n20:\tnot from all iif ghost0 [detached] lookup 6\n32766:\tfrom all lookup main\n",
            routes: Lab + "default via 10.0.0.5 dev eth0 table 5 \ndefault via 10.0.0.6 dev eth0 table 6 \n"));
        var d = fib.In("8.8.8.8", "10.0.0.7", "ghost0");
        Assert.Equal((A("10.0.0.6"), 20u), (d.Gateway!.Value, d.Rule!.Priority));
        Assert.Contains("detached", d.Steps[1].Reason);
    }

    [Fact]
    public void An_unresolved_goto_is_skipped()
    {
        // fib_rules_lookup: a goto without ctarget "continue"s
        var fib = new Fib(State(rules: "0:\tfrom all lookup local\n10:\tfrom all goto 20000 [unresolved]\n20:\tfrom all lookup 5\n32766:\tfrom all lookup main\n",
            routes: Lab + "default via 10.0.0.5 dev eth0 table 5 \n"));
        var d = fib.Out("8.8.8.8");
        Assert.Equal((RuleStepOutcome.GotoUnresolved, A("10.0.0.5")), (d.Steps[1].Outcome, d.Gateway!.Value));
    }

    [Fact]
    public void A_from_rule_sees_no_source_for_an_unbound_local_socket_but_a_second_connect_lookup_does()
    {
        // fib4_rule_match compares saddr 0.0.0.0 before the source is chosen; ip_route_connect looks up again with it
        var fib = new Fib(State(
            rules: "0:\tfrom all lookup local\n100:\tfrom 10.0.1.2 lookup 5\n32766:\tfrom all lookup main\n",
            routes: "default via 10.0.0.254 dev eth0 src 10.0.1.2 \n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 \n10.0.1.0/24 dev eth1 proto kernel scope link src 10.0.1.2 \n" +
                    "default via 10.0.1.254 dev eth1 table 5 \n",
            addrs: "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n    inet 127.0.0.1/8 scope host lo\n2: eth0: <UP,LOWER_UP> mtu 1500\n    inet 10.0.0.1/24 scope global eth0\n3: eth1: <UP,LOWER_UP> mtu 1500\n    inet 10.0.1.2/24 scope global eth1\n"));
        var udp = fib.Out("8.8.8.8");
        Assert.Equal(("eth0", A("10.0.1.2")), (udp.OutInterface, udp.Source!.Value));
        var tcp = fib.Lookup(RouteQuery.Output(A("8.8.8.8")) with { SecondLookupWithChosenSource = true });
        Assert.Equal(("eth1", A("10.0.1.2"), 100u), (tcp.OutInterface, tcp.Source!.Value, tcp.Rule!.Priority));
        Assert.Contains("ip_route_connect", tcp.SourceReason);
    }

    [Fact]
    public void Uidrange_matches_the_sockets_uid_and_received_packets_carry_uid_0()
    {
        var fib = Kernel.Value; // pref 180: uidrange 1000-2000 lookup 400 (default via wan0)
        Assert.Equal("wan0", fib.Lookup(RouteQuery.Output(A("8.8.8.8")) with { Uid = 1500 }).OutInterface);
        var unknown = fib.Out("8.8.8.8");
        Assert.Equal("eth0", unknown.OutInterface);
        Assert.Contains(unknown.Notes, n => n.Contains("uid 0"));
    }

    // ------------------------------------------------------------------ inside a table

    [Fact]
    public void The_longest_prefix_wins_over_metric_and_the_lowest_metric_breaks_ties()
    {
        // fib_table_lookup: longest prefix; fib_find_alias keeps aliases ordered by TOS then priority (metric)
        var fib = Kernel.Value;
        var d = fib.Out("10.7.3.3");
        Assert.Equal((A("172.18.0.1"), 50u, A("172.18.0.9")), (d.Gateway!.Value, d.Route!.Metric, d.Source!.Value));
        Assert.Equal("wan0", fib.Out("10.7.1.1").OutInterface); // /24 with metric 100 beats the /16 with metric 50
    }

    [Fact]
    public void A_tos_route_applies_only_to_packets_with_that_tos()
    {
        // fib_table_lookup: fa_dscp must equal the flow's DSCP masked with INET_DSCP_LEGACY_TOS_MASK (0x1c)
        var fib = Kernel.Value;
        Assert.Equal("eth0", fib.Out("10.8.1.1").OutInterface);
        Assert.Equal("wan0", fib.Lookup(RouteQuery.Output(A("10.8.1.1")) with { Tos = 0x12 }).OutInterface); // 0x12 & 0x1c = 0x10
    }

    [Fact]
    public void A_linkdown_route_is_skipped_when_the_device_ignores_routes_with_linkdown()
    {
        // fib_lookup_good_nhc: RTNH_F_LINKDOWN && ip_ignore_linkdown(dev)
        var d = Kernel.Value.Out("10.71.0.1");
        Assert.Equal(("eth0", 100u), (d.OutInterface, d.Route!.Metric));
    }

    [Fact]
    public void A_multipath_route_shows_its_first_next_hop_and_says_the_hash_is_not_modelled()
    {
        var d = Kernel.Value.Out("10.5.1.1");
        Assert.Equal(A("172.18.0.5"), d.Gateway);
        Assert.Contains(d.Notes, n => n.Contains("flow hash"));
    }

    // ------------------------------------------------------------------ source address selection (inet_select_addr)

    [Fact]
    public void Source_is_the_first_primary_in_the_gateways_subnet()
    {
        // eth0: 10.1.0.1/24 (first), 172.18.0.3/16, 172.18.0.9/16 secondary; gateway 172.18.0.1
        var d = Kernel.Value.Out("8.8.8.8");
        Assert.Equal(A("172.18.0.3"), d.Source);
        Assert.Contains("gateway's subnet", d.SourceReason);
    }

    [Fact]
    public void A_link_scope_route_may_use_a_link_scope_address_and_a_global_route_may_not()
    {
        // wan0 lists 169.254.5.1/16 scope link before 10.99.1.1/24: min(ifa_scope, host) > scope skips it for global routes
        var fib = Kernel.Value;
        Assert.Equal(A("10.99.1.1"), fib.Out("10.61.1.1").Source);   // via 203.0.113.1 onlink: scope global
        Assert.Equal(A("169.254.5.1"), fib.Out("169.254.9.9").Source); // connected, route src
        Assert.Equal(A("169.254.5.1"), fib.Out("8.8.8.8", oif: "wan0").Source);  // on-link guess: inet_select_addr(wan0, 0, link) takes the first
    }

    [Fact]
    public void A_device_without_an_address_borrows_the_first_global_address_of_another_interface()
    {
        // inet_select_addr falls back to in_dev_select_addr on every device, lo first (whose 127.0.0.1 is scope host)
        var d = Kernel.Value.Out("10.50.1.1");
        Assert.Equal(("noaddr0", A("10.1.0.1")), (d.OutInterface, d.Source!.Value));
        Assert.Contains("no address", d.SourceReason);
    }

    [Fact]
    public void A_socket_bound_to_a_device_without_a_route_there_assumes_the_destination_is_on_link()
    {
        // ip_route_output_key_hash_rcu: "Apparently, routing tables are wrong. Assume, that the destination is on link."
        var d = Kernel.Value.Out("8.8.8.8", oif: "vethzt");
        Assert.Equal((RouteDecisionKind.Forward, "vethzt", (IpAddress?)null, A("10.244.1.1")), (d.Kind, d.OutInterface, d.Gateway, d.Source!.Value));
        Assert.Contains("on that link", d.Summary);
    }

    [Fact]
    public void A_source_that_is_not_local_cannot_be_used_for_sending()
    {
        var d = Kernel.Value.Out("8.8.8.8", src: "8.8.4.4");
        Assert.Equal((RouteDecisionKind.NoRoute, "ENETUNREACH"), (d.Kind, d.Error));
    }

    [Fact]
    public void Local_and_broadcast_destinations()
    {
        var fib = Kernel.Value;
        var sec = fib.Out("172.18.0.9"); // a secondary: the local route's src is the primary
        Assert.Equal((RouteDecisionKind.Local, "lo", A("172.18.0.3")), (sec.Kind, sec.OutInterface, sec.Source!.Value));
        var brdOut = fib.Out("172.18.255.255"); // __mkroute_output: RTN_BROADCAST, no gateway
        Assert.Equal((RouteDecisionKind.Forward, RouteType.Broadcast, "eth0"), (brdOut.Kind, brdOut.Type, brdOut.OutInterface));
        var brdIn = fib.In("172.18.255.255", "172.18.0.50", "eth0"); // brd_input: local
        Assert.Equal((RouteDecisionKind.Local, RouteType.Broadcast), (brdIn.Kind, brdIn.Type));
        var lbcast = fib.Out("255.255.255.255");
        Assert.Equal((RouteType.Broadcast, "eth0", (IpAddress?)null), (lbcast.Type, lbcast.OutInterface, lbcast.Gateway));
    }

    // ------------------------------------------------------------------ received packets: forwarding and source validation

    [Fact]
    public void Strict_rp_filter_drops_a_source_whose_route_back_uses_another_interface()
    {
        // __fib_validate_source: rpf 1 and the reverse route's device is not the input device → -EXDEV (drop reason IP_RPFILTER)
        var d = Kernel.Value.In("10.244.2.6", "8.8.4.4", "wan0");
        Assert.Equal((RouteDecisionKind.Martian, "EINVAL", "IP_RPFILTER"), (d.Kind, d.Error, d.DropReason));
        Assert.NotEmpty(d.ReversePathSteps);
        Assert.Contains("strict", d.Summary);
        // loose mode (eth0: rp_filter 2) only needs some route back
        Assert.Equal(RouteDecisionKind.Forward, Kernel.Value.In("10.244.2.6", "8.8.4.4", "eth0").Kind);
        // the reverse lookup goes through the policy rules: vethpod's pods are reached through table 100 (istioin)
        Assert.Equal("IP_RPFILTER", Kernel.Value.In("10.244.2.6", "10.244.1.5", "vethpod").DropReason);
    }

    [Fact]
    public void A_packet_claiming_one_of_the_nodes_own_addresses_is_a_martian_unless_accept_local()
    {
        Assert.Equal("IP_LOCAL_SOURCE", Kernel.Value.In("10.244.2.6", "10.244.1.1", "eth0").DropReason);
        Assert.Equal(RouteDecisionKind.Forward, Kernel.Value.In("10.244.2.6", "10.244.1.1", "istioout").Kind); // accept_local = 1
    }

    [Fact]
    public void Forwarding_off_on_the_input_device_answers_EHOSTUNREACH()
    {
        // ip_route_input_slow: !IN_DEV_FORWARD(in_dev) → -EHOSTUNREACH
        var d = Kernel.Value.In("8.8.8.8", "10.50.0.2", "noaddr0");
        Assert.Equal((RouteDecisionKind.Unreachable, "EHOSTUNREACH"), (d.Kind, d.Error));
        Assert.Equal(RouteDecisionKind.Local, Kernel.Value.In("172.18.0.3", "10.50.0.2", "noaddr0").Kind); // local delivery still works
    }

    [Fact]
    public void Martian_addresses_are_refused_before_any_lookup()
    {
        var fib = Kernel.Value;
        Assert.Equal("IP_LOCALNET", fib.In("127.0.0.1", "172.18.0.50", "eth0").DropReason);
        Assert.Equal("IP_INVALID_SOURCE", fib.In("8.8.8.8", "224.0.0.5", "eth0").DropReason);
        Assert.Empty(fib.In("8.8.8.8", "0.1.2.3", "eth0").Steps);
    }

    // ------------------------------------------------------------------ IPv6 and VRF

    [Fact]
    public void Ipv6_uses_its_own_rules_and_source_selection()
    {
        var fib = Kernel.Value;
        var d = fib.Out("2001:4860::8888");
        Assert.Equal(("eth0", A("fd00::1"), A("fd00::3")), (d.OutInterface, d.Gateway!.Value, d.Source!.Value));
        var marked = fib.Out("2001:db8:99::1", mark: 0x100); // ip -6 rule 200: fwmark 0x100/0x100 lookup 300
        Assert.Equal(("wan0", "300", A("2001:db8:1::3")), (marked.OutInterface, marked.Table!.Value.Name, marked.Source!.Value));
        Assert.Equal(("eth0", "main"), (fib.Out("2001:db8:99::1").OutInterface, fib.Out("2001:db8:99::1").Table!.Value.Name)); // unmarked: main's default
        Assert.Equal(RouteDecisionKind.Local, fib.Out("fd00::3").Kind);
    }

    [Fact]
    public void An_l3mdev_rule_looks_in_the_table_of_the_vrf_the_device_belongs_to()
    {
        // l3mdev_fib_rule_match: flowi_l3mdev is the VRF master of iif/oif; the rule's table is the VRF's
        var fib = new Fib(State(
            rules: "0:\tfrom all lookup local\n1000:\tfrom all lookup [l3mdev-table]\n32766:\tfrom all lookup main\n",
            routes: Lab + "default via 10.5.0.1 dev eth5 table 10 \n",
            addrs: "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n    inet 127.0.0.1/8 scope host lo\n2: eth0: <UP,LOWER_UP> mtu 1500\n    inet 10.0.0.1/24 scope global eth0\n" +
                   "3: blue: <MASTER,UP,LOWER_UP> mtu 65575\n    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n    vrf table 10\n" +
                   "4: eth5: <UP,LOWER_UP> mtu 1500 master blue state UP\n    inet 10.5.0.2/24 scope global eth5\n"));
        Assert.Equal(("eth5", 1000u), (fib.In("8.8.8.8", "10.5.0.9", "eth5").OutInterface, fib.In("8.8.8.8", "10.5.0.9", "eth5").Rule!.Priority));
        Assert.Equal("eth0", fib.In("8.8.8.8", "10.0.0.9", "eth0").OutInterface);
    }
}
