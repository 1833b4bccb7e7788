using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

/// <summary>
/// One Kubernetes node: its address on the shared network (eth0, e.g. 172.18.0.3/16) and gateway, its pod CIDR, the
/// address the CNI puts on every pod veth (ptp: the subnet's first address, 10.244.1.1/32), and its pods.
/// </summary>
public sealed record ClusterNode
{
    public required string Name { get; init; }
    public required IpPrefix Address { get; init; }
    public required IpAddress Gateway { get; init; }
    public required IpPrefix PodCidr { get; init; }
    /// <summary>The node's own address on the pod veths (CNI ptp's gateway); istio-cni's HostIP (cni/pkg/ambient/net.go
    /// GetHostIP: the first local address inside node.Spec.PodCIDR).</summary>
    public required IpAddress PodGateway { get; init; }
    public required IReadOnlyList<ClusterPod> Pods { get; init; }
    public required SourceLocation Location { get; init; }

    public ClusterPod? Ztunnel => Pods.FirstOrDefault(p => p.IsZtunnel);
    /// <summary>The pods istio-cni enrols: only with an active ztunnel on the node (server.go ReconcileZtunnel cleans the
    /// node up when there is none), only the node's own pods (the agent watches spec.nodeName=its node).</summary>
    public IEnumerable<ClusterPod> EnrolledPods => Ztunnel is null ? [] : Pods.Where(p => p.Mesh);
}
