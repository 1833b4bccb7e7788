using Nfwalk.Diagnostics;

namespace Nfwalk.Model.Scenario;

/// <summary>
/// Several hosts (network namespaces with their snapshots), the veth links and shared networks between them, and the
/// named endpoints and services walks start from and go to (docs/scenario.md). Tunnels come from the hosts' own
/// <c>ip -d addr</c> (geneve/vxlan devices) and need no entry here.
/// </summary>
public sealed record Scenario(
    string Name,
    string File,
    IReadOnlyList<ScenarioHost> Hosts,
    IReadOnlyList<VethLink> Links,
    IReadOnlyList<SharedNetwork> Networks,
    IReadOnlyList<NamedEndpoint> Endpoints,
    IReadOnlyList<ServiceSpec> Services)
{
    public ScenarioHost? Host(string name) => Hosts.FirstOrDefault(h => h.Name == name);
    public NamedEndpoint? Endpoint(string name) => Endpoints.FirstOrDefault(e => e.Name == name);
    public ServiceSpec? Service(string name) => Services.FirstOrDefault(s => s.Name == name);
}
