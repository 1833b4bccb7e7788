using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Walk;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Walk;

/// <summary>
/// Chain semantics of ipt_do_table (net/ipv4/netfilter/ip_tables.c), each case as pinned by kernel experiment E03
/// (shared/reference/kernel-experiments/E03-chain-semantics): policies, RETURN, jump vs goto, ACCEPT per table.
/// </summary>
public class ChainSemanticsTests
{
    internal static Node NodeWith(string rules, FakeNetwork? net = null)
    {
        var r = SaveParser.Parse(rules, "t.rules");
        Assert.DoesNotContain(r.Diagnostics, d => d.Severity == Nfwalk.Diagnostics.Severity.Error);
        net ??= new FakeNetwork().Address("eth0", "10.99.0.1").Address("eth1", "10.99.1.1");
        return new Node { Name = "node", Rules4 = r.Ruleset, Network = net };
    }

    internal static PacketSpec Tcp(string src, string dst, ushort dport, TcpFlags flags = TcpFlags.Syn, string? iif = "eth0", ushort sport = 40000)
        => new() { Source = IpAddress.Parse(src), Destination = IpAddress.Parse(dst), Protocol = Protocols.Tcp, SourcePort = sport, DestinationPort = dport, TcpFlags = flags, InInterface = iif };

    private static WalkTrace In(string rules, ushort dport) => NodeWalker.Walk(NodeWith(rules), Tcp("10.99.0.2", "10.99.0.1", dport));

    /// <summary>The E03 chain-semantics ruleset; the kernel-differential corpus replays the same text.</summary>
    internal const string E03 = """
        *filter
        :INPUT DROP [0:0]
        :UA - [0:0]
        :UB - [0:0]
        :UA2 - [0:0]
        :UB2 - [0:0]
        :UC - [0:0]
        -A INPUT -p tcp -m tcp --dport 1001 -j RETURN
        -A INPUT -p tcp -m tcp --dport 1002 -j UA
        -A INPUT -p tcp -m tcp --dport 1002 -j ACCEPT
        -A INPUT -p tcp -m tcp --dport 1003 -g UB
        -A INPUT -p tcp -m tcp --dport 1003 -j ACCEPT
        -A INPUT -p tcp -m tcp --dport 1004 -j UA2
        -A INPUT -p tcp -m tcp --dport 1004 -j ACCEPT
        -A INPUT -p tcp -m tcp --dport 1005 -j UC
        -A INPUT -p tcp -m tcp --dport 1005 -j DROP
        -A INPUT -p tcp -m tcp --dport 1006 -j UA
        -A INPUT -p tcp -m tcp --dport 1006 -j ACCEPT
        -A UA -p tcp -m tcp --dport 1002 -j RETURN
        -A UB -j RETURN
        -A UA2 -g UB2
        -A UA2 -j DROP
        -A UB2 -j RETURN
        -A UC -j ACCEPT
        COMMIT
        *security
        :INPUT ACCEPT [0:0]
        -A INPUT -p tcp -m tcp --dport 1005 -j MARK --set-xmark 0x5/0xffffffff
        COMMIT
        """;

    [Fact]
    public void Return_in_a_builtin_chain_applies_the_policy()
    {
        var t = In(E03, 1001);
        Assert.Equal("dropped", t.Outcome.Kind);
        Assert.Contains(t.Steps, s => s.Kind == StepKind.Policy && s.Verdict == "DROP");
    }

    [Fact]
    public void Return_from_a_jumped_chain_continues_after_the_jump()
        => Assert.Equal("delivered", In(E03, 1002).Outcome.Kind);

    [Fact]
    public void Return_after_goto_applies_the_builtin_policy()
    {
        var t = In(E03, 1003);
        Assert.Equal("dropped", t.Outcome.Kind);
        Assert.DoesNotContain(t.Steps, s => s.Kind == StepKind.Rule && s.Rule == 5);
    }

    [Fact]
    public void Return_after_jump_then_goto_resumes_after_the_jump()
    {
        var t = In(E03, 1004);
        Assert.Equal("delivered", t.Outcome.Kind);
        Assert.Contains(t.Steps, s => s.Chain == "INPUT" && s.Rule == 7 && s.Verdict == "ACCEPT");
        Assert.DoesNotContain(t.Steps, s => s.Chain == "UA2" && s.Rule == 2);
    }

    [Fact]
    public void Accept_in_a_user_chain_ends_the_table_but_the_next_table_still_runs()
    {
        var t = In(E03, 1005);
        Assert.Equal("delivered", t.Outcome.Kind);
        Assert.DoesNotContain(t.Steps, s => s.Chain == "INPUT" && s.Table == "filter" && s.Rule == 9);
        Assert.Contains(t.Steps, s => s.Table == "security" && s.Verdict == "continue");
        Assert.Equal("0x5", t.Final.Mark);
    }

    [Fact]
    public void Falling_off_a_user_chain_returns_to_the_caller()
        => Assert.Equal("delivered", In(E03, 1006).Outcome.Kind);

    [Fact]
    public void Drop_in_mangle_stops_everything()
    {
        var rules = "*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 1007 -j DROP\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n";
        var t = In(rules, 1007);
        Assert.Equal("dropped", t.Outcome.Kind);
        Assert.DoesNotContain(t.Steps, s => s.Table == "filter");
    }

    [Fact]
    public void Mark_connmark_and_log_continue()
    {
        var rules = """
            *mangle
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -j MARK --set-xmark 0x1/0xffffffff
            -A PREROUTING -j CONNMARK --set-xmark 0x2/0xffffffff
            -A PREROUTING -j LOG --log-prefix "x "
            -A PREROUTING -m mark --mark 0x1 -m connmark --mark 0x2 -j MARK --set-xmark 0x10/0x10
            COMMIT
            """;
        var t = In(rules, 1008);
        Assert.Equal("0x11", t.Final.Mark);
        Assert.Equal("0x2", t.Final.ConnMark);
    }

    [Fact]
    public void Unknown_match_is_reported_as_an_assumption_and_can_be_flipped()
    {
        var rules = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m frob --x 1 -j DROP\nCOMMIT\n";
        var node = NodeWith(rules);
        var t = NodeWalker.Walk(node, Tcp("10.99.0.2", "10.99.0.1", 80));
        Assert.Equal("dropped", t.Outcome.Kind);
        Assert.Contains(t.Assumptions, a => a.Contains("frob") && a.Contains("--flip t.rules:3"));
        var opts = new WalkOptions(); opts.FlipAt.Add("t.rules:3");
        Assert.Equal("delivered", NodeWalker.Walk(NodeWith(rules), Tcp("10.99.0.2", "10.99.0.1", 80), opts).Outcome.Kind);
    }
}
