using System.Globalization;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Ipsets;

/// <summary>The value one element holds in one dimension. <see cref="ToString"/> gives ipset's own text for it.</summary>
public abstract record IpSetValue
{
    public abstract IpSetDimension Dimension { get; }
}

/// <summary>
/// An IP dimension: one host, or the range/CIDR an "add" gave, which the kernel expands into one element per host
/// (per netmask block for hash:ip/bitmap:ip with netmask). Membership of a host in the expansion is range containment.
/// </summary>
public sealed record IpSetAddressValue(IpAddress First, IpAddress Last) : IpSetValue
{
    public IpSetAddressValue(IpAddress single) : this(single, single) { }
    public override IpSetDimension Dimension => IpSetDimension.Ip;
    /// <summary>Set when the input wrote the range as a CIDR, so it prints back the same way.</summary>
    public int? Cidr { get; init; }
    public bool IsSingle => First == Last;
    public bool Contains(IpAddress a) => a.Family == First.Family && a.CompareTo(First) >= 0 && a.CompareTo(Last) <= 0;

    public override string ToString()
        => IsSingle ? First.ToString() : Cidr is { } c ? $"{First}/{c}" : $"{First}-{Last}";
}

/// <summary>A network dimension (host bits cleared, as the kernel stores it). A host prefix prints without "/len".</summary>
public sealed record IpSetNetValue(IpPrefix Prefix) : IpSetValue
{
    public override IpSetDimension Dimension => IpSetDimension.Net;
    public IpAddress Network => Prefix.Network;
    public int Length => Prefix.Length;
    public bool Contains(IpAddress a) => Prefix.Contains(a);
    public override string ToString() => Prefix.IsHost ? Prefix.Network.ToString() : $"{Prefix.Network}/{Prefix.Length}";
}

/// <summary>
/// A port dimension: protocol plus port or port range. ICMP (1) and ICMPv6 (58) elements keep type&lt;&lt;8|code in
/// the port, which is how ip_set_get_ip4_port reads them from the packet. Protocols without ports keep port 0.
/// bitmap:port elements have no protocol (<see cref="Protocol"/> is null): the kernel takes TCP and UDP alike.
/// </summary>
public sealed record IpSetPortValue(byte? Protocol, ushort First, ushort Last) : IpSetValue
{
    public override IpSetDimension Dimension => IpSetDimension.Port;
    public bool IsIcmp => Protocol is Protocols.Icmp or Protocols.Icmpv6;
    public bool Contains(ushort port) => port >= First && port <= Last;

    public static IpSetPortValue Icmp(bool v6, byte type, byte code)
    {
        var p = (ushort)(type << 8 | code);
        return new IpSetPortValue(v6 ? Protocols.Icmpv6 : Protocols.Icmp, p, p);
    }

    public override string ToString()
    {
        var ports = First == Last ? First.ToString(CultureInfo.InvariantCulture) : $"{First}-{Last}";
        if (Protocol is not { } proto) return ports;
        if (IsIcmp)
        {
            byte t = (byte)(First >> 8), c = (byte)First;
            return $"{Protocols.Name(proto)}:{IcmpNames.NameOf(proto == Protocols.Icmpv6, t, c) ?? $"{t}/{c}"}";
        }
        return $"{Protocols.Name(proto)}:{ports}";
    }
}

/// <summary>
/// An interface dimension of hash:net,iface. <see cref="Wildcard"/> (the element option "wildcard", printed after the
/// element) compares only the stored name as a prefix; a '+' in the name is an ordinary character (unlike iptables -i).
/// <see cref="Physdev"/> elements compare against the bridge port, which routed packets do not have.
/// </summary>
public sealed record IpSetIfaceValue(string Name, bool Physdev = false, bool Wildcard = false) : IpSetValue
{
    public override IpSetDimension Dimension => IpSetDimension.Iface;
    /// <summary>hash_netiface4_data_equal: strncmp over the stored name's length for wildcards, strcmp otherwise.</summary>
    public bool Matches(string iface) => Wildcard ? iface.StartsWith(Name, StringComparison.Ordinal) : iface == Name;
    public override string ToString() => (Physdev ? "physdev:" : "") + Name;
}

/// <summary>A mark dimension (hash:ip,mark), stored already masked with the set's markmask.</summary>
public sealed record IpSetMarkValue(uint Mark) : IpSetValue
{
    public override IpSetDimension Dimension => IpSetDimension.Mark;
    public override string ToString() => $"0x{Mark:x8}";
}

/// <summary>A MAC dimension. Null <see cref="Mac"/>: a bitmap:ip,mac element whose MAC the kernel has not learnt yet.</summary>
public sealed record IpSetMacValue(MacAddress? Mac) : IpSetValue
{
    public override IpSetDimension Dimension => IpSetDimension.Mac;
    public override string ToString() => Mac?.ToString() ?? "";
}

/// <summary>A member of a list:set: the name of another set.</summary>
public sealed record IpSetNameValue(string Name) : IpSetValue
{
    public override IpSetDimension Dimension => IpSetDimension.SetName;
    public override string ToString() => Name;
}
