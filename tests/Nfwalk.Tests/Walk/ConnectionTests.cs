using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;
using Nfwalk.Tests.Support;
using static Nfwalk.Tests.Walk.ChainSemanticsTests;

namespace Nfwalk.Tests.Walk;

/// <summary>
/// Conntrack and NAT across the packets of one connection (nf_conntrack_core.c nf_conntrack_in/__nf_conntrack_confirm,
/// nf_nat_core.c nf_nat_inet_fn/nf_nat_packet), as pinned by kernel experiments E07, E12 and E16.
/// </summary>
public class ConnectionTests
{
    private const string Dnat = """
        *nat
        :PREROUTING ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        -A PREROUTING -p udp -m udp --dport 5353 -j DNAT --to-destination 10.99.1.2:53
        -A POSTROUTING -o eth1 -j MASQUERADE
        COMMIT
        *filter
        :FORWARD ACCEPT [0:0]
        -A FORWARD -m conntrack --ctstate DNAT -j LOG
        COMMIT
        """;

    private static PacketSpec Udp(string src, string dst, ushort sport, ushort dport, string iif)
        => new() { Source = IpAddress.Parse(src), Destination = IpAddress.Parse(dst), Protocol = Protocols.Udp, SourcePort = sport, DestinationPort = dport, InInterface = iif };

    [Fact]
    public void Nat_runs_for_the_first_packet_only_and_the_binding_applies_to_later_packets_and_replies()
    {
        var net = new FakeNetwork { Router = q => q.Destination == IpAddress.Parse("10.99.0.2") ? FakeNetwork.Out("eth0") : FakeNetwork.Out("eth1", src: "10.99.1.1") }
            .Address("eth0", "10.99.0.1").Address("eth1", "10.99.1.1");
        var node = NodeWith(Dnat, net);

        var first = NodeWalker.Walk(node, Udp("10.99.0.2", "10.99.0.1", 30003, 5353, "eth0"));
        Assert.Equal("sent", first.Outcome.Kind);
        Assert.Contains(first.Steps, s => s.Table == "nat" && s.Rule == 1 && s.Verdict == "ACCEPT");
        Assert.Equal("10.99.1.1", first.Final.Source);
        Assert.Equal(30003, first.Final.SourcePort);
        Assert.Equal("10.99.1.2", first.Final.Destination);
        Assert.Equal(53, first.Final.DestinationPort);

        // E07: the 2nd packet never sees the nat chains, is still NEW, and is translated the same way
        var second = NodeWalker.Walk(node, Udp("10.99.0.2", "10.99.0.1", 30003, 5353, "eth0"));
        Assert.DoesNotContain(second.Steps, s => s.Table == "nat");
        Assert.Equal("NEW", second.Final.ConntrackState);
        Assert.Equal("10.99.1.2", second.Final.Destination);
        Assert.Equal("10.99.1.1", second.Final.Source);

        // the reply comes back to the SNAT address and is translated back to the client
        var reply = NodeWalker.Walk(node, Udp("10.99.1.2", "10.99.1.1", 53, 30003, "eth1"));
        Assert.Equal("ESTABLISHED", reply.Final.ConntrackState);
        Assert.Equal("reply", reply.Final.ConntrackDirection);
        Assert.Equal("10.99.0.2", reply.Final.Destination);
        Assert.Equal(30003, reply.Final.DestinationPort);
        Assert.Equal("10.99.0.1", reply.Final.Source);
        Assert.Equal(5353, reply.Final.SourcePort);
        Assert.Equal("sent", reply.Outcome.Kind);
        Assert.DoesNotContain(reply.Steps, s => s.Table == "nat");
        // filter FORWARD sees the reply with the DNAT status bit set (E07: --ctstate DNAT matched 4 of 4)
        Assert.Contains(reply.Steps, s => s.Table == "filter" && s.Rule == 1 && s.Matched == true);
    }

    [Fact]
    public void Ack_without_a_connection_is_new_and_rst_is_invalid()
    {
        var rules = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n";
        Assert.Equal("delivered", NodeWalker.Walk(NodeWith(rules), Tcp("10.99.0.2", "10.99.0.1", 80, TcpFlags.Ack)).Outcome.Kind);
        Assert.Equal("dropped", NodeWalker.Walk(NodeWith(rules), Tcp("10.99.0.2", "10.99.0.1", 80, TcpFlags.Rst)).Outcome.Kind);
        Assert.Equal("dropped", NodeWalker.Walk(NodeWith(rules), Tcp("10.99.0.2", "10.99.0.1", 80, TcpFlags.Syn | TcpFlags.Fin)).Outcome.Kind);
    }

    [Fact]
    public void Notrack_gives_untracked_no_nat_and_false_connmark_tests()
    {
        var rules = """
            *raw
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -j NOTRACK
            COMMIT
            *mangle
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -m connmark ! --mark 0x1 -j MARK --set-xmark 0x9/0xffffffff
            -A PREROUTING -m conntrack --ctstate UNTRACKED -j MARK --set-xmark 0x2/0x2
            COMMIT
            *nat
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -j DNAT --to-destination 10.99.0.9
            COMMIT
            """;
        var t = NodeWalker.Walk(NodeWith(rules), Tcp("10.99.0.2", "10.99.0.1", 80));
        Assert.Equal("UNTRACKED", t.Final.ConntrackState);
        Assert.Equal("0x2", t.Final.Mark);
        Assert.DoesNotContain(t.Steps, s => s.Table == "nat");
        Assert.Equal("10.99.0.1", t.Final.Destination);
    }

    [Fact]
    public void Connmark_saved_on_the_first_packet_is_restored_on_the_reply()
    {
        var rules = """
            *mangle
            :PREROUTING ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            -A PREROUTING -m connmark --mark 0x220/0x220 -j CONNMARK --restore-mark --nfmask 0x220 --ctmask 0x220
            -A PREROUTING -i eth0 -j MARK --set-xmark 0x220/0x220
            -A FORWARD -m mark --mark 0x220/0x220 -j CONNMARK --save-mark --nfmask 0x220 --ctmask 0x220
            COMMIT
            """;
        var net = new FakeNetwork { Router = q => q.Destination == IpAddress.Parse("10.99.0.2") ? FakeNetwork.Out("eth0") : FakeNetwork.Out("eth1") }
            .Address("eth0", "10.99.0.1").Address("eth1", "10.99.1.1");
        var node = NodeWith(rules, net);
        var syn = NodeWalker.Walk(node, Tcp("10.99.0.2", "10.99.1.2", 80));
        Assert.Equal("0x220", syn.Final.ConnMark);
        var synack = NodeWalker.Walk(node, Tcp("10.99.1.2", "10.99.0.2", 40000, TcpFlags.Syn | TcpFlags.Ack, "eth1", sport: 80));
        Assert.Equal("ESTABLISHED", synack.Final.ConntrackState);
        Assert.Equal("0x220", synack.Final.Mark);
    }

    [Fact]
    public void A_dropped_first_packet_leaves_no_connection_behind()
    {
        var rules = """
            *mangle
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -j CONNMARK --set-xmark 0x7/0xffffffff
            COMMIT
            *filter
            :FORWARD ACCEPT [0:0]
            -A FORWARD -p tcp -m tcp --dport 9511 -j DROP
            COMMIT
            """;
        var node = NodeWith(rules);
        Assert.Equal("dropped", NodeWalker.Walk(node, Tcp("10.99.0.2", "10.99.1.2", 9511)).Outcome.Kind);
        Assert.Empty(node.Conntrack.Entries);
    }

    [Fact]
    public void Mark_set_in_mangle_output_reroutes_but_keeps_the_source()
    {
        var rules = "*mangle\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p udp -m udp --dport 6002 -j MARK --set-xmark 0x1/0xffffffff\nCOMMIT\n*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -o wan0 -j ACCEPT\nCOMMIT\n";
        var net = new FakeNetwork { Router = q => (q.Mark & 1) != 0 ? FakeNetwork.Out("eth0", src: "10.99.0.1") : FakeNetwork.Out("wan0", src: "10.99.1.1") }
            .Address("eth0", "10.99.0.1").Address("wan0", "10.99.1.1");
        var spec = new PacketSpec { Source = IpAddress.AnyV4, Destination = IpAddress.Parse("192.0.2.10"), Protocol = Protocols.Udp, SourcePort = 5000, DestinationPort = 6002 };
        var t = NodeWalker.Walk(NodeWith(rules, net), spec);
        Assert.Equal("sent", t.Outcome.Kind);
        Assert.Equal("eth0", t.Outcome.Interface);
        Assert.Equal("10.99.1.1", t.Final.Source); // E08: the re-route does not choose the source again
        Assert.Contains(t.Steps, s => s.Table == "filter" && s.Chain == "OUTPUT" && s.Rule == 1 && s.Matched == true); // E08b: -o sees wan0
    }

    [Theory]
    // E15 (kernel-experiments/E15-nat-tproxy.out): DNAT --to-destination 10.99.1.2-10.99.1.5:7000-7002, udp dport 9403 to 10.99.0.1;
    // the address the kernel chose for each client (find_best_ips_proto: jhash2 of the source, initval = original destination)
    [InlineData("10.99.0.102", "10.99.1.3")]
    [InlineData("10.99.0.104", "10.99.1.3")]
    [InlineData("10.99.0.108", "10.99.1.3")]
    [InlineData("10.99.0.113", "10.99.1.3")]
    [InlineData("10.99.0.110", "10.99.1.4")]
    [InlineData("10.99.0.111", "10.99.1.4")]
    [InlineData("10.99.0.103", "10.99.1.5")]
    [InlineData("10.99.0.105", "10.99.1.5")]
    [InlineData("10.99.0.106", "10.99.1.5")]
    [InlineData("10.99.0.107", "10.99.1.5")]
    [InlineData("10.99.0.109", "10.99.1.5")]
    [InlineData("10.99.0.112", "10.99.1.5")]
    public void Dnat_range_address_is_the_one_the_kernel_chose(string client, string chosen)
    {
        var rules = "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p udp -m udp --dport 9403 -j DNAT --to-destination 10.99.1.2-10.99.1.5:7000-7002\nCOMMIT\n";
        var t = NodeWalker.Walk(NodeWith(rules), Udp(client, "10.99.0.1", 42000, 9403, "eth0"));
        Assert.Equal(chosen, t.Final.Destination);
        Assert.Equal(7000, t.Final.DestinationPort);
    }
}
