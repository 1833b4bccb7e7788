using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Model.Targets;

namespace Nfwalk.Parsing.Iptables;

/// <summary>The registry of match modules and targets nfwalk models; everything else is kept as unknown.</summary>
public static class Extensions
{
    public static MatchParser? CreateMatch(ReadOnlySpan<char> name, IpFamily family) => name switch
    {
        "tcp" => new TcpMatch.Parser(),
        "udp" => new UdpMatch.Parser(),
        "icmp" when family == IpFamily.V4 => new IcmpMatch.Parser(false),
        "icmp6" or "icmpv6" or "ipv6-icmp" when family == IpFamily.V6 => new IcmpMatch.Parser(true),
        "multiport" => new MultiportMatch.Parser(),
        "mark" => new MarkMatch.Parser(false),
        "connmark" => new MarkMatch.Parser(true),
        "conntrack" => new ConntrackMatch.Parser(),
        "state" => new StateMatch.Parser(),
        "set" => new SetMatch.Parser(),
        "addrtype" => new AddrtypeMatch.Parser(),
        "comment" => new CommentMatch.Parser(),
        "owner" => new OwnerMatch.Parser(),
        "socket" => new SocketMatch.Parser(),
        "statistic" => new StatisticMatch.Parser(),
        "physdev" => new PhysdevMatch.Parser(),
        "iprange" => new IprangeMatch.Parser(),
        "mac" => new MacMatch.Parser(),
        "length" => new LengthMatch.Parser(),
        "pkttype" => new PkttypeMatch.Parser(),
        "limit" => new LimitMatch.Parser(),
        "recent" => new RecentMatch.Parser(),
        "rpfilter" => new RpfilterMatch.Parser(),
        "u32" => new U32Match.Parser(),
        _ => null,
    };

    /// <summary>The literal for a module or target name that the parsers know (so it need not be pooled), else null.</summary>
    public static string? KnownName(ReadOnlySpan<char> name) => name switch
    {
        "comment" => "comment", "tcp" => "tcp", "udp" => "udp", "mark" => "mark", "connmark" => "connmark", "conntrack" => "conntrack",
        "multiport" => "multiport", "statistic" => "statistic", "set" => "set", "addrtype" => "addrtype", "state" => "state",
        "icmp" => "icmp", "physdev" => "physdev", "owner" => "owner", "socket" => "socket", "limit" => "limit",
        "ACCEPT" => "ACCEPT", "DROP" => "DROP", "RETURN" => "RETURN", "DNAT" => "DNAT", "SNAT" => "SNAT", "MASQUERADE" => "MASQUERADE",
        "MARK" => "MARK", "CONNMARK" => "CONNMARK", "REJECT" => "REJECT", "LOG" => "LOG", "REDIRECT" => "REDIRECT", "TPROXY" => "TPROXY",
        "CT" => "CT", "NOTRACK" => "NOTRACK", "NFLOG" => "NFLOG",
        _ => null,
    };

    /// <summary>The implicit module iptables loads for "-p PROTO --dport ..." without "-m".</summary>
    public static MatchParser? CreateProtocolMatch(byte protocol, IpFamily family) => protocol switch
    {
        Protocols.Tcp => new TcpMatch.Parser(),
        Protocols.Udp => new UdpMatch.Parser(),
        Protocols.Icmp when family == IpFamily.V4 => new IcmpMatch.Parser(false),
        Protocols.Icmpv6 when family == IpFamily.V6 => new IcmpMatch.Parser(true),
        _ => null,
    };

    public static string ProtocolModuleName(byte protocol, IpFamily family) => protocol switch
    {
        Protocols.Tcp => "tcp", Protocols.Udp => "udp", Protocols.Icmpv6 => "icmp6", _ => "icmp",
    };

    public static TargetParser? CreateTarget(ReadOnlySpan<char> name, IpFamily family) => name switch
    {
        "REJECT" => new RejectTarget.Parser(family == IpFamily.V6),
        "LOG" => new LogTarget.Parser(),
        "NFLOG" => new NflogTarget.Parser(),
        "MARK" => new MarkTarget.Parser(),
        "CONNMARK" => new ConnmarkTarget.Parser(),
        "DNAT" => new NatTarget.Parser(NatKind.Dnat),
        "SNAT" => new NatTarget.Parser(NatKind.Snat),
        "MASQUERADE" => new NatTarget.Parser(NatKind.Masquerade),
        "REDIRECT" => new NatTarget.Parser(NatKind.Redirect),
        "TPROXY" => new TproxyTarget.Parser(),
        "CT" => new CtTarget.Parser(false),
        "NOTRACK" => new CtTarget.Parser(true),
        "NFQUEUE" => new NfqueueTarget.Parser(),
        "CHECKSUM" => new ChecksumTarget.Parser(),
        "TOS" => new TosTarget.Parser(),
        "DSCP" => new DscpTarget.Parser(),
        "SET" => new SetTarget.Parser(),
        _ => null,
    };

    public static bool TryVerdict(ReadOnlySpan<char> name, out Verdict v)
    {
        switch (name)
        {
            case "ACCEPT": v = Verdict.Accept; return true;
            case "DROP": v = Verdict.Drop; return true;
            case "RETURN": v = Verdict.Return; return true;
            case "QUEUE": v = Verdict.Queue; return true;
        }
        v = default; return false;
    }

    /// <summary>
    /// Whether a -j/-g word names a target rather than a user chain: a verdict, a target nfwalk models
    /// (<see cref="CreateTarget"/>), TRACE, or one iptables ships that nfwalk keeps as unknown (<see cref="IsOtherKnownTarget"/>).
    /// </summary>
    public static bool IsTargetName(ReadOnlySpan<char> name) => name switch
    {
        "ACCEPT" or "DROP" or "RETURN" or "QUEUE" or "TRACE" or "REJECT" or "LOG" or "NFLOG" or "MARK" or "CONNMARK" or "DNAT" or "SNAT"
            or "MASQUERADE" or "REDIRECT" or "TPROXY" or "CT" or "NOTRACK" or "NFQUEUE" or "CHECKSUM" or "TOS" or "DSCP" or "SET" => true,
        _ => IsOtherKnownTarget(name),
    };

    /// <summary>
    /// Whether <paramref name="name"/> is a target extension iptables ships that nfwalk keeps as unknown (so it is not mistaken
    /// for a chain name). A switch, not a hash set: every jump to a user chain asks, and a chain name is rejected on its
    /// length or first letters without being hashed.
    /// </summary>
    public static bool IsOtherKnownTarget(ReadOnlySpan<char> name) => name switch
    {
        "TCPMSS" or "CLASSIFY" or "TTL" or "HL" or "ECN" or "SECMARK" or "CONNSECMARK" or "IDLETIMER" or "LED" or "AUDIT" or "SYNPROXY"
            or "HMARK" or "NETMAP" or "TEE" or "CLUSTERIP" or "RATEEST" or "TCPOPTSTRIP" or "DNPT" or "SNPT" or "ULOG" or "MIRROR"
            or "SAME" or "NFLOG" or "TRACE" => true,
        _ => false,
    };
}
