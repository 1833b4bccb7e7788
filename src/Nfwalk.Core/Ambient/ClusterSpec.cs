using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

/// <summary>
/// A described cluster (CLUSTER.yaml, docs/ambient-generate.md): its nodes with their pods, its services, and the Istio
/// release whose istio-cni agent set the ambient redirection up. Immutable; every element keeps where it was written.
/// </summary>
public sealed record ClusterSpec
{
    public required string Name { get; init; }
    public required IstioRelease Release { get; init; }
    /// <summary>The cluster's pod network (kube-proxy --cluster-cidr, kind-masq-agent's no-masquerade range).</summary>
    public required IpPrefix ClusterCidr { get; init; }
    /// <summary>The name of the shared network the nodes' eth0 sit on (the docker network "kind").</summary>
    public required string NetworkName { get; init; }
    /// <summary>ztunnel's ISTIO_META_DNS_CAPTURE=true: istio-cni adds the nat DNS DNAT to ztunnel:15053.</summary>
    public bool DnsCapture { get; init; }
    public required IReadOnlyList<ClusterNode> Nodes { get; init; }
    public required IReadOnlyList<ClusterService> Services { get; init; }
    public required SourceLocation Location { get; init; }

    public IEnumerable<ClusterPod> AllPods => Nodes.SelectMany(n => n.Pods);
    public ClusterPod? FindPod(string name) => AllPods.FirstOrDefault(p => p.Name == name);
    public ClusterNode NodeOf(ClusterPod pod) => Nodes.First(n => n.Pods.Contains(pod));
}
