using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

public enum GeneratedLinkKind { Loopback, Veth, Geneve }

/// <summary>A GENEVE device's configuration as `ip -d link` shows it: VNI, fixed remote, UDP destination port.</summary>
public sealed record GeneveConfig(int Vni, IpAddress Remote, int DstPort);

/// <summary>
/// One interface of a generated network namespace. A veth names its peer's ifindex (the "@ifN" of ip link) and the
/// namespace the peer is in: by name (<see cref="LinkNetns"/>, as the node sees a pod's "cni-…" netns) or by id
/// (<see cref="LinkNetnsId"/>, as a pod sees the node's netns).
/// </summary>
public sealed record GeneratedInterface
{
    public required int Index { get; init; }
    public required string Name { get; init; }
    public required GeneratedLinkKind Kind { get; init; }
    public required string Mac { get; init; }
    public required int Mtu { get; init; }
    public IReadOnlyList<IpPrefix> Addresses { get; init; } = [];
    public int? PeerIndex { get; init; }
    public string? LinkNetns { get; init; }
    public int? LinkNetnsId { get; init; }
    public GeneveConfig? Geneve { get; init; }
}
