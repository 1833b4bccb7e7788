using Nfwalk.Model.Ipsets;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Ipsets;

namespace Nfwalk.Tests.Ipsets;

/// <summary>One "-m set" rule of the differential chain and the options nfwalk is asked with.</summary>
internal sealed record KernelSetRule(string Set, string Flags, bool Negated = false, bool ReturnNomatch = false, string Extra = "")
{
    public string IptablesMatch => $"-m set {(Negated ? "! " : "")}--match-set {Set} {Flags}{(ReturnNomatch ? " --return-nomatch" : "")}{(Extra.Length > 0 ? " " + Extra : "")}";

    public SetLookupOptions Options()
    {
        var o = SetLookupOptions.Parse(Flags, ReturnNomatch, Negated)!;
        var w = Extra.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < w.Length; i++)
        {
            bool neg = w[i] == "!";
            if (neg) i++;
            switch (w[i])
            {
                case "--update-counters": o = o with { UpdateCounters = !neg }; break;
                case "--update-subcounters": o = o with { UpdateSubcounters = !neg }; break;
                case var s when s.StartsWith("--packets-") || s.StartsWith("--bytes-"):
                {
                    var op = s.EndsWith("-eq") ? (neg ? CounterOp.Ne : CounterOp.Eq) : s.EndsWith("-lt") ? CounterOp.Lt : CounterOp.Gt;
                    var c = new CounterCondition(op, ulong.Parse(w[++i]));
                    o = s.StartsWith("--packets-") ? o with { Packets = c } : o with { Bytes = c };
                    break;
                }
                default: throw new InvalidOperationException($"unknown option {w[i]} in a differential rule");
            }
        }
        return o;
    }
}

/// <summary>
/// The sets, rules and packets of the ipset kernel-differential test. Types this kernel lacks (hash:net,net,
/// hash:net,port,net, hash:mac, hash:ip,mac, hash:ip,mark) are left out here and unit-tested instead.
/// </summary>
internal static class IpsetKernelCases
{
    public static readonly MacAddress MacA = MacAddress.Parse("02:00:00:00:00:0a"), MacB = MacAddress.Parse("02:00:00:00:00:0b");

    /// <summary>Sets in "ipset restore" form. Counter sets are only read with "! --update-counters", except CNTU and
    /// CNTB, each used by exactly one rule; BLEARN (MACs learnt on first match) is used by one rule too; the dump taken
    /// before every packet gives nfwalk the counters and MACs the kernel has at that moment.</summary>
    public static string Sets(IReadOnlyDictionary<string, MacAddress> macs) => $"""
        create IP hash:ip
        add IP 10.99.0.2
        add IP 172.16.5.5
        add IP 10.99.1.50
        create IPM hash:ip netmask 24
        add IPM 192.168.1.7
        add IPM 10.99.0.77
        create NET hash:net
        add NET 10.99.0.0/24
        add NET 10.99.0.128/25 nomatch
        add NET 10.99.0.130
        add NET 172.16.0.0/12
        add NET 172.16.1.0/24 nomatch
        add NET 203.0.113.0/28
        create IPPORT hash:ip,port
        add IPPORT 10.99.0.1,udp:8001
        add IPPORT 10.99.0.1,tcp:22
        add IPPORT 10.99.1.50,udp:53
        add IPPORT 10.99.0.1,icmp:echo-request
        add IPPORT 10.99.1.50,gre:0
        add IPPORT 172.16.9.9,sctp:5000
        add IPPORT 10.99.0.2,udp:9001
        add IPPORT 10.99.0.1,tcp:8000-8002
        add IPPORT 10.99.0.200,icmp:3/3
        create NETPORT hash:net,port
        add NETPORT 10.99.0.0/24,udp:8001
        add NETPORT 10.99.0.128/25,udp:8001 nomatch
        add NETPORT 172.16.0.0/12,tcp:22
        add NETPORT 10.99.0.0/16,icmp:echo-reply
        add NETPORT 10.99.0.128/26,gre:0
        create IPPORTIP hash:ip,port,ip
        add IPPORTIP 10.99.0.2,udp:8001,10.99.0.1
        add IPPORTIP 172.16.5.5,tcp:22,172.16.9.9
        add IPPORTIP 10.99.0.1,udp:9001,10.99.0.2
        add IPPORTIP 10.99.0.1,udp:8001,10.99.0.2
        add IPPORTIP 10.99.0.2,udp:9001,10.99.0.1
        add IPPORTIP 10.99.0.2,udp:9001,10.99.0.2
        add IPPORTIP 10.99.0.1,udp:8001,10.99.0.1
        add IPPORTIP 10.99.0.2,udp:8001,10.99.0.2
        add IPPORTIP 10.99.0.1,udp:9001,10.99.0.1
        add IPPORTIP 10.99.0.200,icmp:echo-request,10.99.0.1
        create IPPORTNET hash:ip,port,net
        add IPPORTNET 10.99.0.1,udp:8001,10.99.0.0/24
        add IPPORTNET 10.99.0.1,udp:8001,10.99.0.192/26 nomatch
        add IPPORTNET 172.16.9.9,tcp:22,172.16.0.0/16
        add IPPORTNET 10.99.0.1,icmp:echo-request,10.99.0.128/25
        add IPPORTNET 10.99.0.2,udp:9001,10.99.0.0/24
        add IPPORTNET 10.99.0.2,udp:8001,10.99.0.0/25
        add IPPORTNET 10.99.0.1,udp:9001,10.99.0.0/30
        add IPPORTNET 10.99.0.2,udp:9001,10.99.0.2/31 nomatch
        create NETIF hash:net,iface
        add NETIF 10.99.0.0/24,eth0
        add NETIF 10.99.0.0/25,wan0
        add NETIF 172.16.0.0/12,eth wildcard
        add NETIF 192.168.0.0/16,wan+
        add NETIF 10.1.0.0/16,physdev:eth0
        add NETIF 0.0.0.0/0,eth1
        add NETIF 10.99.0.128/25,eth0 nomatch
        add NETIF 192.168.1.0/24,wan0
        create BIP bitmap:ip range 10.99.0.0/24
        add BIP 10.99.0.2
        add BIP 10.99.0.100-10.99.0.150
        create BIPM bitmap:ip range 172.16.0.0/16 netmask 24
        add BIPM 172.16.5.0
        add BIPM 172.16.9.0
        create BPORT bitmap:port range 7000-9100
        add BPORT 8001
        add BPORT 8003
        add BPORT 9001-9003
        create BMAC bitmap:ip,mac range 10.99.0.0/16
        add BMAC 10.99.0.2,{MacA}
        add BMAC 10.99.0.200,{MacB}
        add BMAC 10.99.0.1,{macs["eth0"]}
        add BMAC 10.99.2.1,{macs["wan0"]}
        add BMAC 10.99.0.77,{macs["eth0"]}
        create BLEARN bitmap:ip,mac range 10.99.0.0/24
        add BLEARN 10.99.0.130
        add BLEARN 10.99.0.131
        create CNT hash:ip counters
        add CNT 10.99.0.2 packets 5 bytes 500
        add CNT 172.16.5.5 packets 0 bytes 0
        create CNTU hash:net counters
        add CNTU 10.99.0.0/24
        add CNTU 10.99.0.128/25 nomatch packets 40 bytes 0
        create CNTB hash:ip counters
        add CNTB 10.99.0.2 bytes 0
        create TMO hash:ip timeout 3600
        add TMO 10.99.0.2 timeout 3000
        add TMO 172.16.9.9
        create IP6 hash:ip family inet6
        add IP6 fd99::2
        add IP6 fd99:5::9
        create IP6M hash:ip family inet6 netmask 64
        add IP6M fd99:7::1
        create NET6 hash:net family inet6
        add NET6 fd99::/48
        add NET6 fd99:0:0:1::/64 nomatch
        add NET6 fd99:0:0:1::5
        create IPPORT6 hash:ip,port family inet6
        add IPPORT6 fd99::1,udp:8001
        add IPPORT6 fd99::1,ipv6-icmp:echo-request
        add IPPORT6 fd99:5::9,tcp:22
        add IPPORT6 fd99::2,udp:8001
        create NETIF6 hash:net,iface family inet6
        add NETIF6 fd99::/48,eth0
        add NETIF6 fd99:0:0:1::/64,eth1
        add NETIF6 ::/0,eth1
        add NETIF6 fd99:0:0:2::/64,eth0 nomatch
        create LIST list:set
        add LIST IPPORT
        add LIST NET
        add LIST BPORT
        create L46 list:set
        add L46 IP
        add L46 IP6
        add L46 NET6
        """;

    private static readonly string[] V4Sets = ["IP", "IPM", "NET", "IPPORT", "NETPORT", "IPPORTIP", "IPPORTNET", "NETIF", "BIP", "BIPM", "BPORT", "BMAC"];
    private static readonly string[] V6Sets = ["IP6", "IP6M", "NET6", "IPPORT6", "NETIF6", "BPORT"];

    private static int Dimensions(string set) => set switch
    {
        "IPPORT" or "NETPORT" or "NETIF" or "BMAC" or "IPPORT6" or "NETIF6" => 2,
        "IPPORTIP" or "IPPORTNET" => 3,
        _ => 1,
    };

    private static bool Nomatch(string set) => set is "NET" or "NETPORT" or "IPPORTNET" or "NETIF" or "NET6" or "NETIF6";

    /// <summary>Every flag combination of each set, one flag short and one too many, and "!"/--return-nomatch variants.</summary>
    public static List<KernelSetRule> Rules(bool v6)
    {
        var rules = new List<KernelSetRule>();
        foreach (var s in v6 ? V6Sets : V4Sets)
        {
            int d = Dimensions(s);
            var combos = Enumerable.Range(0, 1 << d)
                .Select(m => string.Join(',', Enumerable.Range(0, d).Select(i => (m >> (d - 1 - i) & 1) == 0 ? "src" : "dst"))).ToList();
            foreach (var c in combos) rules.Add(new KernelSetRule(s, c));
            if (d > 1) rules.Add(new KernelSetRule(s, string.Join(',', Enumerable.Repeat("dst", d - 1))));
            rules.Add(new KernelSetRule(s, combos[^1] + ",src"));
            rules.Add(new KernelSetRule(s, combos[0], Negated: true));
            if (Nomatch(s))
            {
                rules.Add(new KernelSetRule(s, combos[0], ReturnNomatch: true));
                rules.Add(new KernelSetRule(s, combos[^1], ReturnNomatch: true));
                rules.Add(new KernelSetRule(s, combos[0], Negated: true, ReturnNomatch: true));
            }
        }
        if (!v6)
        {
            rules.Add(new KernelSetRule("LIST", "src"));
            rules.Add(new KernelSetRule("LIST", "dst"));
            rules.Add(new KernelSetRule("LIST", "dst,dst"));
            rules.Add(new KernelSetRule("LIST", "src,dst", ReturnNomatch: true));
            rules.Add(new KernelSetRule("LIST", "dst,dst", Negated: true));
            rules.Add(new KernelSetRule("BLEARN", "src,src"));
            const string NoUpdate = "! --update-counters";
            rules.Add(new KernelSetRule("CNT", "src", Extra: $"{NoUpdate} --packets-eq 5"));
            rules.Add(new KernelSetRule("CNT", "src", Extra: $"{NoUpdate} ! --packets-eq 5"));
            rules.Add(new KernelSetRule("CNT", "src", Extra: $"{NoUpdate} --packets-gt 4"));
            rules.Add(new KernelSetRule("CNT", "src", Extra: $"{NoUpdate} --packets-lt 5"));
            rules.Add(new KernelSetRule("CNT", "src", Extra: $"{NoUpdate} --bytes-gt 499"));
            rules.Add(new KernelSetRule("CNT", "src", Extra: $"{NoUpdate} --bytes-eq 0"));
            rules.Add(new KernelSetRule("CNT", "src", Extra: $"{NoUpdate} --packets-eq 5 --bytes-lt 501"));
            rules.Add(new KernelSetRule("CNT", "src", Negated: true, Extra: $"{NoUpdate} --packets-eq 0"));
            rules.Add(new KernelSetRule("CNTU", "src", Extra: "--packets-lt 3"));
            rules.Add(new KernelSetRule("CNTB", "src", Extra: "--bytes-gt 60"));
            rules.Add(new KernelSetRule("IP", "src", Extra: "--packets-gt 100"));
            rules.Add(new KernelSetRule("TMO", "src"));
            rules.Add(new KernelSetRule("TMO", "dst"));
        }
        rules.Add(new KernelSetRule("L46", "src"));
        rules.Add(new KernelSetRule("L46", "dst", ReturnNomatch: true));
        return rules;
    }

    /// <summary>Where the node routes a destination: null for its own addresses (INPUT), else the output interface.</summary>
    public static string? OutInterface(IpAddress dst)
    {
        string[] local = ["10.99.0.1", "10.99.1.1", "10.99.2.1", "fd99::1", "fd99:1::1", "fd99:2::1"];
        if (local.Any(l => IpAddress.Parse(l) == dst)) return null;
        if (IpPrefix.Parse("10.99.0.0/24").Contains(dst) || IpPrefix.Parse("fd99::/64").Contains(dst)) return "eth0";
        if (IpPrefix.Parse("10.99.2.0/24").Contains(dst) || IpPrefix.Parse("fd99:2::/64").Contains(dst)) return "wan0";
        return "eth1";
    }

    /// <summary>Hand-picked packets for the behaviours in the reference (E10 and the kernel functions), then random
    /// ones drawn with a fixed seed from addresses, ports and MACs near the sets' elements.</summary>
    public static List<KernelPacket> Packets(IReadOnlyDictionary<string, MacAddress> macs, int randomV4, int randomV6)
    {
        var list = new List<KernelPacket>();
        KernelPacket P(string peer, string src, string dst, byte proto, ushort sp = 0, ushort dp = 0, byte it = 0, byte ic = 0,
            MacAddress? smac = null, bool frag = false)
        {
            var iif = peer == "p0" ? "eth0" : "wan0";
            var s = IpAddress.Parse(src); var d = IpAddress.Parse(dst);
            var v = new SetPacket
            {
                Family = s.Family, Source = s, Destination = d, Protocol = proto, SourcePort = sp, DestinationPort = dp,
                IcmpType = it, IcmpCode = ic, InInterface = iif, OutInterface = OutInterface(d), IsFragment = frag,
                SourceMac = smac ?? macs[peer], DestinationMac = macs[iif],
            };
            return new KernelPacket(peer, v.SourceMac!.Value, v.DestinationMac!.Value, v with { Length = KernelFrames.IpLength(v) });
        }
        const byte U = Protocols.Udp, T = Protocols.Tcp, I = Protocols.Icmp, G = Protocols.Gre, S = Protocols.Sctp, I6 = Protocols.Icmpv6;

        // E10's packets (P1-P5), then the edges
        list.Add(P("p0", "10.99.0.2", "10.99.0.1", U, 9001, 8001, smac: MacA));
        list.Add(P("p0", "10.99.0.200", "10.99.0.1", U, 9002, 8002, smac: MacB));
        list.Add(P("p0", "172.16.5.5", "10.99.0.1", U, 9003, 8003));
        list.Add(P("p0", "10.99.0.2", "10.99.0.1", T, 9004, 8001));
        list.Add(P("p0", "10.99.0.2", "10.99.0.1", U, 9005, 8002, smac: MacA));
        list.Add(P("p0", "10.99.0.2", "172.16.9.9", T, 40000, 22));              // NETIF: the /25 for wan0 hides the /24 for eth0
        list.Add(P("p2", "10.99.0.2", "172.16.9.9", T, 40000, 22));
        list.Add(P("p0", "10.99.0.130", "10.99.0.1", U, 1, 1));                   // host element inside a nomatch /25; BLEARN learns
        list.Add(P("p0", "10.99.0.130", "10.99.0.1", U, 1, 1, smac: MacB));       // … and now compares
        list.Add(P("p0", "10.99.0.200", "10.99.0.1", I, it: 8, ic: 0));
        list.Add(P("p0", "10.99.0.200", "10.99.0.1", I, it: 8, ic: 1));
        list.Add(P("p0", "10.99.0.9", "10.99.1.50", G));
        list.Add(P("p0", "10.99.0.9", "10.99.1.50", G, frag: true));
        list.Add(P("p0", "10.99.0.9", "10.99.1.50", U, 5, 53, frag: true));
        list.Add(P("p0", "10.99.1.50", "172.16.9.9", S, 1, 5000));
        list.Add(P("p0", "10.99.1.50", "10.99.0.1", S, 8001, 8001));             // bitmap:port takes TCP/UDP only
        list.Add(P("p0", "10.99.0.9", "10.99.0.1", I, it: 31, ic: 65));          // ICMP 31/65 is "port" 8001: not for bitmap:port
        list.Add(P("p0", "192.168.1.200", "10.99.2.1", U, 8001, 8001));
        list.Add(P("p2", "192.168.1.200", "10.99.2.1", U, 8001, 8001));
        list.Add(P("p0", "10.99.0.77", "10.99.0.200", I, it: 3, ic: 3));
        list.Add(P("p0", "172.16.1.9", "203.0.113.5", T, 1000, 8002));
        list.Add(P("p0", "10.99.0.9", "10.99.0.200", U, 1, 8001));               // NETPORT nomatch by destination
        list.Add(P("p0", "10.99.0.77", "10.99.1.50", U, 1, 1));                  // BMAC src,dst: the node's own MAC
        for (int i = 0; i < 4; i++) list.Add(P("p0", i % 2 == 0 ? "10.99.0.2" : "10.99.0.5", "10.99.0.1", U, 7, 7)); // CNTU/CNTB counters move
        list.Add(P("p0", "fd99::2", "fd99::1", U, 9001, 8001));
        list.Add(P("p0", "fd99:0:0:1::5", "fd99::1", I6, it: 128));
        list.Add(P("p0", "fd99:0:0:1::6", "fd99:5::9", T, 1, 22));
        list.Add(P("p2", "fd99:7::33", "fd99:5::9", U, 1, 8003));
        list.Add(P("p0", "fd99::2", "fd99:5::9", U, 1, 53, frag: true));

        var rnd = new Random(20260714);
        T1 Pick<T1>(T1[] a) => a[rnd.Next(a.Length)];
        string[] src4 = ["10.99.0.2", "10.99.0.200", "10.99.0.130", "10.99.0.131", "10.99.0.77", "172.16.5.5", "172.16.1.9", "172.16.9.9",
            "192.168.1.200", "10.1.2.3", "10.99.0.100", "10.99.0.150", "10.99.0.151", "198.51.100.7", "10.99.1.50", "10.99.0.193", "203.0.113.9"];
        string[] dst4 = ["10.99.0.1", "10.99.2.1", "10.99.1.50", "172.16.9.9", "172.16.5.9", "10.99.0.2", "203.0.113.5", "10.99.0.200", "10.99.1.1"];
        string[] src6 = ["fd99::2", "fd99::9", "fd99:0:0:1::5", "fd99:0:0:1::6", "fd99:7::33", "fd99:5::9", "2001:db8::1", "fd99:0:0:2::3"];
        string[] dst6 = ["fd99::1", "fd99:2::1", "fd99:5::9", "fd99::2", "2001:db8::99", "fd99:7::44", "fd99:0:0:1::7"];
        ushort[] ports = [22, 53, 8001, 8002, 8003, 9001, 9002, 5000, 7000, 40000, 80];
        (byte, byte)[] icmp4 = [(8, 0), (0, 0), (3, 3), (8, 1)];
        (byte, byte)[] icmp6 = [(128, 0), (129, 0), (1, 4)];
        for (int n = 0; n < randomV4 + randomV6; n++)
        {
            bool v6 = n >= randomV4;
            var peer = rnd.Next(10) < 7 ? "p0" : "p2";
            var smac = Pick<MacAddress>([macs[peer], MacA, MacB]);
            var src = v6 ? Pick(src6) : Pick(src4);
            var dst = v6 ? Pick(dst6) : Pick(dst4);
            int r = rnd.Next(100);
            byte proto = v6 ? (r < 40 ? U : r < 75 ? T : I6) : (r < 35 ? U : r < 65 ? T : r < 80 ? I : r < 90 ? G : S);
            var (it, ic) = proto == I ? Pick(icmp4) : proto == I6 ? Pick(icmp6) : ((byte)0, (byte)0);
            // IPv4 reassembles before LOCAL_IN (ip_local_deliver): a lone fragment reaches only FORWARD
            bool frag = (proto is U or G) && rnd.Next(100) < 8 && (v6 || OutInterface(IpAddress.Parse(dst)) is not null);
            list.Add(P(peer, src, dst, proto, Pick(ports), Pick(ports), it, ic, smac, frag));
        }
        return list;
    }
}
