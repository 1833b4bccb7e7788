using Nfwalk.Diagnostics;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Printing;

namespace Nfwalk.Tests.Parsing;

/// <summary>Canonical iptables-save lines come back byte for byte, and every match/target is parsed, not kept as unknown.</summary>
public class RoundTripTests
{
    public static TheoryData<string, string> CanonicalRules => new()
    {
        { "filter", "-A INPUT -s 10.0.0.0/8 -d 192.168.1.1/32 -i eth+ -p tcp -m tcp --dport 22 -j ACCEPT" },
        { "filter", "-A INPUT ! -s 10.0.0.0/8 ! -i lo ! -p udp -j DROP" },
        { "filter", "-A INPUT -f -j DROP" },
        { "filter", "-A INPUT -p icmp ! -f -m icmp --icmp-type 8 -j ACCEPT" },
        { "filter", "-A INPUT -p icmp -m icmp --icmp-type 3/4 -j ACCEPT" },
        { "filter", "-A INPUT -p icmp -m icmp ! --icmp-type any -j ACCEPT" },
        { "filter", "-A INPUT -p tcp -m tcp --sport 1024:65535 ! --dport 80:90 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT" },
        { "filter", "-A INPUT -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE -j DROP" },
        { "filter", "-A INPUT -p tcp -m tcp --tcp-option 2 -j ACCEPT" },
        { "filter", "-A INPUT -p udp -m udp --sport 53 -j ACCEPT" },
        { "filter", "-A INPUT -p tcp -m multiport --dports 80,443,8000:8080 -j ACCEPT" },
        { "filter", "-A INPUT -p udp -m multiport ! --sports 53,123 -j ACCEPT" },
        { "filter", "-A INPUT -p tcp -m multiport --ports 9601 -j ACCEPT" },
        { "filter", "-A INPUT -m mark --mark 0x200/0x200 -j RETURN" },
        { "filter", "-A INPUT -m mark ! --mark 0x1 -j RETURN" },
        { "filter", "-A INPUT -m connmark --mark 0x0/0xff00 -j ACCEPT" },
        { "filter", "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT" },
        { "filter", "-A INPUT -m conntrack ! --ctstate INVALID,NEW,UNTRACKED,DNAT -j ACCEPT" },
        { "filter", "-A FORWARD -m conntrack --ctstate DNAT --ctorigdst 10.99.1.2 --ctreplsrc 10.0.0.0/8 --ctorigdstport 53 -j ACCEPT" },
        { "filter", "-A FORWARD -m conntrack --ctproto 6 ! --ctorigsrc 10.1.0.0/16 --ctstatus SEEN_REPLY,ASSURED --ctdir REPLY -j ACCEPT" },
        { "filter", "-A FORWARD -m conntrack --ctexpire 10:20 --ctdir ORIGINAL -j ACCEPT" },
        { "filter", "-A INPUT -m state --state NEW,RELATED -j ACCEPT" },
        { "filter", "-A INPUT -m set --match-set blocklist src -j DROP" },
        { "filter", "-A INPUT -m set ! --match-set allow src,dst --return-nomatch ! --update-counters ! --update-subcounters -j DROP" },
        { "filter", "-A INPUT -m set --match-set s dst --packets-gt 10 ! --bytes-eq 20 -j DROP" },
        { "nat", "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER" },
        { "nat", "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL --limit-iface-out -j DOCKER" },
        { "filter", "-A INPUT -m addrtype ! --src-type UNICAST,BROADCAST --limit-iface-in -j DROP" },
        { "filter", "-A INPUT -m comment --comment \"kubernetes service portals\" -j ACCEPT" },
        { "filter", "-A INPUT -m comment --comment plain-word_1 -j ACCEPT" },
        { "filter", "-A INPUT -m comment --comment \"he said \\\"hi\\\" it\\'s \\\\ ok\" -j ACCEPT" },
        { "filter", "-A OUTPUT -m owner --uid-owner 1337 -j RETURN" },
        { "filter", "-A OUTPUT -m owner --socket-exists ! --uid-owner 1000-2000 --gid-owner 5 -j RETURN" },
        { "mangle", "-A PREROUTING -p tcp -m socket --transparent --nowildcard -j MARK --set-xmark 0x1/0x1" },
        { "nat", "-A KUBE-SVC-X -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-A" },
        { "nat", "-A KUBE-SVC-X -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-B" },
        { "filter", "-A INPUT -m statistic --mode nth ! --every 3 --packet 2 -j ACCEPT" },
        { "filter", "-A FORWARD -m physdev --physdev-in eth0 ! --physdev-out eth1 --physdev-is-bridged -j ACCEPT" },
        { "filter", "-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.5 ! --dst-range 10.0.1.1-10.0.1.9 -j ACCEPT" },
        { "filter", "-A INPUT -m mac --mac-source 0a:bb:cc:dd:ee:ff -j ACCEPT" },
        { "filter", "-A INPUT -m length --length 28 -j ACCEPT" },
        { "filter", "-A INPUT -m length ! --length 100:200 -j ACCEPT" },
        { "filter", "-A INPUT -m pkttype --pkt-type broadcast -j DROP" },
        { "filter", "-A INPUT -m limit --limit 3/hour -j LOG" },
        { "filter", "-A INPUT -m limit --limit 5/sec --limit-burst 10 -j ACCEPT" },
        { "filter", "-A INPUT -m limit --limit 10/min -j ACCEPT" },
        { "filter", "-A INPUT -m recent --rcheck --seconds 60 --hitcount 3 --name SSH --mask 255.255.255.255 --rsource -j DROP" },
        { "nat", "-A KUBE-SEP-A -p tcp -m recent --set --name KUBE-SEP-A --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.1.0.5:80" },
        { "filter", "-A INPUT -m recent ! --update --seconds 10 --reap --name X --mask 255.255.255.0 --rdest -j ACCEPT" },
        { "raw", "-A PREROUTING -m rpfilter --loose --validmark --invert -j DROP" },
        { "filter", "-A INPUT -m u32 --u32 \"0x0>>0x16&0x3c@0xc>>0x1a&0x3c@0x0=0x50\" -j DROP" },
        { "filter", "-A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset" },
        { "filter", "-A INPUT -j REJECT --reject-with icmp-port-unreachable" },
        { "filter", "-A INPUT -j REJECT --reject-with icmp-admin-prohibited" },
        { "filter", "-A INPUT -j LOG --log-prefix \"[UFW BLOCK] \" --log-level 7 --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode" },
        { "filter", "-A INPUT -j LOG" },
        { "filter", "-A INPUT -j NFLOG --nflog-prefix drop --nflog-group 5 --nflog-threshold 10" },
        { "raw", "-A PREROUTING -j TRACE" },
        { "mangle", "-A PREROUTING -j MARK --set-xmark 0x220/0xffffffff" },
        { "mangle", "-A PREROUTING -j CONNMARK --set-xmark 0x2/0xf --left-shift-mark 4" },
        { "mangle", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0x210 --ctmask 0x210" },
        { "mangle", "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf --ctmask 0xf00 --right-shift-mark 8" },
        { "nat", "-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.2-10.0.0.4:80-90 --random --persistent" },
        { "nat", "-A PREROUTING -d 1.2.3.4/32 -j DNAT --to-destination 10.0.0.2" },
        { "nat", "-A POSTROUTING -s 10.0.0.0/24 -j SNAT --to-source 192.0.2.1 --random-fully" },
        { "nat", "-A POSTROUTING -o eth0 -j MASQUERADE" },
        { "nat", "-A POSTROUTING -p udp -j MASQUERADE --to-ports 1024-2048 --random" },
        { "nat", "-A PREROUTING -p tcp -j REDIRECT --to-ports 15001" },
        { "mangle", "-A PREROUTING -i pistioout -p tcp -j TPROXY --on-port 15001 --on-ip 127.0.0.1 --tproxy-mark 0x400/0xfff" },
        { "mangle", "-A PREROUTING -p udp -j TPROXY --on-port 53 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0" },
        { "raw", "-A PREROUTING -j CT --notrack" },
        { "raw", "-A OUTPUT -p udp -m udp --dport 53 -j CT --zone 1" },
        { "raw", "-A PREROUTING -j CT --zone-orig 5" },
        { "raw", "-A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp" },
        { "raw", "-A PREROUTING -j NOTRACK" },
        { "filter", "-A FORWARD -j NFQUEUE --queue-num 3" },
        { "filter", "-A FORWARD -j NFQUEUE --queue-balance 0:3 --queue-bypass --queue-cpu-fanout" },
        { "mangle", "-A POSTROUTING -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill" },
        { "mangle", "-A OUTPUT -j TOS --set-tos 0x10/0x3f" },
        { "mangle", "-A OUTPUT -j DSCP --set-dscp 0x2e" },
        { "filter", "-A INPUT -j SET --add-set seen src --exist --timeout 60" },
        { "filter", "-A INPUT -g other" },
        { "filter", "-A INPUT -p tcp" },
        { "filter", "-A INPUT" },
        { "mangle", "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu" },
        { "filter", "-A INPUT -m hashlimit --hashlimit-upto 50/min --hashlimit-burst 500 --hashlimit-mode srcip --hashlimit-name conn_rate_limit -j ACCEPT" },
        { "filter", "-A INPUT -m string --string \"GET /\" --algo bm --to 65535 -j DROP" },
    };

    [Theory]
    [MemberData(nameof(CanonicalRules))]
    public void Canonical_rule_prints_back_identically(string table, string rule)
    {
        var chains = new[] { "other", "DOCKER", "KUBE-SEP-A", "KUBE-SEP-B", "KUBE-SVC-X" };
        var decl = string.Join("\n", chains.Where(c => rule.Contains(c)).Distinct().Select(c => $":{c} - [0:0]"));
        var text = $"*{table}\n{(decl.Length > 0 ? decl + "\n" : "")}{rule}\nCOMMIT\n";
        var r = SaveParser.Parse(text, "t.rules");
        Assert.Empty(r.Diagnostics.Where(d => d.Severity == Severity.Error));
        Assert.Equal(text, SavePrinter.Print(r.Ruleset));
    }

    [Theory]
    [InlineData("-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT")]
    [InlineData("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")]
    [InlineData("-A PREROUTING -j CONNMARK --save-mark --nfmask 0x210 --ctmask 0x210")]
    [InlineData("-A PREROUTING -p tcp -j TPROXY --on-port 15001 --on-ip 127.0.0.1 --tproxy-mark 0x400/0xfff")]
    [InlineData("-A INPUT -m set --match-set s src -j DROP")]
    public void Modelled_extensions_are_not_unknown(string rule)
    {
        var r = SaveParser.Parse($"*mangle\n{rule}\nCOMMIT\n");
        var parsed = r.Ruleset.AllRules().Single();
        Assert.False(parsed.HasUnknownParts, string.Join("; ", r.Diagnostics));
    }

    [Fact]
    public void Counters_on_rules_and_policies_round_trip()
    {
        var text = "*filter\n:INPUT DROP [6:240]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [12:720]\n[3:180] -A INPUT -i lo -j ACCEPT\n[0:0] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n";
        var r = SaveParser.Parse(text);
        Assert.Empty(r.Diagnostics);
        Assert.Equal(text, SavePrinter.Print(r.Ruleset));
        var rule = r.Ruleset.AllRules().First();
        Assert.Equal(3ul, rule.Counters!.Value.Packets);
        Assert.Equal(180ul, rule.Counters!.Value.Bytes);
    }

    [Fact]
    public void Header_and_footer_comments_round_trip()
    {
        var text = "# Generated by iptables-save v1.8.9 (nf_tables) on Tue Nov 24 00:00:00 2026\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n# Completed on Tue Nov 24 00:00:00 2026\n";
        Assert.Equal(text, SavePrinter.Print(SaveParser.Parse(text).Ruleset));
    }

    [Fact]
    public void Ip6tables_rules_round_trip()
    {
        var text = "# Generated by ip6tables-save v1.8.9 (nf_tables) on Tue Nov 24 00:00:00 2026\n*filter\n:INPUT ACCEPT [0:0]\n"
                 + "-A INPUT -s 2001:db8::/32 -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT\n"
                 + "-A INPUT -p tcp -m tcp --dport 22 -j REJECT --reject-with icmp6-port-unreachable\nCOMMIT\n";
        var r = SaveParser.Parse(text);
        Assert.Equal(Nfwalk.Model.Net.IpFamily.V6, r.Ruleset.Family);
        Assert.Empty(r.Diagnostics);
        Assert.Equal(text, SavePrinter.Print(r.Ruleset));
    }

    [Theory]
    [InlineData("-A INPUT -s 10.1.2.3/8 -j ACCEPT", "-A INPUT -s 10.0.0.0/8 -j ACCEPT")]
    [InlineData("-A INPUT -s 10.1.2.3 -j ACCEPT", "-A INPUT -s 10.1.2.3/32 -j ACCEPT")]
    [InlineData("-A INPUT -p TCP --dport 80 -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT")]
    [InlineData("-A INPUT -p 6 --dport 80 -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT")]
    [InlineData("-A INPUT -p 47 -j ACCEPT", "-A INPUT -p gre -j ACCEPT")]
    [InlineData("-A INPUT -p all -i + -j ACCEPT", "-A INPUT -j ACCEPT")]
    [InlineData("-A INPUT -j ACCEPT -p tcp -s 1.2.3.4", "-A INPUT -s 1.2.3.4/32 -p tcp -j ACCEPT")]
    [InlineData("-A INPUT -p tcp --dport ! 22 -j ACCEPT", "-A INPUT -p tcp -m tcp ! --dport 22 -j ACCEPT")]
    [InlineData("-A INPUT -p tcp --syn -j ACCEPT", "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT")]
    [InlineData("-A INPUT -p tcp --tcp-flags ACK,SYN,FIN SYN -j ACCEPT", "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,ACK SYN -j ACCEPT")]
    [InlineData("-A INPUT -p tcp --sport 1000: -j ACCEPT", "-A INPUT -p tcp -m tcp --sport 1000:65535 -j ACCEPT")]
    [InlineData("-A INPUT -p icmp --icmp-type echo-request -j ACCEPT", "-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT")]
    [InlineData("-A INPUT -p icmp --icmp-type port-unreachable -j ACCEPT", "-A INPUT -p icmp -m icmp --icmp-type 3/3 -j ACCEPT")]
    [InlineData("-A INPUT -j MARK --set-mark 0x210/0x200", "-A INPUT -j MARK --set-xmark 0x210/0x210")]
    [InlineData("-A INPUT -j MARK --set-mark 0x200", "-A INPUT -j MARK --set-xmark 0x200/0xffffffff")]
    [InlineData("-A INPUT -j MARK --and-mark 0xffffffbf", "-A INPUT -j MARK --set-xmark 0x0/0x40")]
    [InlineData("-A INPUT -j MARK --or-mark 0x40", "-A INPUT -j MARK --set-xmark 0x40/0x40")]
    [InlineData("-A INPUT -j MARK --xor-mark 0x210", "-A INPUT -j MARK --set-xmark 0x210/0x0")]
    [InlineData("-A INPUT -j CONNMARK --save-mark --mask 0x220", "-A INPUT -j CONNMARK --save-mark --nfmask 0x220 --ctmask 0x220")]
    [InlineData("-A INPUT -j CONNMARK --restore-mark", "-A INPUT -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff")]
    [InlineData("-A INPUT -j CONNMARK --set-mark 0x210/0x200", "-A INPUT -j CONNMARK --set-xmark 0x210/0x210")]
    [InlineData("-A INPUT -m conntrack --ctstate DNAT,ESTABLISHED,UNTRACKED,NEW,INVALID -j ACCEPT", "-A INPUT -m conntrack --ctstate INVALID,NEW,ESTABLISHED,UNTRACKED,DNAT -j ACCEPT")]
    [InlineData("-A INPUT -m conntrack --ctproto tcp -j ACCEPT", "-A INPUT -m conntrack --ctproto 6 -j ACCEPT")]
    [InlineData("-A INPUT -m limit -j ACCEPT", "-A INPUT -m limit --limit 3/hour -j ACCEPT")]
    [InlineData("-A INPUT -m limit --limit 10/minute --limit-burst 5 -j ACCEPT", "-A INPUT -m limit --limit 10/min -j ACCEPT")]
    [InlineData("-A INPUT -m mac --mac-source 0A:BB:CC:DD:EE:FF -j ACCEPT", "-A INPUT -m mac --mac-source 0a:bb:cc:dd:ee:ff -j ACCEPT")]
    [InlineData("-A INPUT -j LOG --log-level debug", "-A INPUT -j LOG --log-level 7")]
    [InlineData("-A INPUT -j LOG --log-level warning", "-A INPUT -j LOG")]
    [InlineData("-A INPUT -j REJECT", "-A INPUT -j REJECT --reject-with icmp-port-unreachable")]
    [InlineData("-A INPUT -p tcp -j REJECT --reject-with tcp-rst", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset")]
    [InlineData("-A INPUT -m statistic --mode random --probability 0.5 -j ACCEPT", "-A INPUT -m statistic --mode random --probability 0.50000000000 -j ACCEPT")]
    [InlineData("-A INPUT -m comment --comment 'x' -j ACCEPT", "-A INPUT -m comment --comment \"\\'x\\'\" -j ACCEPT")]
    public void Other_spellings_print_in_canonical_form(string input, string canonical)
    {
        var table = input.Contains("CONNMARK") || input.Contains("MARK") ? "mangle" : "filter";
        var r = SaveParser.Parse($"*{table}\n{input}\nCOMMIT\n");
        Assert.Empty(r.Diagnostics.Where(d => d.Severity == Severity.Error));
        Assert.Equal($"*{table}\n{canonical}\nCOMMIT\n", SavePrinter.Print(r.Ruleset));
    }

    [Fact]
    public void Unknown_match_and_target_are_kept_verbatim_and_flagged()
    {
        var text = "*filter\n-A INPUT -m frobnicate --level 7 --name \"a b\" -j FROBNICATE --hard\nCOMMIT\n";
        var r = SaveParser.Parse(text);
        Assert.Empty(r.Diagnostics);
        Assert.Equal(text, SavePrinter.Print(r.Ruleset));
        var rule = r.Ruleset.AllRules().Single();
        Assert.True(rule.HasUnknownParts);
        Assert.True(rule.Matches.Single().IsUnknown);
        Assert.True(rule.Target!.IsUnknown);
    }
}

public class FamilyDetectionTests
{
    [Theory]
    [InlineData("*mangle\n-A U2 ! -s 10.99.0.0/24\nCOMMIT\n*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n", Nfwalk.Model.Net.IpFamily.V4)] // found by random differential seed 6
    [InlineData("*filter\n-A INPUT -s 2001:db8::/32 -j ACCEPT\nCOMMIT\n", Nfwalk.Model.Net.IpFamily.V6)]
    [InlineData("# Generated by ip6tables-save v1.8.9 (nf_tables)\n*filter\nCOMMIT\n", Nfwalk.Model.Net.IpFamily.V6)]
    [InlineData("*filter\n-A INPUT -d 10.0.0.1\nCOMMIT\n", Nfwalk.Model.Net.IpFamily.V4)]
    public void Family_is_detected_from_the_header_or_the_first_address(string text, Nfwalk.Model.Net.IpFamily expected)
        => Assert.Equal(expected, Nfwalk.Parsing.Iptables.SaveParser.DetectFamily(text, "x.rules"));
}
