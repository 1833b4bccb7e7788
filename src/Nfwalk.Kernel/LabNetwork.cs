using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Kernel;

/// <summary>
/// The routing of the differential lab's node, stated rather than parsed: eth0 10.99.0.1/24 towards peer A (10.99.0.2),
/// eth1 10.99.1.1/24 towards peer B (10.99.1.2), default via 10.99.1.2; the kernel side is built to match it exactly.
/// </summary>
public sealed class LabNetwork : INodeNetwork
{
    public static readonly IpAddress NodeA = IpAddress.Parse("10.99.0.1"), PeerA = IpAddress.Parse("10.99.0.2");
    public static readonly IpAddress NodeB = IpAddress.Parse("10.99.1.1"), PeerB = IpAddress.Parse("10.99.1.2");
    private static readonly IpPrefix NetA = IpPrefix.Parse("10.99.0.0/24"), NetB = IpPrefix.Parse("10.99.1.0/24");
    private readonly Dictionary<string, List<IpAddress>> _addrs = new()
    {
        ["lo"] = [IpAddress.Parse("127.0.0.1")], ["eth0"] = [NodeA], ["eth1"] = [NodeB],
    };

    public RouteResult Route(RouteQuery q)
    {
        if (LocalInterfaceOf(q.Destination) is not null || (q.Destination.V4 >> 24) == 127)
            return new RouteResult(RouteKind.Local, "lo", null, q.Destination, $"local {q.Destination} (table local)", []) { RulePriority = 0, Table = "local" };
        if (NetA.Contains(q.Destination)) return new RouteResult(RouteKind.Forward, "eth0", null, NodeA, "10.99.0.0/24 dev eth0", []) { RulePriority = 32766, Table = "main", Route = "10.99.0.0/24 dev eth0 proto kernel scope link src 10.99.0.1" };
        if (NetB.Contains(q.Destination)) return new RouteResult(RouteKind.Forward, "eth1", null, NodeB, "10.99.1.0/24 dev eth1", []) { RulePriority = 32766, Table = "main", Route = "10.99.1.0/24 dev eth1 proto kernel scope link src 10.99.1.1" };
        return new RouteResult(RouteKind.Forward, "eth1", PeerB, NodeB, "default via 10.99.1.2 dev eth1", []) { RulePriority = 32766, Table = "main", Route = "default via 10.99.1.2 dev eth1" };
    }

    public IReadOnlyList<IpAddress> AddressesOf(string iface, IpFamily family) => _addrs.TryGetValue(iface, out var l) ? l : [];
    public string? LocalInterfaceOf(IpAddress a) => _addrs.FirstOrDefault(kv => kv.Value.Contains(a)).Key;
    public bool IsBroadcast(IpAddress a) => a.IsV4 && (a.V4 == uint.MaxValue || a == IpAddress.Parse("10.99.0.255") || a == IpAddress.Parse("10.99.1.255"));
    public IReadOnlyList<string> Assumptions => [];

    public void AddAddress(string iface, IpAddress a) => _addrs[iface].Add(a);
}
