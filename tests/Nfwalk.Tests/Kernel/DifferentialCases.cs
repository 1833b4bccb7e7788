using Nfwalk.Kernel;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Tests.Kernel;

/// <summary>
/// The kernel-differential corpus: each case is a ruleset and packets sent through the lab
/// (peer A 10.99.0.2 —eth0— node 10.99.0.1 / 10.99.1.1 —eth1— peer B 10.99.1.2).
/// </summary>
public static class DifferentialCases
{
    public static PacketSpec Tcp(string src, string dst, ushort dport, TcpFlags f = TcpFlags.Syn, string? iif = "eth0", ushort sport = 40000)
        => Nfwalk.Tests.Walk.ChainSemanticsTests.Tcp(src, dst, dport, f, iif, sport);
    public static PacketSpec Udp(string src, string dst, ushort dport, string? iif = "eth0", ushort sport = 30000)
        => new() { Source = IpAddress.Parse(src), Destination = IpAddress.Parse(dst), Protocol = Protocols.Udp, SourcePort = sport, DestinationPort = dport, InInterface = iif };
    public static PacketSpec Icmp(string src, string dst, byte type, byte code = 0, string? iif = "eth0")
        => new() { Source = IpAddress.Parse(src), Destination = IpAddress.Parse(dst), Protocol = Protocols.Icmp, IcmpType = type, IcmpCode = code, InInterface = iif };

    private static string Filter(string forward) => $"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n{forward}COMMIT\n";

    public static IEnumerable<KernelCase> All() => Handwritten().Concat(MoreDifferentialCases.All()).Concat(Enumerable.Range(1, 40).Select(RandomRulesets.Make));

    public static IEnumerable<KernelCase> Handwritten()
    {
        const string A = "10.99.0.2", N = "10.99.0.1", B = "10.99.1.2", X = "198.51.100.7";

        yield return new("chain-semantics (E03)", Nfwalk.Tests.Walk.ChainSemanticsTests.E03 + "\n", [Tcp(A, N, 1001), Tcp(A, N, 1002, sport: 40001), Tcp(A, N, 1003, sport: 40002), Tcp(A, N, 1004, sport: 40003), Tcp(A, N, 1005, sport: 40004), Tcp(A, N, 1006, sport: 40005)]);

        yield return new("mark set-xmark arithmetic and mark match (E04/E06)", """
            *mangle
            :PREROUTING ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            -A PREROUTING -p udp -m udp --dport 2001 -j MARK --set-xmark 0x210/0xffffffff
            -A PREROUTING -p udp -m udp --dport 2001 -j MARK --set-xmark 0x210/0x200
            -A PREROUTING -p udp -m udp --dport 2002 -j MARK --set-xmark 0x40/0xffffffff
            -A PREROUTING -p udp -m udp --dport 2002 -j MARK --set-xmark 0x220/0x220
            -A FORWARD -m mark --mark 0x200/0x200
            -A FORWARD -m mark --mark 0x210/0x200
            -A FORWARD -m mark --mark 0x200
            -A FORWARD -m mark --mark 0x260
            -A FORWARD -m mark ! --mark 0x0/0x20
            COMMIT

            """, [Udp(A, X, 2001), Udp(A, X, 2002, sport: 30001)]);

        // the masked bits already set when MARK runs: (mark & ~M) ^ V keeps the other bits, which "mark = V" would lose;
        // --or/--and/--xor-mark are --set-xmark with V/M chosen so (xt_MARK mark_tg)
        yield return new("MARK on a packet already marked: set-xmark keeps unmasked bits, or/and/xor-mark (xt_MARK)", """
            *mangle
            :PREROUTING ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            -A PREROUTING -p udp -m udp --dport 2101 -j MARK --set-xmark 0x7/0xffffffff
            -A PREROUTING -p udp -m udp --dport 2101 -j MARK --set-xmark 0x100/0x101
            -A PREROUTING -p udp -m udp --dport 2102 -j MARK --set-xmark 0xf0/0xffffffff
            -A PREROUTING -p udp -m udp --dport 2102 -j MARK --or-mark 0x3
            -A PREROUTING -p udp -m udp --dport 2102 -j MARK --and-mark 0xfe
            -A PREROUTING -p udp -m udp --dport 2102 -j MARK --xor-mark 0x11
            -A FORWARD -m mark --mark 0x106
            -A FORWARD -m mark --mark 0x100
            -A FORWARD -m mark --mark 0xe3
            -A FORWARD -m mark --mark 0x2/0x2
            COMMIT

            """, [Udp(A, X, 2101), Udp(A, X, 2102, sport: 30002)]);

        yield return new("connmark save/restore with masks (E05)", """
            *mangle
            :PREROUTING ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            -A PREROUTING -m connmark --mark 0x220/0x220 -j CONNMARK --restore-mark --nfmask 0x220 --ctmask 0x220
            -A PREROUTING -i eth0 -j MARK --set-xmark 0x230/0xffffffff
            -A FORWARD -m mark --mark 0x220/0x220 -j CONNMARK --save-mark --nfmask 0x220 --ctmask 0x220
            -A FORWARD -m connmark --mark 0x220
            -A FORWARD -m connmark --mark 0x230
            -A FORWARD -i eth1 -m mark --mark 0x220
            COMMIT

            """, [Udp(A, B, 3001), Udp(B, A, 30000, iif: "eth1", sport: 3001)]);

        yield return new("conntrack states: NEW, ESTABLISHED, INVALID (E12)", Filter("""
            -A FORWARD -m conntrack --ctstate NEW
            -A FORWARD -m conntrack --ctstate ESTABLISHED
            -A FORWARD -m conntrack --ctstate INVALID
            -A FORWARD -m state --state NEW,ESTABLISHED
            -A FORWARD -m conntrack --ctstate NEW --ctdir ORIGINAL
            -A FORWARD -m conntrack --ctdir REPLY

            """), [Tcp(A, B, 4001), Tcp(B, A, 40000, TcpFlags.Syn | TcpFlags.Ack, "eth1", sport: 4001), Tcp(A, B, 4001, TcpFlags.Ack),
                   Tcp(A, B, 4002, TcpFlags.Ack, sport: 40010), Tcp(A, B, 4003, TcpFlags.Rst, sport: 40011), Tcp(A, B, 4004, TcpFlags.Fin, sport: 40012),
                   Tcp(A, B, 4005, TcpFlags.Syn | TcpFlags.Fin, sport: 40013), Icmp(A, B, 0)]);

        yield return new("DNAT and MASQUERADE on the first packet only, replies translated (E07)", """
            *nat
            :PREROUTING ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            -A PREROUTING -p udp -m udp --dport 5353 -j DNAT --to-destination 10.99.1.2:53
            -A POSTROUTING -o eth1 -j MASQUERADE
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A FORWARD -d 10.99.1.2/32 -p udp -m udp --dport 53
            -A FORWARD -s 10.99.1.2/32 -p udp -m udp --sport 53
            -A FORWARD -m conntrack --ctstate DNAT
            -A FORWARD -m conntrack --ctstate SNAT
            -A FORWARD -m conntrack --ctorigdst 10.99.0.1 --ctorigdstport 5353
            -A FORWARD -m conntrack --ctreplsrc 10.99.1.2 --ctrepldst 10.99.1.1
            COMMIT

            """, [Udp(A, N, 5353), Udp(A, N, 5353), Udp(A, N, 5353), Udp(B, "10.99.1.1", 30000, "eth1", sport: 53)]);

        yield return new("nat ACCEPT skips a later DNAT; RETURN falls through (E16)", """
            *nat
            :PREROUTING ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            :SKIP - [0:0]
            -A PREROUTING -p udp -m udp --dport 6001 -j ACCEPT
            -A PREROUTING -p udp -m udp --dport 6002 -j SKIP
            -A PREROUTING -p udp -j DNAT --to-destination 10.99.1.2
            -A SKIP -j RETURN
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A FORWARD -d 10.99.1.2/32
            -A FORWARD -d 198.51.100.7/32
            COMMIT

            """, [Udp(A, X, 6001), Udp(A, X, 6002, sport: 30001), Udp(A, X, 6003, sport: 30002)]);

        yield return new("NOTRACK and CT zone in raw (E12)", """
            *raw
            :PREROUTING ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A PREROUTING -p udp -m udp --dport 7001 -j NOTRACK
            -A PREROUTING -p udp -m udp --dport 7002 -j CT --zone 5
            COMMIT
            *mangle
            :PREROUTING ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            -A PREROUTING -j CONNMARK --set-xmark 0x1/0xffffffff
            -A FORWARD -m conntrack --ctstate UNTRACKED
            -A FORWARD -m connmark --mark 0x1
            -A FORWARD -m connmark ! --mark 0x1
            -A FORWARD -m state --state NEW
            COMMIT
            *nat
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -p udp -j DNAT --to-destination 10.99.1.2
            COMMIT

            """, [Udp(A, X, 7001), Udp(A, X, 7002, sport: 30001)]);

        yield return new("ports, ranges, multiport, tcp flags, negation (E17/E14)", Filter("""
            -A FORWARD -p tcp -m tcp --sport 1000:1234
            -A FORWARD -p tcp -m tcp ! --dport 22
            -A FORWARD -p tcp -m multiport --ports 9601
            -A FORWARD -p tcp -m multiport --dports 80,443,8000:8080
            -A FORWARD -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN
            -A FORWARD -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN
            -A FORWARD -p 17
            -A FORWARD ! -p tcp
            -A FORWARD ! -s 10.99.0.0/24
            -A FORWARD -d 198.51.100.0/24

            """), [Tcp(A, X, 8080, sport: 1234), Tcp(A, X, 22, TcpFlags.Syn | TcpFlags.Ack, sport: 9601), Udp(A, X, 443), Tcp("192.0.2.1", X, 5000, sport: 999)]);

        yield return new("interface wildcards (E11)", Filter("""
            -A FORWARD -i eth0
            -A FORWARD -i eth+
            -A FORWARD -i eth0+
            -A FORWARD -i e+
            -A FORWARD -i eth
            -A FORWARD -i eth00+
            -A FORWARD ! -i eth+
            -A FORWARD -o eth1
            -A FORWARD ! -o eth0

            """), [Udp(A, X, 9001)]);

        yield return new("icmp types and codes, length, iprange, addrtype (E14)", Filter("""
            -A INPUT -p icmp -m icmp --icmp-type 8
            -A INPUT -p icmp -m icmp --icmp-type 3
            -A INPUT -p icmp -m icmp --icmp-type 3/13
            -A INPUT -p icmp -m icmp ! --icmp-type 8
            -A INPUT -m length --length 28
            -A INPUT -m length --length 0:27
            -A INPUT -m iprange --src-range 10.99.0.1-10.99.0.5
            -A INPUT -m addrtype --dst-type LOCAL
            -A INPUT -m addrtype --dst-type LOCAL --limit-iface-in
            -A FORWARD -m addrtype --dst-type LOCAL
            -A FORWARD -m addrtype --dst-type UNICAST
            -A FORWARD -m addrtype --src-type LOCAL

            """), [Icmp(A, N, 8), Icmp(A, "10.99.1.1", 8), Udp(A, X, 9100)]);

        yield return new("OUTPUT re-route after a mangle mark, -o after re-route (E08/E08b)", """
            *mangle
            :OUTPUT ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            -A OUTPUT -p udp -m udp --dport 6002 -j MARK --set-xmark 0x1/0xffffffff
            -A POSTROUTING -o eth1
            -A POSTROUTING -o eth0
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A OUTPUT -o eth1
            -A OUTPUT -m mark --mark 0x1
            COMMIT

            """, [new PacketSpec { Source = IpAddress.Parse("10.99.1.1"), Destination = IpAddress.Parse(X), Protocol = Protocols.Udp, SourcePort = 5000, DestinationPort = 6002 }]);

        yield return new("REDIRECT to the incoming interface's first address (E15)", """
            *nat
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -p udp -m udp --dport 9402 -j REDIRECT --to-ports 8402
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A INPUT -d 10.99.0.1/32 -p udp -m udp --dport 8402
            -A INPUT -d 10.99.0.9/32
            -A FORWARD
            COMMIT

            """, [Udp(A, "10.99.0.9", 9402), Udp(A, "10.99.1.1", 9402, sport: 30001)]) { ExtraAddresses = [("eth0", "10.99.0.9/24")] };

        yield return new("statistic nth counters (E14)", Filter("""
            -A FORWARD -m statistic --mode nth --every 3 --packet 0
            -A FORWARD -m statistic --mode nth --every 3 --packet 2

            """), Enumerable.Range(0, 7).Select(i => Udp(A, X, 9200, sport: (ushort)(31000 + i))).ToList());

        yield return new("builtin DROP policy and ACCEPT per table", """
            *mangle
            :FORWARD ACCEPT [0:0]
            -A FORWARD -p udp -m udp --dport 9301 -j ACCEPT
            -A FORWARD -p udp
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD DROP [0:0]
            :OUTPUT ACCEPT [0:0]
            -A FORWARD -p udp -m udp --dport 9302 -j ACCEPT
            COMMIT

            """, [Udp(A, X, 9301), Udp(A, X, 9302, sport: 30001)]);
    }
}

/// <summary>More hand-written differential cases: ipsets, owner, TPROXY without a listener, physdev, pkttype, limit, LOG/NFLOG, SNAT, DNAT ranges.</summary>
public static class MoreDifferentialCases
{
    public static IEnumerable<KernelCase> All()
    {
        const string A = "10.99.0.2", X = "198.51.100.7";
        string F(string rules) => $"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n{rules}COMMIT\n";

        yield return new("ipset hash:ip / hash:net nomatch / hash:ip,port / return-nomatch (E10)", F("""
            -A FORWARD -m set --match-set S_IP src
            -A FORWARD -m set --match-set S_IP dst
            -A FORWARD -m set --match-set S_IP src,dst
            -A FORWARD -m set --match-set S_NET src
            -A FORWARD -m set ! --match-set S_NET src
            -A FORWARD -m set --match-set S_NET src --return-nomatch
            -A FORWARD -m set --match-set S_IPPORT dst,dst
            -A FORWARD -m set --match-set S_IPPORT dst

            """), [DifferentialCases.Udp(A, X, 8001), DifferentialCases.Udp("10.99.0.200", X, 8001, sport: 30001), DifferentialCases.Tcp(A, X, 8001)])
        {
            Ipsets = "create S_IP hash:ip family inet\nadd S_IP 10.99.0.2\ncreate S_NET hash:net family inet\nadd S_NET 10.99.0.0/24\nadd S_NET 10.99.0.128/25 nomatch\ncreate S_IPPORT hash:ip,port family inet\nadd S_IPPORT 198.51.100.7,udp:8001\n",
        };

        yield return new("owner of locally generated packets (raw socket of root)", """
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A OUTPUT -p udp -m owner --uid-owner 0
            -A OUTPUT -p udp -m owner ! --uid-owner 1000
            -A OUTPUT -p udp -m owner --socket-exists
            -A OUTPUT -p udp -m owner --gid-owner 0
            COMMIT

            """, [new PacketSpec { Source = IpAddress.Parse("10.99.1.1"), Destination = IpAddress.Parse(X), Protocol = Protocols.Udp, SourcePort = 5000, DestinationPort = 6100 }]);

        yield return new("TPROXY without a transparent listener drops (E15)", """
            *mangle
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -p tcp -m tcp --dport 9401 -j TPROXY --on-port 8401 --on-ip 0.0.0.0 --tproxy-mark 0x1/0x1
            -A PREROUTING -p tcp -m tcp --dport 9401
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A FORWARD -p tcp
            -A INPUT -p tcp
            COMMIT

            """, [DifferentialCases.Tcp(A, "192.0.2.55", 9401)]);

        yield return new("physdev, pkttype, length, limit, LOG and NFLOG continue (E14/E18)", F("""
            -A FORWARD ! -m physdev --physdev-is-bridged
            -A FORWARD -m physdev --physdev-in eth0
            -A FORWARD -m physdev ! --physdev-in eth0
            -A FORWARD -m pkttype --pkt-type unicast
            -A FORWARD -m pkttype --pkt-type broadcast
            -A FORWARD -m length --length 28
            -A FORWARD -m limit --limit 1/min --limit-burst 2
            -A FORWARD -j LOG --log-prefix "nfw "
            -A FORWARD -j NFLOG --nflog-group 3
            -A FORWARD -p udp

            """).Replace("! -m physdev --physdev-is-bridged", "-m physdev ! --physdev-is-bridged"), [DifferentialCases.Udp(A, X, 9500), DifferentialCases.Udp(A, X, 9500, sport: 30001)]);

        yield return new("SNAT to a fixed address keeps the source port; the reply is un-SNATed (E15)", """
            *nat
            :POSTROUTING ACCEPT [0:0]
            -A POSTROUTING -s 10.99.0.0/24 -o eth1 -j SNAT --to-source 10.99.1.1
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A FORWARD -m conntrack --ctstate SNAT
            -A FORWARD -m conntrack --ctrepldst 10.99.1.1 --ctrepldstport 5000
            -A FORWARD -d 10.99.0.2/32 -p udp -m udp --dport 5000
            COMMIT

            """, [DifferentialCases.Udp(A, "10.99.1.2", 9406, sport: 5000), DifferentialCases.Udp("10.99.1.2", "10.99.1.1", 5000, "eth1", sport: 9406)]);

        yield return new("DNAT port range keeps a destination port that is inside it (E15)", """
            *nat
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -p udp -m udp --dport 9405 -j DNAT --to-destination 10.99.1.2:9000-9500
            -A PREROUTING -p udp -m udp --dport 9600 -j DNAT --to-destination 10.99.1.2:9000-9500
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A FORWARD -p udp -m udp --dport 9405
            -A FORWARD -p udp -m udp --dport 9000
            COMMIT

            """, [DifferentialCases.Udp(A, "10.99.0.1", 9405, sport: 42001), DifferentialCases.Udp(A, "10.99.0.1", 9600, sport: 42002)]);

        yield return new("REJECT, TOS/DSCP/CHECKSUM/SET/LOG continue or end as the kernel does; statistic random at 0 and 1", """
            *raw
            :PREROUTING ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp
            COMMIT
            *mangle
            :PREROUTING ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            -A PREROUTING -j TOS --set-tos 0x10/0x3f
            -A PREROUTING -j DSCP --set-dscp 0x2e
            -A FORWARD -m statistic --mode random --probability 1.00000000000 -j MARK --set-xmark 0x1/0x1
            -A FORWARD -m statistic --mode random ! --probability 1.00000000000 -j MARK --set-xmark 0x2/0x2
            -A FORWARD -m mark --mark 0x1/0x3
            -A FORWARD -j CONNMARK --set-xmark 0x2/0xf --left-shift-mark 4
            -A FORWARD -m connmark --mark 0x20
            -A FORWARD -m statistic --mode random --probability 0.00000000000 -j MARK --set-xmark 0x100/0x100
            -A FORWARD -m statistic --mode random ! --probability 0.00000000000 -j MARK --set-xmark 0x200/0x200
            -A FORWARD -m mark --mark 0x200/0x300
            -A POSTROUTING -p udp -j CHECKSUM --checksum-fill
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A FORWARD -j SET --add-set seen src --exist
            -A FORWARD -p tcp -m tcp --dport 21 -j REJECT --reject-with tcp-reset
            -A FORWARD -p udp -m udp --dport 9900 -j REJECT --reject-with icmp-admin-prohibited
            -A FORWARD -j LOG --log-prefix "after reject "
            COMMIT

            """, [DifferentialCases.Tcp(A, X, 21), DifferentialCases.Udp(A, X, 9900), DifferentialCases.Udp(A, X, 9901, sport: 30001)])
        {
            Ipsets = "create seen hash:ip family inet\n",
        };

        yield return new("goto inside nested jumps and RETURN at several depths", F("""
            -A FORWARD -p udp -j L1
            -A FORWARD -p udp
            -A L1 -j L2
            -A L1 -p udp
            -A L2 -g L3
            -A L2 -p udp
            -A L3 -p udp -m udp --dport 9701 -j RETURN
            -A L3 -p udp

            """).Replace(":OUTPUT ACCEPT [0:0]\n", ":OUTPUT ACCEPT [0:0]\n:L1 - [0:0]\n:L2 - [0:0]\n:L3 - [0:0]\n"), [DifferentialCases.Udp(A, X, 9701), DifferentialCases.Udp(A, X, 9702, sport: 30001)]);
    }
}
