using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Tests.Support;

/// <summary>
/// A stand-in for the node's routing in engine tests (the real one parses ip rule/route output): local addresses per
/// interface, and a routing function the test writes, so chain semantics are tested apart from routing.
/// </summary>
public sealed class FakeNetwork : INodeNetwork
{
    public Dictionary<string, List<IpAddress>> Addresses { get; } = new();
    public Func<RouteQuery, RouteResult>? Router { get; init; }
    public List<RouteQuery> Queries { get; } = new();

    public FakeNetwork Address(string iface, string addr)
    {
        if (!Addresses.TryGetValue(iface, out var l)) Addresses[iface] = l = new();
        l.Add(IpAddress.Parse(addr));
        return this;
    }

    public RouteResult Route(RouteQuery q)
    {
        Queries.Add(q);
        if (LocalInterfaceOf(q.Destination) is not null) return new RouteResult(RouteKind.Local, "lo", null, null, "local address", []);
        return Router?.Invoke(q) ?? new RouteResult(RouteKind.Forward, "eth1", IpAddress.Parse("10.99.1.2"), Addresses.GetValueOrDefault("eth1")?.FirstOrDefault(), "default via 10.99.1.2 dev eth1", []);
    }

    public IReadOnlyList<IpAddress> AddressesOf(string iface, IpFamily family) => Addresses.GetValueOrDefault(iface)?.Where(a => a.Family == family).ToList() ?? [];
    public string? LocalInterfaceOf(IpAddress address) => Addresses.FirstOrDefault(kv => kv.Value.Contains(address)).Key;
    public bool IsBroadcast(IpAddress address) => address.IsV4 && address.V4 == uint.MaxValue;
    public IReadOnlyList<string> Assumptions => [];

    public static RouteResult Out(string dev, string? gw = null, string? src = null)
        => new(RouteKind.Forward, dev, gw is null ? null : IpAddress.Parse(gw), src is null ? null : IpAddress.Parse(src), $"out {dev}", []);
}
