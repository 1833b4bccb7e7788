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

    /// <summary>"GENEVE VNI 1001": the tunnel as summaries name it.</summary>
    public string Label => $"{KindName} VNI {Tunnel.Vni}";

    /// <summary>The tunnel's UDP port: dstport, else the driver's default (GENEVE 6081; VXLAN 8472 — the module's vxlan_port, not 4789: docs/tunnels.md fact 14).</summary>
    public static ushort PortOf(TunnelInfo t) => (ushort)(t.DestinationPort ?? (t.Kind == "vxlan" ? 8472 : 6081));

    /// <summary>
    /// The range udp_flow_src_port draws the outer source port from, [min, max−1] (docs/tunnels.md fact 15): the device's
    /// <c>srcport MIN MAX</c> when set; otherwise VXLAN uses the ip_local_port_range of the device's namespace
    /// (<paramref name="host"/>'s sysctl.txt; 32768–60999 when the snapshot does not say, so 32768–60998), GENEVE 1–65535
    /// (so 1–65534).
    /// </summary>
    public static (ushort Min, ushort Max) SourcePortRange(TunnelInfo t, FabricHost? host = null)
    {
        var (lo, hi) = t.SourcePorts is { } sp && sp.Low < sp.High ? sp
            : t.Kind == "vxlan" ? host?.LocalPortRange ?? ((ushort)32768, (ushort)60999)
            : ((ushort)1, (ushort)65535);
        return lo < hi ? (lo, (ushort)(hi - 1)) : (lo, lo);
    }

    /// <summary>
    /// udp_flow_src_port: the outer source port is the inner flow's skb hash (flow dissector, per-boot random seed) scaled
    /// into the range. nfwalk cannot know the hash; it derives a stable stand-in from the inner 5-tuple so that every packet
    /// of one inner flow gets the same outer port, as in the kernel (fact 16), and says so.
    /// </summary>
    public static ushort SourcePortFor(TunnelInfo t, WalkedPacket inner, FabricHost? host = null)
    {
        uint h = 2166136261;
        foreach (var v in new[] { (uint)inner.Source.Value, (uint)inner.Destination.Value, inner.SourcePort, inner.DestinationPort, inner.Protocol })
        { h ^= v; h *= 16777619; }
        var (min, max) = SourcePortRange(t, host);
        return (ushort)(min + h % (uint)(max - min + 1));
    }
}
