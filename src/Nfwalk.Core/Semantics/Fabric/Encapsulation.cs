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

    /// <summary>The tunnel's UDP port: dstport, else the driver's default (GENEVE 6081; VXLAN 8472 — the module's vxlan_port, not 4789: docs/tunnels.md fact 14).</summary>
    public static ushort PortOf(TunnelInfo t) => (ushort)(t.DestinationPort ?? (t.Kind == "vxlan" ? 8472 : 6081));

    /// <summary>
    /// The range udp_flow_src_port draws the outer source port from, [min, max−1] (docs/tunnels.md fact 15): VXLAN uses
    /// the namespace's ip_local_port_range (32768–60999 by default, so 32768–60998), GENEVE 1–65535 (so 1–65534).
    /// </summary>
    public static (ushort Min, ushort Max) SourcePortRange(TunnelInfo t) => t.Kind == "vxlan" ? ((ushort)32768, (ushort)60998) : ((ushort)1, (ushort)65534);

    /// <summary>
    /// udp_flow_src_port: the outer source port is the inner flow's skb hash (flow dissector, per-boot random seed) scaled
    /// into the range. nfwalk cannot know the hash; it derives a stable stand-in from the inner 5-tuple so that every packet
    /// of one inner flow gets the same outer port, as in the kernel (fact 16), and says so.
    /// </summary>
    public static ushort SourcePortFor(TunnelInfo t, WalkedPacket inner)
    {
        uint h = 2166136261;
        foreach (var v in new[] { (uint)inner.Source.Value, (uint)inner.Destination.Value, inner.SourcePort, inner.DestinationPort, inner.Protocol })
        { h ^= v; h *= 16777619; }
        var (min, max) = SourcePortRange(t);
        return (ushort)(min + h % (uint)(max - min + 1));
    }
}
