using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;

namespace Nfwalk.Semantics.Fabric;

/// <summary>
/// A packet wrapped into a GENEVE or VXLAN tunnel: the tunnel device, its VNI, the outer UDP header and the inner
/// packet it carries (docs/tunnels.md for what the outer packet inherits, and from which kernel function).
/// </summary>
public sealed record Encapsulation(string Device, TunnelInfo Tunnel, IpAddress OuterDestination, ushort OuterSourcePort, ushort OuterDestinationPort, WalkedPacket Inner)
{
    public string KindName => Tunnel.Kind.ToUpperInvariant();

    /// <summary>The tunnel's UDP port: dstport, else the kind's IANA port (geneve 6081, vxlan 4789).</summary>
    public static ushort PortOf(TunnelInfo t) => (ushort)(t.DestinationPort ?? (t.Kind == "vxlan" ? 4789 : 6081));

    /// <summary>
    /// udp_flow_src_port: the outer source port is a hash of the inner flow scaled into the ephemeral range
    /// (inet_get_local_port_range, 32768-60999 by default). nfwalk cannot compute the skb's flow hash; it derives a stable
    /// stand-in from the inner 5-tuple so that every packet of one inner flow gets the same outer port, as in the kernel.
    /// </summary>
    public static ushort SourcePortFor(WalkedPacket inner)
    {
        uint h = 2166136261;
        foreach (var v in new[] { (uint)inner.Source.Value, (uint)inner.Destination.Value, inner.SourcePort, inner.DestinationPort, inner.Protocol })
        { h ^= v; h *= 16777619; }
        return (ushort)(32768 + h % (60999 - 32768 + 1));
    }
}
