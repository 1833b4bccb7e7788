using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

/// <summary>One pod: its IP, the host side of its veth on the node, whether it is in the ambient mesh, and whether it is
/// the node's ztunnel.</summary>
public sealed record ClusterPod
{
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public required IpAddress Ip { get; init; }
    /// <summary>The host-side veth name on the node (e.g. vethbb925f55); the pod side is always eth0.</summary>
    public required string Veth { get; init; }
    public bool Mesh { get; init; }
    public bool IsZtunnel { get; init; }
    /// <summary>The pod UID: istio-cni writes it as the ipset entry's comment (cni/pkg/ambient/net.go addPodToMeshWithIptables).</summary>
    public required string Uid { get; init; }
    public required SourceLocation Location { get; init; }
}
