using Nfwalk.Diagnostics;
using Nfwalk.Model.Ipsets;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Ipset;
using Nfwalk.Semantics.Ipsets;

namespace Nfwalk.Tests.Ipsets;

/// <summary>
/// -m set lookups against the kernel functions they follow (net/netfilter/ipset/*, net/netfilter/xt_set.c).
/// Cases marked E10 are the kernel-verified experiment of the shared reference; the kernel-differential test checks
/// the rest on the running kernel where its types exist.
/// </summary>
public class IpSetLookupTests
{
    private static IpSetLookup Sets(string save)
    {
        var d = new DiagnosticBag();
        var sets = IpsetSaveParser.Parse(save, "t.save", d);
        Assert.Empty(d.Items);
        return new IpSetLookup(sets);
    }

    private static SetPacket Udp(string src, string dst, ushort sport, ushort dport, string? iif = "eth0", string? oif = null)
        => SetPacket.Create(IpAddress.Parse(src), IpAddress.Parse(dst), Protocols.Udp, sport, dport, iif, oif);

    private static SetPacket Tcp(string src, string dst, ushort sport, ushort dport, string? iif = "eth0", string? oif = null)
        => SetPacket.Create(IpAddress.Parse(src), IpAddress.Parse(dst), Protocols.Tcp, sport, dport, iif, oif);

    private static SetLookupOptions Flags(string f, bool returnNomatch = false, bool negated = false)
        => SetLookupOptions.Parse(f, returnNomatch, negated)!;

    private static bool M(IpSetLookup l, string set, SetPacket p, string flags, bool returnNomatch = false, bool negated = false)
    {
        var r = l.Test(set, p, Flags(flags, returnNomatch, negated));
        Assert.NotEqual(SetLookupStatus.SetNotFound, r.Status);
        Assert.False(string.IsNullOrWhiteSpace(r.Explanation));
        return r.IsMatch;
    }

    // ------------------------------------------------------------------------------------------- E10 (kernel-verified)

    private const string E10 = """
        create S_IP hash:ip
        add S_IP 10.99.0.2
        add S_IP 10.99.0.1
        create S_NET hash:net
        add S_NET 10.99.0.0/24
        add S_NET 10.99.0.128/25 nomatch
        create S_IPPORT hash:ip,port
        add S_IPPORT 10.99.0.1,udp:8001
        add S_IPPORT 10.99.0.2,udp:8002
        create S_PORT bitmap:port range 8000-8100
        add S_PORT 8003
        create S_NETIF hash:net,iface
        add S_NETIF 10.99.0.0/24,eth0
        create S_LIST list:set
        add S_LIST S_PORT
        add S_LIST S_IP
        """;

    private static readonly (string Set, string Flags, bool Neg, bool Rn, string Label)[] E10Rules =
    [
        ("S_IP", "src", false, false, "S_IP src"), ("S_IP", "dst", false, false, "S_IP dst"), ("S_IP", "src", true, false, "! S_IP src"),
        ("S_IP", "src,dst", false, false, "S_IP src,dst (extra dim ignored)"), ("S_NET", "src", false, false, "S_NET src"),
        ("S_NET", "src", true, false, "! S_NET src"), ("S_NET", "src", false, true, "S_NET src return-nomatch"),
        ("S_IPPORT", "dst,dst", false, false, "S_IPPORT dst,dst"), ("S_IPPORT", "src,dst", false, false, "S_IPPORT src,dst"),
        ("S_IPPORT", "dst", false, false, "S_IPPORT dst (too few dims)"), ("S_PORT", "dst", false, false, "S_PORT dst"),
        ("S_NETIF", "src,src", false, false, "S_NETIF src,src (iif)"), ("S_NETIF", "src,dst", false, false, "S_NETIF src,dst (oif; none on INPUT)"),
        ("S_LIST", "dst", false, false, "S_LIST dst"),
    ];

    public static TheoryData<string, string, string[]> E10Packets => new()
    {
        { "P1", "udp 10.99.0.2 9001 10.99.0.1 8001", ["S_IP src", "S_IP dst", "S_IP src,dst (extra dim ignored)", "S_NET src", "S_IPPORT dst,dst", "S_NETIF src,src (iif)", "S_LIST dst"] },
        { "P2", "udp 10.99.0.200 9002 10.99.0.1 8002", ["S_IP dst", "! S_IP src", "! S_NET src", "S_NET src return-nomatch", "S_NETIF src,src (iif)", "S_LIST dst"] },
        { "P3", "udp 172.16.5.5 9003 10.99.0.1 8003", ["S_IP dst", "! S_IP src", "! S_NET src", "S_PORT dst", "S_LIST dst"] },
        { "P4", "tcp 10.99.0.2 9004 10.99.0.1 8001", ["S_IP src", "S_IP dst", "S_IP src,dst (extra dim ignored)", "S_NET src", "S_NETIF src,src (iif)", "S_LIST dst"] },
        { "P5", "udp 10.99.0.2 9005 10.99.0.1 8002", ["S_IP src", "S_IP dst", "S_IP src,dst (extra dim ignored)", "S_NET src", "S_IPPORT src,dst", "S_NETIF src,src (iif)", "S_LIST dst"] },
    };

    /// <summary>E10-ipset.out: every rule of chain T, for each of the five packets, in INPUT on eth0.</summary>
    [Theory]
    [MemberData(nameof(E10Packets))]
    public void E10Experiment(string name, string packet, string[] expected)
    {
        var l = Sets(E10);
        var w = packet.Split(' ');
        var p = w[0] == "udp" ? Udp(w[1], w[3], ushort.Parse(w[2]), ushort.Parse(w[4])) : Tcp(w[1], w[3], ushort.Parse(w[2]), ushort.Parse(w[4]));
        var matched = E10Rules.Where(r => M(l, r.Set, p, r.Flags, r.Rn, r.Neg)).Select(r => r.Label).ToArray();
        Assert.True(expected.SequenceEqual(matched), $"{name}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", matched)}]");
    }

    // ------------------------------------------------------------------------------------------- ip_set_test

    [Fact]
    public void FewerFlagsThanDimensionsNeverMatchMoreAreIgnored()
    {
        // ip_set_test: "if (opt->dim < set->type->dimension ...) return 0"; extra flags are never read by *_kadt
        var l = Sets("create P hash:ip,port,ip\nadd P 10.0.0.1,tcp:80,10.0.0.2");
        var p = Tcp("10.0.0.1", "10.0.0.2", 1234, 80);
        Assert.False(M(l, "P", p, "src,dst"));
        Assert.False(M(l, "P", p, "src,dst", negated: false));
        Assert.True(M(l, "P", p, "src,dst", negated: true)); // "!" of a never-true test
        Assert.True(M(l, "P", p, "src,dst,dst"));
        Assert.True(M(l, "P", p, "src,dst,dst,src,src,src"));
        Assert.False(M(l, "P", p, "dst,dst,dst"));
        var r = l.Test("P", p, Flags("src"));
        Assert.Contains("3 dimensions but the rule gives 1 flag", r.Explanation);
    }

    [Fact]
    public void FamilyMismatchNeverMatches()
    {
        // ip_set_test: opt->family must equal set->family unless the set is NFPROTO_UNSPEC
        var l = Sets("create S6 hash:ip family inet6\nadd S6 2001:db8::1\ncreate S4 hash:ip\nadd S4 10.0.0.1\ncreate L list:set\nadd L S4\nadd L S6\ncreate BP bitmap:port range 1-100\nadd BP 53");
        var v6 = SetPacket.Create(IpAddress.Parse("2001:db8::1"), IpAddress.Parse("2001:db8::2"), Protocols.Udp, 53, 53);
        var v4 = Udp("10.0.0.1", "10.0.0.2", 53, 53);
        Assert.True(M(l, "S6", v6, "src"));
        Assert.False(M(l, "S6", v4, "src"));
        Assert.Contains("family mismatch", l.Test("S6", v4, Flags("src")).Explanation);
        // list:set is NFPROTO_UNSPEC: each member checks its own family
        Assert.True(M(l, "L", v6, "src"));
        Assert.True(M(l, "L", v4, "src"));
        Assert.Equal("S6", l.Test("L", v6, Flags("src")).ElementSet!.Name);
        // bitmap:port is NFPROTO_UNSPEC too
        Assert.True(M(l, "BP", v6, "dst"));
        Assert.True(M(l, "BP", v4, "dst"));
    }

    [Fact]
    public void UnknownSetIsReported()
    {
        var r = Sets("create A hash:ip").Test("B", Udp("1.1.1.1", "2.2.2.2", 1, 2), Flags("src"));
        Assert.Equal(SetLookupStatus.SetNotFound, r.Status);
        Assert.False(r.IsMatch);
        Assert.Contains("no ipset named \"B\"", r.Explanation);
    }

    // ------------------------------------------------------------------------------------------- hash:net family

    [Fact]
    public void LongestPrefixWinsAndNomatchRefuses()
    {
        // mtype_test_cidrs walks h->nets longest first; mtype_data_match returns -ENOTEMPTY for nomatch
        var l = Sets("create N hash:net\nadd N 10.0.0.0/8\nadd N 10.1.0.0/16 nomatch\nadd N 10.1.2.0/24\nadd N 10.1.2.3");
        bool In(string a) => M(l, "N", Udp(a, "192.0.2.1", 1, 1), "src");
        Assert.True(In("10.9.9.9"));      // /8
        Assert.False(In("10.1.9.9"));     // /16 nomatch
        Assert.True(In("10.1.2.9"));      // /24 inside the nomatch /16
        Assert.True(In("10.1.2.3"));      // host
        Assert.False(In("11.0.0.1"));
        var r = l.Test("N", Udp("10.1.9.9", "192.0.2.1", 1, 1), Flags("src"));
        Assert.Contains("10.1.0.0/16", r.Explanation);
        Assert.True(r.Element!.NoMatch);
        // --return-nomatch (ip_set_test: ret = -ret for IPSET_TYPE_NOMATCH types): nomatch element → match, normal → no
        Assert.True(M(l, "N", Udp("10.1.9.9", "192.0.2.1", 1, 1), "src", returnNomatch: true));
        Assert.False(M(l, "N", Udp("10.9.9.9", "192.0.2.1", 1, 1), "src", returnNomatch: true));
        Assert.False(M(l, "N", Udp("11.0.0.1", "192.0.2.1", 1, 1), "src", returnNomatch: true));
        // "!" applies after --return-nomatch
        Assert.True(M(l, "N", Udp("10.9.9.9", "192.0.2.1", 1, 1), "src", returnNomatch: true, negated: true));
    }

    [Fact]
    public void ReturnNomatchDoesNothingOnTypesWithoutNomatch()
    {
        var l = Sets("create I hash:ip\nadd I 10.0.0.1\ncreate L list:set\nadd L I");
        Assert.True(M(l, "I", Udp("10.0.0.1", "10.0.0.2", 1, 1), "src", returnNomatch: true));
        Assert.True(M(l, "L", Udp("10.0.0.1", "10.0.0.2", 1, 1), "src", returnNomatch: true));
    }

    [Fact]
    public void NetPortComparesPortAndProtocolAtEachPrefixLength()
    {
        // hash_netport: an element is equal only with the same proto and port, so a shorter prefix with the packet's
        // port wins over a longer one with another port
        var l = Sets("create NP hash:net,port\nadd NP 10.0.0.0/16,tcp:80\nadd NP 10.0.1.0/24,tcp:81 nomatch\nadd NP 10.0.2.0/24,tcp:80 nomatch");
        Assert.True(M(l, "NP", Tcp("10.0.1.5", "1.1.1.1", 80, 80), "src,dst"));
        Assert.False(M(l, "NP", Tcp("10.0.1.5", "1.1.1.1", 80, 81), "src,dst"));
        Assert.False(M(l, "NP", Tcp("10.0.2.5", "1.1.1.1", 80, 80), "src,dst"));
        Assert.False(M(l, "NP", Udp("10.0.0.5", "1.1.1.1", 80, 80), "src,dst"));
        Assert.True(M(l, "NP", Tcp("10.0.0.5", "1.1.1.1", 80, 1), "src,src"));
    }

    [Fact]
    public void IpPortNetUsesTheNetworkOfTheThirdDimension()
    {
        var l = Sets("create X hash:ip,port,net\nadd X 10.0.0.1,tcp:80,172.16.0.0/12\nadd X 10.0.0.1,tcp:80,172.16.1.0/24 nomatch");
        Assert.True(M(l, "X", Tcp("172.16.9.9", "10.0.0.1", 5, 80), "dst,dst,src"));
        Assert.False(M(l, "X", Tcp("172.16.1.9", "10.0.0.1", 5, 80), "dst,dst,src"));
        Assert.True(M(l, "X", Tcp("172.16.1.9", "10.0.0.1", 5, 80), "dst,dst,src", returnNomatch: true));
        Assert.False(M(l, "X", Tcp("172.16.9.9", "10.0.0.2", 5, 80), "dst,dst,src"));
    }

    [Fact]
    public void NetNetTriesTheFirstNetworksLengthFirst()
    {
        // IPSET_NET_COUNT == 2: outer loop over the first dimension's lengths, inner over the second's
        var l = Sets("create NN hash:net,net\nadd NN 10.0.0.0/24,192.168.0.0/16\nadd NN 10.0.0.0/8,192.168.1.0/24 nomatch");
        var p = Udp("10.0.0.1", "192.168.1.1", 1, 1);
        Assert.True(M(l, "NN", p, "src,dst"));   // /24,/16 is tried before /8,/24
        Assert.False(M(l, "NN", Udp("10.9.0.1", "192.168.1.1", 1, 1), "src,dst"));
        Assert.True(M(l, "NN", Udp("10.9.0.1", "192.168.1.1", 1, 1), "src,dst", returnNomatch: true));
        Assert.True(M(Sets("create Z hash:net,net\nadd Z 0.0.0.0/0,10.0.0.0/8"), "Z", Udp("1.2.3.4", "10.2.3.4", 1, 1), "src,dst"));
    }

    [Fact]
    public void NetPortNet()
    {
        var l = Sets("create T hash:net,port,net\nadd T 10.0.0.0/8,udp:53,192.168.0.0/16\nadd T 10.1.0.0/16,udp:53,192.168.0.0/16 nomatch");
        Assert.True(M(l, "T", Udp("10.2.0.1", "192.168.3.3", 5, 53), "src,dst,dst"));
        Assert.False(M(l, "T", Udp("10.1.0.1", "192.168.3.3", 5, 53), "src,dst,dst"));
        Assert.False(M(l, "T", Tcp("10.2.0.1", "192.168.3.3", 5, 53), "src,dst,dst"));
    }

    // ------------------------------------------------------------------------------------------- ports

    [Fact]
    public void PortElementsCarryTheirProtocol()
    {
        // ip_set_get_ip4_port reads the protocol with the port; ICMP puts type<<8|code in the port for either flag
        var l = Sets("create P hash:ip,port\nadd P 10.0.0.1,udp:53\nadd P 10.0.0.1,icmp:echo-request\nadd P 10.0.0.1,gre:0\nadd P 10.0.0.1,sctp:9");
        Assert.True(M(l, "P", Udp("10.0.0.9", "10.0.0.1", 1, 53), "dst,dst"));
        Assert.False(M(l, "P", Tcp("10.0.0.9", "10.0.0.1", 1, 53), "dst,dst"));
        var ping = SetPacket.Create(IpAddress.Parse("10.0.0.9"), IpAddress.Parse("10.0.0.1"), Protocols.Icmp) with { IcmpType = 8 };
        Assert.True(M(l, "P", ping, "dst,dst"));
        Assert.True(M(l, "P", ping, "dst,src"));
        Assert.False(M(l, "P", ping with { IcmpCode = 1 }, "dst,src"));
        var gre = SetPacket.Create(IpAddress.Parse("10.0.0.9"), IpAddress.Parse("10.0.0.1"), Protocols.Gre);
        Assert.True(M(l, "P", gre, "dst,dst"));
        Assert.True(M(l, "P", SetPacket.Create(IpAddress.Parse("10.0.0.9"), IpAddress.Parse("10.0.0.1"), Protocols.Sctp, 1, 9), "dst,dst"));
        // a non-first fragment has no TCP/UDP/ICMP header: -EINVAL, not inverted by "!"… but "!" inverts the no-match
        Assert.False(M(l, "P", Udp("10.0.0.9", "10.0.0.1", 1, 53) with { IsFragment = true }, "dst,dst"));
        Assert.True(M(l, "P", gre with { IsFragment = true }, "dst,dst"));
        Assert.False(M(l, "P", SetPacket.Create(IpAddress.Parse("10.0.0.9"), IpAddress.Parse("10.0.0.1"), 0), "dst,dst"));
    }

    [Fact]
    public void PortRangesInElements()
    {
        var l = Sets("create P hash:ip,port\nadd P 10.0.0.0/30,tcp:80-82");
        Assert.True(M(l, "P", Tcp("10.0.0.3", "1.1.1.1", 81, 1), "src,src"));
        Assert.False(M(l, "P", Tcp("10.0.0.4", "1.1.1.1", 81, 1), "src,src"));
        Assert.False(M(l, "P", Tcp("10.0.0.3", "1.1.1.1", 83, 1), "src,src"));
    }

    [Fact]
    public void BitmapPortTakesTcpAndUdpOnly()
    {
        // bitmap_port's ip_set_get_ip_port accepts IPPROTO_TCP and IPPROTO_UDP only
        var l = Sets("create B bitmap:port range 0-65535\nadd B 2048\nadd B 9");
        var ping = SetPacket.Create(IpAddress.Parse("10.0.0.9"), IpAddress.Parse("10.0.0.1"), Protocols.Icmp) with { IcmpType = 8 };
        Assert.False(M(l, "B", ping, "dst"));
        Assert.True(M(l, "B", Udp("1.1.1.1", "2.2.2.2", 9, 1), "src"));
        Assert.False(M(l, "B", SetPacket.Create(IpAddress.Parse("1.1.1.1"), IpAddress.Parse("2.2.2.2"), Protocols.Sctp, 9, 9), "src"));
        Assert.False(M(Sets("create C bitmap:port range 10-20\nadd C 15"), "C", Udp("1.1.1.1", "2.2.2.2", 9, 25), "dst"));
    }

    // ------------------------------------------------------------------------------------------- interfaces

    [Fact]
    public void NetIfaceSecondFlagPicksInputOrOutputInterface()
    {
        var l = Sets("create F hash:net,iface\nadd F 10.0.0.0/8,eth0\nadd F 10.0.0.0/8,wan0\nadd F 0.0.0.0/0,veth wildcard\nadd F 0.0.0.0/0,lan+");
        var fwd = Udp("10.1.1.1", "8.8.8.8", 1, 1, iif: "eth0", oif: "wan0");
        Assert.True(M(l, "F", fwd, "src,src"));
        Assert.True(M(l, "F", fwd, "src,dst"));
        Assert.False(M(l, "F", fwd with { InInterface = "eth1" }, "src,src"));
        // no output interface (INPUT): hash_netiface4_kadt returns -EINVAL for an empty name
        Assert.False(M(l, "F", fwd with { OutInterface = null }, "src,dst"));
        Assert.True(M(l, "F", fwd with { OutInterface = null }, "src,dst", negated: true));
        Assert.False(M(l, "F", fwd with { OutInterface = null }, "src,dst", returnNomatch: true));
        // wildcard: strncmp over the stored name's length; a '+' is an ordinary character (ipset test on this kernel)
        Assert.True(M(l, "F", Udp("192.0.2.1", "8.8.8.8", 1, 1, iif: "veth12ab"), "src,src"));
        Assert.True(M(l, "F", Udp("192.0.2.1", "8.8.8.8", 1, 1, iif: "veth"), "src,src"));
        Assert.False(M(l, "F", Udp("192.0.2.1", "8.8.8.8", 1, 1, iif: "vet"), "src,src"));
        Assert.False(M(l, "F", Udp("192.0.2.1", "8.8.8.8", 1, 1, iif: "lan0"), "src,src"));
        Assert.True(M(l, "F", Udp("192.0.2.1", "8.8.8.8", 1, 1, iif: "lan+"), "src,src"));
    }

    [Fact]
    public void NetIfaceStopsAtTheFirstPrefixLengthThatHoldsTheNetwork()
    {
        // mtype_test_cidrs loops "while !multi": hash_netiface4_data_equal counts (++*multi) every element with the
        // packet's network and prefix before comparing interfaces, so a longer prefix for another interface hides a
        // shorter one for the packet's interface
        var l = Sets("create F hash:net,iface\nadd F 10.0.0.0/8,eth0\nadd F 10.1.0.0/16,eth1");
        Assert.False(M(l, "F", Udp("10.1.2.3", "8.8.8.8", 1, 1, iif: "eth0"), "src,src"));
        Assert.True(M(l, "F", Udp("10.2.2.3", "8.8.8.8", 1, 1, iif: "eth0"), "src,src"));
        Assert.True(M(l, "F", Udp("10.1.2.3", "8.8.8.8", 1, 1, iif: "eth1"), "src,src"));
        Assert.Contains("stops at that prefix length", l.Test("F", Udp("10.1.2.3", "8.8.8.8", 1, 1, iif: "eth0"), Flags("src,src")).Explanation);
        // a physdev element lives in another hash bucket (physdev is hashed): it neither matches nor stops the walk
        var p = Sets("create G hash:net,iface\nadd G 10.0.0.0/8,eth0\nadd G 10.1.0.0/16,physdev:eth0");
        Assert.True(M(p, "G", Udp("10.1.2.3", "8.8.8.8", 1, 1, iif: "eth0"), "src,src"));
    }

    // ------------------------------------------------------------------------------------------- hash:ip options

    [Fact]
    public void HashIpNetmaskMasksThePacketAddress()
    {
        // hash_ip4_kadt: ip &= bitmask; ip == 0 → -EINVAL
        var l = Sets("create H hash:ip netmask 24\nadd H 10.0.1.77\ncreate Z hash:ip\nadd Z 10.0.0.1");
        Assert.True(M(l, "H", Udp("10.0.1.200", "1.1.1.1", 1, 1), "src"));
        Assert.False(M(l, "H", Udp("10.0.2.1", "1.1.1.1", 1, 1), "src"));
        Assert.False(M(l, "Z", Udp("0.0.0.0", "1.1.1.1", 1, 1), "src"));
        Assert.Contains("zero address", l.Test("Z", Udp("0.0.0.0", "1.1.1.1", 1, 1), Flags("src")).Explanation);
        var v6 = Sets("create H6 hash:ip family inet6 netmask 64\nadd H6 2001:db8:1::17");
        Assert.True(M(v6, "H6", SetPacket.Create(IpAddress.Parse("2001:db8:1::99"), IpAddress.Parse("::1")), "src"));
        var bm = Sets("create B hash:ip bitmask 255.255.0.255\nadd B 10.1.2.3");
        Assert.True(M(bm, "B", Udp("10.1.9.3", "1.1.1.1", 1, 1), "src"));
        Assert.False(M(bm, "B", Udp("10.1.9.4", "1.1.1.1", 1, 1), "src"));
    }

    [Fact]
    public void HashIpMarkReadsTheMaskedMarkWhateverTheFlag()
    {
        var l = Sets("create K hash:ip,mark markmask 0xff00\nadd K 10.0.0.1,0x1234");
        var p = Udp("10.0.0.1", "1.1.1.1", 1, 1) with { Mark = 0x12ff };
        Assert.True(M(l, "K", p, "src,src"));
        Assert.True(M(l, "K", p, "src,dst"));
        Assert.False(M(l, "K", p with { Mark = 0x1300 }, "src,dst"));
        Assert.False(M(l, "K", p, "src")); // two dimensions
    }

    // ------------------------------------------------------------------------------------------- bitmaps and MACs

    [Fact]
    public void BitmapIpRangeAndNetmask()
    {
        var l = Sets("create B bitmap:ip range 10.0.0.0/16 netmask 24\nadd B 10.0.3.7\ncreate R bitmap:ip range 192.168.0.0-192.168.0.255\nadd R 192.168.0.1-192.168.0.3");
        Assert.True(M(l, "B", Udp("10.0.3.200", "1.1.1.1", 1, 1), "src"));
        Assert.False(M(l, "B", Udp("10.0.4.1", "1.1.1.1", 1, 1), "src"));
        Assert.False(M(l, "B", Udp("10.1.3.1", "1.1.1.1", 1, 1), "src"));
        Assert.True(M(l, "R", Udp("192.168.0.2", "1.1.1.1", 1, 1), "src"));
        Assert.False(M(l, "R", Udp("192.168.0.4", "1.1.1.1", 1, 1), "src"));
        Assert.Contains("outside the range", l.Test("R", Udp("192.168.1.4", "1.1.1.1", 1, 1), Flags("src")).Explanation);
    }

    [Fact]
    public void BitmapIpMacComparesTheChosenMacOrLearnsIt()
    {
        var l = Sets("create M bitmap:ip,mac range 192.168.1.0/24\nadd M 192.168.1.1,00:11:22:33:44:55\nadd M 192.168.1.2");
        var src = MacAddress.Parse("00:11:22:33:44:55");
        var dst = MacAddress.Parse("02:00:00:00:00:01");
        var p = Udp("192.168.1.1", "192.168.1.254", 1, 1) with { SourceMac = src, DestinationMac = dst };
        Assert.True(M(l, "M", p, "src,src"));
        Assert.False(M(l, "M", p, "src,dst"));
        Assert.False(M(l, "M", p with { SourceMac = null }, "src,src")); // no Ethernet header (e.g. OUTPUT)
        // bitmap_ipmac_do_test returns -EAGAIN for an element without MAC: ip_set_test adds the MAC and answers 1
        var r = l.Test("M", p with { Source = IpAddress.Parse("192.168.1.2") }, Flags("src,dst"));
        Assert.True(r.IsMatch);
        Assert.Equal(dst, r.LearnedMac);
        Assert.False(M(l, "M", p with { Source = IpAddress.Parse("192.168.1.3") }, "src,src"));
        Assert.False(M(l, "M", p, "src"));
    }

    [Fact]
    public void HashMacAndHashIpMac()
    {
        var l = Sets("create HM hash:mac\nadd HM 00:11:22:33:44:55\ncreate IM hash:ip,mac\nadd IM 10.0.0.1,00:11:22:33:44:55");
        var mac = MacAddress.Parse("00:11:22:33:44:55");
        var p = Udp("10.0.0.1", "10.0.0.2", 1, 1) with { SourceMac = mac, DestinationMac = MacAddress.Parse("02:00:00:00:00:02") };
        Assert.True(M(l, "HM", p, "src"));
        Assert.False(M(l, "HM", p, "dst"));
        Assert.True(M(l, "IM", p, "src,src"));
        Assert.False(M(l, "IM", p, "src,dst"));
        Assert.False(M(l, "IM", p, "dst,src"));
        Assert.True(M(l, "HM", p with { Family = IpFamily.V6, Source = IpAddress.Parse("::1"), Destination = IpAddress.Parse("::2") }, "src"));
    }

    // ------------------------------------------------------------------------------------------- counters

    [Fact]
    public void CountersAreUpdatedBeforeTheyAreCompared()
    {
        // ip_set_match_extensions: ip_set_update_counter, then ip_set_match_counter
        var l = Sets("create C hash:ip counters\nadd C 10.0.0.1 packets 4 bytes 400");
        var p = Udp("10.0.0.1", "1.1.1.1", 1, 1) with { Length = 28 };
        SetLookupOptions O(CounterCondition? pk, CounterCondition? by = null, bool update = true)
            => Flags("src") with { Packets = pk, Bytes = by, UpdateCounters = update };
        Assert.True(l.Test("C", p, O(new CounterCondition(CounterOp.Eq, 5))).IsMatch);
        Assert.False(l.Test("C", p, O(new CounterCondition(CounterOp.Eq, 4))).IsMatch);
        Assert.True(l.Test("C", p, O(new CounterCondition(CounterOp.Eq, 4), update: false)).IsMatch);
        Assert.True(l.Test("C", p, O(null, new CounterCondition(CounterOp.Eq, 428))).IsMatch);
        Assert.True(l.Test("C", p, O(new CounterCondition(CounterOp.Gt, 4), new CounterCondition(CounterOp.Lt, 429))).IsMatch);
        Assert.False(l.Test("C", p, O(new CounterCondition(CounterOp.Ne, 5))).IsMatch);
        // a set without the counters extension never looks at the conditions
        var n = Sets("create N hash:ip\nadd N 10.0.0.1");
        Assert.True(n.Test("N", p, O(new CounterCondition(CounterOp.Gt, 1000))).IsMatch);
    }

    [Fact]
    public void ACounterMismatchFallsBackToAShorterPrefix()
    {
        // mtype_test_cidrs returns only when mtype_data_match is non-zero; a failed counter check goes on
        var l = Sets("create N hash:net counters\nadd N 10.0.0.0/8 packets 0 bytes 0\nadd N 10.1.0.0/16 nomatch packets 50 bytes 0");
        var p = Udp("10.1.0.1", "1.1.1.1", 1, 1);
        var o = Flags("src") with { Packets = new CounterCondition(CounterOp.Lt, 10) };
        Assert.True(l.Test("N", p, o).IsMatch);
        Assert.False(l.Test("N", p, Flags("src")).IsMatch);
    }

    [Fact]
    public void ListMembersIgnoreCounterConditionsTheListChecksItsOwn()
    {
        // list_set_ktest clears IPSET_FLAG_MATCH_COUNTERS for the members
        var l = Sets("create C hash:ip counters\nadd C 10.0.0.1 packets 100 bytes 0\ncreate L list:set counters\nadd L C packets 1 bytes 0");
        var p = Udp("10.0.0.1", "1.1.1.1", 1, 1);
        Assert.True(l.Test("L", p, Flags("src") with { Packets = new CounterCondition(CounterOp.Eq, 2) }).IsMatch);
        Assert.False(l.Test("L", p, Flags("src") with { Packets = new CounterCondition(CounterOp.Eq, 101) }).IsMatch);
    }

    [Fact]
    public void OptionsOfAParsedSetMatch()
    {
        var m = new Model.Matches.SetMatch
        {
            SetName = "S", SourceFlags = [true, false], Negated = true, ReturnNomatch = true, NoUpdateCounters = true,
            Packets = ("eq", true, 5), Bytes = ("lt", false, 9),
        };
        var o = SetLookupOptions.From(m);
        Assert.Equal("src,dst", o.FlagText);
        Assert.True(o.Negated);
        Assert.True(o.ReturnNomatch);
        Assert.False(o.UpdateCounters);
        Assert.True(o.UpdateSubcounters);
        Assert.Equal(new CounterCondition(CounterOp.Ne, 5), o.Packets);
        Assert.Equal(new CounterCondition(CounterOp.Lt, 9), o.Bytes);
        Assert.Null(SetLookupOptions.Parse("src,sideways"));
        Assert.Null(SetLookupOptions.Parse("src,src,src,src,src,src,src"));
    }

    [Fact]
    public void ExplanationsNameTheDecidingElementAndItsPlace()
    {
        var l = Sets(E10);
        var r = l.Test("S_NET", Udp("10.99.0.200", "10.99.0.1", 1, 1), Flags("src"));
        Assert.Equal(SetLookupStatus.NoMatch, r.Status);
        Assert.Contains("10.99.0.128/25", r.Explanation);
        Assert.Contains("t.save:6:", r.Explanation);
        Assert.Contains("nomatch", r.Explanation);
        var list = l.Test("S_LIST", Udp("172.16.5.5", "10.99.0.1", 9003, 8003), Flags("dst"));
        Assert.Contains("member S_PORT", list.Explanation);
        Assert.Equal("S_PORT", list.ElementSet!.Name);
    }
}
