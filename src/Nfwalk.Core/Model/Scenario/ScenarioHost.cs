using Nfwalk.Diagnostics;

namespace Nfwalk.Model.Scenario;

/// <summary>One network namespace of the scenario: a node, a pod, a ztunnel pod or a router, with its snapshot directory.</summary>
public sealed record ScenarioHost(
    string Name,
    HostRole Role,
    string SnapshotPath,
    string? Node,
    bool Mesh,
    IReadOnlyList<ProxySpec> Proxies,
    SourceLocation Location)
{
    public ProxySpec? ProxyOn(ushort port) => Proxies.FirstOrDefault(p => p.Port == port);
}
