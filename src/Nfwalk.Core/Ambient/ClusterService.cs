using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

/// <summary>A ClusterIP service (TCP): VIP:port → the backing pods' targetPort; kube-proxy's DNAT on every node, and what
/// ztunnel resolves the VIP to.</summary>
public sealed record ClusterService
{
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    /// <summary>The service port's name ("http"), part of kube-proxy's ServicePortName "default/httpbin:http"; may be empty.</summary>
    public required string PortName { get; init; }
    public required IpAddress Vip { get; init; }
    public required int Port { get; init; }
    public required int TargetPort { get; init; }
    public required IReadOnlyList<string> Pods { get; init; }
    public required SourceLocation Location { get; init; }

    /// <summary>kube-proxy's ServicePortName.String(): "namespace/name" plus ":port-name" when the port is named
    /// (kubernetes pkg/proxy/types.go).</summary>
    public string ServicePortName => PortName.Length == 0 ? $"{Namespace}/{Name}" : $"{Namespace}/{Name}:{PortName}";
}
