using Nfwalk.Model.Net;

namespace Nfwalk.Model.Routing;

/// <summary>
/// Parameters of a VXLAN or GENEVE device (<c>ip -d link</c>: "vxlan id 42 remote 1.2.3.4 local 10.0.0.1 dstport 4789",
/// "geneve id 1000 remote 10.244.1.4 ttl auto dstport 6081"). <see cref="Vni"/> is null for an <c>external</c>
/// (collect-metadata) device; <see cref="Group"/> is a VXLAN multicast group used instead of a unicast remote.
/// </summary>
public sealed record TunnelInfo(
    string Kind,
    uint? Vni,
    IpAddress? Remote,
    IpAddress? Local,
    IpAddress? Group,
    int? DestinationPort,
    string? Ttl,
    string? UnderlayDevice,
    bool External)
{
    /// <summary>
    /// The device's <c>srcport MIN MAX</c> (VXLAN <c>IFLA_VXLAN_PORT_RANGE</c>, <c>ip -d link</c> prints it only when set;
    /// JSON <c>port_range</c>): the outer source port is hashed into [MIN, MAX−1]. Null when not set (docs/tunnels.md fact 15).
    /// </summary>
    public (ushort Low, ushort High)? SourcePorts { get; init; }

    /// <summary><c>ip -d link</c> says <c>nolearning</c> (JSON <c>"learning": false</c>).</summary>
    public bool NoLearning { get; init; }

    /// <summary>
    /// VXLAN address learning (the kernel's default, off with <c>nolearning</c> and for <c>external</c> devices): a received
    /// packet's outer source becomes the FDB entry of its inner source MAC (vxlan_snoop), and later frames to that MAC go
    /// there instead of <see cref="Remote"/>. Never for GENEVE.
    /// </summary>
    public bool Learning => Kind == "vxlan" && !External && !NoLearning;

    public override string ToString()
    {
        var parts = new List<string> { Kind };
        if (External) parts.Add("external");
        if (Kind == "vxlan" && !External && NoLearning) parts.Add("nolearning");
        if (Vni is { } v) parts.Add($"id {v}");
        if (Remote is { } r) parts.Add($"remote {r}");
        if (Group is { } g) parts.Add($"group {g}");
        if (Local is { } l) parts.Add($"local {l}");
        if (UnderlayDevice is { } d) parts.Add($"dev {d}");
        if (SourcePorts is { } sp) parts.Add($"srcport {sp.Low} {sp.High}");
        if (DestinationPort is { } p) parts.Add($"dstport {p}");
        return string.Join(' ', parts);
    }
}
