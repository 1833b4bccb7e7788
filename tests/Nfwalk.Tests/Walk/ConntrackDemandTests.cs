using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Tests.Walk;

/// <summary>
/// nf_ct_netns_get: conntrack runs in a namespace only when a rule asks for it (pinned against the kernel by
/// AmbientWalkVerifyTests, whose ztunnel pods have only TPROXY/MARK rules and an empty nat table).
/// </summary>
public class ConntrackDemandTests
{
    private static bool Needs(string rules) => ConntrackDemand.NeedsConntrack(SaveParser.Parse(rules, "t").Ruleset);

    [Theory]
    [InlineData("*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -i eth0 -j MARK --set-xmark 0x1/0x1\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", false)]
    [InlineData("*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -j TPROXY --on-port 15001 --on-ip 127.0.0.1 --tproxy-mark 0x400/0xfff\nCOMMIT\n", false)]
    [InlineData("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\nCOMMIT\n", true)]
    [InlineData("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m state --state NEW -j ACCEPT\nCOMMIT\n", true)]
    [InlineData("*mangle\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j CONNMARK --save-mark\nCOMMIT\n", true)]
    [InlineData("*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m connmark --mark 0x1 -j ACCEPT\nCOMMIT\n", true)]
    [InlineData("*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n", true)]
    [InlineData("*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j NOTRACK\nCOMMIT\n", true)]
    [InlineData("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m frobnicate --wibble -j ACCEPT\nCOMMIT\n", true)]
    public void Conntrack_is_active_only_where_a_rule_uses_it(string rules, bool needed) => Assert.Equal(needed, Needs(rules));
}
