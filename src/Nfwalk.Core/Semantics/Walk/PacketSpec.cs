using Nfwalk.Model.Evaluation;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Walk;

/// <summary>The packet a walk starts with: headers, where it enters (or that it is generated locally), initial mark.</summary>
public sealed record PacketSpec
{
    public required IpAddress Source { get; init; }
    public required IpAddress Destination { get; init; }
    public byte Protocol { get; init; } = Protocols.Tcp;
    public ushort SourcePort { get; init; }
    public ushort DestinationPort { get; init; }
    public TcpFlags TcpFlags { get; init; }
    public byte IcmpType { get; init; }
    public byte IcmpCode { get; init; }
    public int? Length { get; init; }
    public bool IsFragment { get; init; }
    /// <summary>The interface it arrives on; null for a packet generated on this node.</summary>
    public string? InInterface { get; init; }
    /// <summary>For a received packet: the mark it arrives with (normally 0). For a local one: the socket's SO_MARK.</summary>
    public uint Mark { get; init; }
    public byte Tos { get; init; }
    public string? SourceMac { get; init; }
    public SocketOwner? Owner { get; init; }
    public IpFamily Family => Source.Family;
    public bool IsLocal => InInterface is null;

    /// <summary>IP total length when not given: headers of the protocol with no payload (an empty UDP datagram is 28).</summary>
    public int EffectiveLength => Length ?? ((Family == IpFamily.V4 ? 20 : 40) + Protocol switch { Protocols.Tcp => 20, Protocols.Udp => 8, Protocols.Icmp or Protocols.Icmpv6 => 8, _ => 0 });
}
