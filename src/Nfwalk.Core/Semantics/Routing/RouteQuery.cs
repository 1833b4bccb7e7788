using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Routing;

/// <summary>
/// What the kernel knows about a packet when it routes it (the flowi4/flowi6 of a FIB lookup).
/// <para><see cref="InInterface"/> null means a locally generated packet: the kernel looks it up with iif = lo
/// (ip_route_output_key_hash sets flowi4_iif = LOOPBACK_IFINDEX), so <c>ip rule iif lo</c> matches it.
/// Otherwise the packet was received on that interface (ip_route_input_slow).</para>
/// <para><see cref="Source"/> null for a local packet means the socket is not bound: the rules see source 0.0.0.0 (IPv4) or
/// no source (IPv6), and the lookup chooses one. <see cref="OutInterface"/> is a device the socket is bound to
/// (SO_BINDTODEVICE, or <c>ip route get ... oif DEV</c>). <see cref="Uid"/> null means root (uid 0), which is also what
/// received packets carry (sock_net_uid(net, NULL)). Ports are 0 when not given.</para>
/// </summary>
public sealed record RouteQuery
{
    public required IpAddress Destination { get; init; }
    public IpAddress? Source { get; init; }
    public string? InInterface { get; init; }
    public string? OutInterface { get; init; }
    public uint Mark { get; init; }
    /// <summary>The TOS byte (DSCP and ECN) of the packet.</summary>
    public byte Tos { get; init; }
    /// <summary>The IP protocol number (6 tcp, 17 udp, ...), 0 when unknown.</summary>
    public byte Protocol { get; init; }
    public ushort SourcePort { get; init; }
    public ushort DestinationPort { get; init; }
    public uint? Uid { get; init; }
    /// <summary>
    /// Check the source of a received packet the way the kernel does before accepting it (fib_validate_source:
    /// rp_filter, martian sources). On by default; <c>ip route get ... iif</c> does the same.
    /// </summary>
    public bool ValidateSource { get; init; } = true;
    /// <summary>
    /// Locally generated only: after choosing the source address, look the route up once more with that source, as
    /// ip_route_connect does for connect() (TCP). Off by default, which is what <c>ip route get</c> and an unbound UDP sendmsg do.
    /// </summary>
    public bool SecondLookupWithChosenSource { get; init; }

    public IpFamily Family => Destination.Family;
    public bool IsLocallyGenerated => InInterface is null;

    /// <summary>A packet the node itself sends (iif lo).</summary>
    public static RouteQuery Output(IpAddress destination, IpAddress? source = null, uint mark = 0, string? outInterface = null)
        => new() { Destination = destination, Source = source, Mark = mark, OutInterface = outInterface };

    /// <summary>A packet received on <paramref name="inInterface"/> from <paramref name="source"/>.</summary>
    public static RouteQuery Input(IpAddress destination, IpAddress source, string inInterface, uint mark = 0)
        => new() { Destination = destination, Source = source, InInterface = inInterface, Mark = mark };

    public override string ToString()
    {
        var s = $"{Destination}";
        if (Source is { } src) s += $" from {src}";
        s += InInterface is { } i ? $" iif {i}" : " (locally generated)";
        if (OutInterface is { } o) s += $" oif {o}";
        if (Mark != 0) s += $" mark 0x{Mark:x}";
        if (Tos != 0) s += $" tos 0x{Tos:x2}";
        if (Protocol != 0) s += $" ipproto {Model.Routing.IpProtoNames.Name(Protocol)}";
        if (SourcePort != 0) s += $" sport {SourcePort}";
        if (DestinationPort != 0) s += $" dport {DestinationPort}";
        if (Uid is { } u) s += $" uid {u}";
        return s;
    }
}
