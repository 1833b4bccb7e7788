using System.Globalization;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Semantics.Fabric;

/// <summary>The headers of a packet between hosts (after one host's walk, before the next): what travels on the wire.</summary>
public sealed record WalkedPacket(IpAddress Source, IpAddress Destination, byte Protocol, ushort SourcePort, ushort DestinationPort, TcpFlags Flags, uint Mark)
{
    public string Summary => $"{Protocols.Name(Protocol)} {Endpoint.Format(Source, Protocols.HasPorts(Protocol) ? SourcePort : null)} -> {Endpoint.Format(Destination, Protocols.HasPorts(Protocol) ? DestinationPort : null)}"
        + (Protocol == Protocols.Tcp ? $" [{TcpFlagNames.Format(Flags)}]" : "");

    /// <summary>The packet a walk ended with, read back from its final view (addresses and ports after NAT, the mark it left with).</summary>
    public static WalkedPacket FromFinal(PacketView v, TcpFlags flags)
    {
        Protocols.TryParse(v.Protocol, out var proto, out _);
        var mark = uint.Parse(v.Mark.StartsWith("0x", StringComparison.Ordinal) ? v.Mark[2..] : v.Mark, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new WalkedPacket(IpAddress.Parse(v.Source), IpAddress.Parse(v.Destination), proto,
            (ushort)(v.SourcePort ?? 0), (ushort)(v.DestinationPort ?? 0), flags, mark);
    }

    public PacketSpec Received(string iface, uint mark) => new()
    {
        Source = Source, Destination = Destination, Protocol = Protocol, SourcePort = SourcePort, DestinationPort = DestinationPort,
        TcpFlags = Flags, InInterface = iface, Mark = mark,
    };

    public PacketSpec Generated(uint mark = 0) => new()
    {
        Source = Source, Destination = Destination, Protocol = Protocol, SourcePort = SourcePort, DestinationPort = DestinationPort,
        TcpFlags = Flags, Mark = mark,
    };
}
