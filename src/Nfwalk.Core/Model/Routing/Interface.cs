using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Routing;

/// <summary>
/// A network interface of the node (<c>ip -d addr</c> / <c>ip -d link</c>): name, ifindex, what kind of device it is,
/// MTU, whether it is administratively up, its MAC, its addresses in kernel order, the peer of a veth, the parameters
/// of a VXLAN/GENEVE tunnel, its master (bridge or VRF) and the routing table of a VRF.
/// </summary>
public sealed record Interface(
    string Name,
    int Index,
    InterfaceKind Kind,
    string? KindName,
    int? Mtu,
    bool IsUp,
    bool LowerUp,
    string? OperState,
    IReadOnlyList<string> Flags,
    string? Mac,
    IReadOnlyList<InterfaceAddress> Addresses,
    PeerLink? Link,
    TunnelInfo? Tunnel,
    string? Master,
    uint? VrfTable,
    string? Group,
    SourceLocation Location)
{
    public bool IsLoopback => Kind == InterfaceKind.Loopback || Flags.Contains("LOOPBACK");

    /// <summary>Addresses of one family, in the kernel's order.</summary>
    public IEnumerable<InterfaceAddress> AddressesOf(IpFamily family) => Addresses.Where(a => a.Family == family);

    /// <summary>The first non-secondary address of the family (what "the interface's address" usually means).</summary>
    public InterfaceAddress? PrimaryAddress(IpFamily family) => Addresses.FirstOrDefault(a => a.Family == family && !a.Secondary);

    public static Interface Create(string name, int index = 0, InterfaceKind kind = InterfaceKind.Unknown, IReadOnlyList<InterfaceAddress>? addresses = null, bool isUp = true)
        => new(name, index, kind, null, null, isUp, isUp, null, isUp ? ["UP"] : [], null, addresses ?? [], null, null, null, null, null, SourceLocation.None);

    public override string ToString() => $"{Index}: {Name}{(Link is { } l ? "@" + (l.Name ?? (l.IfIndex is { } i ? $"if{i}" : "")) : "")} ({KindName ?? Kind.ToString().ToLowerInvariant()}{(IsUp ? ", up" : ", down")})";
}
