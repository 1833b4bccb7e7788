using Nfwalk.Model.Evaluation;
using Nfwalk.Model.Ipsets;
using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Ipsets;

/// <summary>
/// What an ipset lookup reads from a packet (the skb and hook state the kernel's *_kadt functions look at).
/// <see cref="Family"/> is the family of the rule (iptables = V4, ip6tables = V6): ip_set_test compares it with the
/// set's family. Interfaces are null where the hook has none (no output interface in PREROUTING/INPUT, no input
/// interface in OUTPUT/POSTROUTING). MACs are null when the packet has no Ethernet header (locally generated, or a
/// non-Ethernet device).
/// </summary>
public readonly record struct SetPacket
{
    public IpFamily Family { get; init; }
    public IpAddress Source { get; init; }
    public IpAddress Destination { get; init; }
    /// <summary>L4 protocol number (after IPv6 extension headers).</summary>
    public byte Protocol { get; init; }
    public ushort SourcePort { get; init; }
    public ushort DestinationPort { get; init; }
    /// <summary>ICMP/ICMPv6 type and code: port elements of these protocols hold type&lt;&lt;8|code.</summary>
    public byte IcmpType { get; init; }
    public byte IcmpCode { get; init; }
    public string? InInterface { get; init; }
    public string? OutInterface { get; init; }
    /// <summary>skb->mark.</summary>
    public uint Mark { get; init; }
    public MacAddress? SourceMac { get; init; }
    public MacAddress? DestinationMac { get; init; }
    /// <summary>A fragment other than the first: it carries no ports.</summary>
    public bool IsFragment { get; init; }
    /// <summary>skb->len (the IP total length here), added to byte counters; 0 if unknown.</summary>
    public int Length { get; init; }

    public static SetPacket Create(IpAddress source, IpAddress destination, byte protocol = 0, ushort sourcePort = 0,
        ushort destinationPort = 0, string? inInterface = null, string? outInterface = null)
        => new()
        {
            Family = source.Family, Source = source, Destination = destination, Protocol = protocol,
            SourcePort = sourcePort, DestinationPort = destinationPort, InInterface = inInterface, OutInterface = outInterface,
        };

    /// <summary>The view of a packet the walk's match context offers (it knows no destination MAC).</summary>
    public static SetPacket FromContext(IPacketContext ctx) => new()
    {
        Family = ctx.Family, Source = ctx.Source, Destination = ctx.Destination, Protocol = ctx.Protocol,
        SourcePort = ctx.SourcePort, DestinationPort = ctx.DestinationPort, IcmpType = ctx.IcmpType, IcmpCode = ctx.IcmpCode,
        InInterface = ctx.InInterface, OutInterface = ctx.OutInterface, Mark = ctx.Mark,
        SourceMac = ctx.SourceMac is { } m && MacAddress.TryParse(m, out var mac) ? mac : null,
        IsFragment = ctx.IsFragment, Length = ctx.Length,
    };
}
