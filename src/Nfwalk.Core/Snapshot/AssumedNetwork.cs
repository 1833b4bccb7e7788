using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Snapshot;

/// <summary>
/// The network of a node whose routing files are missing: only what can be derived (local addresses the user named)
/// is known; every other destination is assumed to leave through one uplink, and the walk says so.
/// </summary>
public sealed class AssumedNetwork(IReadOnlyDictionary<string, IReadOnlyList<IpAddress>> addresses, string uplink = "eth0") : INodeNetwork
{
    private readonly List<string> _assumptions = ["no routing information (ip rule / ip route / ip addr) was given: destinations that are not local addresses are assumed to leave through " + uplink];

    public RouteResult Route(RouteQuery q)
    {
        if (LocalInterfaceOf(q.Destination) is not null) return new RouteResult(RouteKind.Local, "lo", null, null, $"{q.Destination} is a local address: local delivery", []);
        var src = AddressesOf(uplink, q.Family);
        return new RouteResult(RouteKind.Forward, uplink, null, src.Count > 0 ? src[0] : null, $"assumed: out of {uplink} (no routes given)", []);
    }

    public IReadOnlyList<IpAddress> AddressesOf(string iface, IpFamily family)
        => addresses.TryGetValue(iface, out var l) ? l.Where(a => a.Family == family).ToList() : [];

    public string? LocalInterfaceOf(IpAddress address)
        => addresses.FirstOrDefault(kv => kv.Value.Contains(address)).Key;

    public bool IsBroadcast(IpAddress address) => address.IsV4 && address.V4 == uint.MaxValue;
    public IReadOnlyList<string> Assumptions => _assumptions;
}
