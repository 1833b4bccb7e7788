using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Model.Scenario;
using Nfwalk.Semantics.Walk;
using Nfwalk.Snapshot;

namespace Nfwalk.Semantics.Fabric;

/// <summary>
/// One host of a scenario, loaded: its snapshot (rules, ipsets, routing), its interfaces (veth peers, geneve/vxlan
/// parameters) and the <see cref="Walk.Node"/> whose conntrack table lives as long as the walk (so replies and later
/// packets find the connections earlier packets created).
/// </summary>
public sealed class FabricHost
{
    public required ScenarioHost Spec { get; init; }
    public required NodeSnapshot Snapshot { get; init; }
    public required Node Node { get; init; }
    public required IReadOnlyList<Interface> Interfaces { get; init; }
    public required WalkOptions Options { get; init; }

    private (ushort Low, ushort High)? _localPortRange;
    private bool _localPortRangeRead;

    /// <summary>
    /// net.ipv4.ip_local_port_range of this namespace from the snapshot's sysctl.txt (null when the snapshot does not say):
    /// a VXLAN device without <c>srcport</c> hashes its outer source port into it (docs/tunnels.md fact 15).
    /// </summary>
    public (ushort Low, ushort High)? LocalPortRange
    {
        get
        {
            if (!_localPortRangeRead) (_localPortRange, _localPortRangeRead) = (ReadLocalPortRange(Spec.SnapshotPath), true);
            return _localPortRange;
        }
        init => (_localPortRange, _localPortRangeRead) = (value, true);
    }

    /// <summary>"net.ipv4.ip_local_port_range = 32768\t60999" in the snapshot's sysctl.txt (sysctl prints a tab between the two).</summary>
    private static (ushort, ushort)? ReadLocalPortRange(string dir)
    {
        var path = Path.Combine(dir, "sysctl.txt");
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            var kv = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || kv[0] != "net.ipv4.ip_local_port_range") continue;
            var v = kv[1].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (v.Length == 2 && ushort.TryParse(v[0], out var lo) && ushort.TryParse(v[1], out var hi)) return (lo, hi);
        }
        return null;
    }

    public string Name => Spec.Name;

    private readonly Dictionary<(string Device, string PeerHost, string PeerDevice), IpAddress> _learned = new();
    private readonly Dictionary<(string Device, string Flow), ushort> _outerPorts = new();

    /// <summary>
    /// The stand-in outer source port for an inner flow leaving by tunnel <paramref name="device"/>: the same for every
    /// packet of the flow (docs/tunnels.md fact 16), and — while [<paramref name="min"/>, <paramref name="max"/>] has room —
    /// not one another inner flow of this host already got. Two inner flows hashed to one port would share one outer
    /// conntrack entry (its nat chains only seen by the first); the kernel's hash collides that way only by chance, which
    /// nfwalk cannot know, so the walk assumes it does not (fabric-diff caught a stand-in collision doing just that).
    /// </summary>
    public ushort OuterSourcePort(string device, string flow, ushort hashed, ushort min, ushort max)
    {
        if (_outerPorts.TryGetValue((device, flow), out var p)) return p;
        var used = _outerPorts.Values.ToHashSet();
        var port = hashed;
        for (int i = 0; i < max - min && used.Contains(port); i++) port = port >= max ? min : (ushort)(port + 1);
        _outerPorts[(device, flow)] = port;
        return port;
    }

    /// <summary>
    /// VXLAN address learning (vxlan_rcv → vxlan_snoop): <paramref name="device"/> received a packet from the tunnel device
    /// <paramref name="peerDevice"/> of <paramref name="peerHost"/> (whose MAC is the inner frame's source) with outer
    /// source <paramref name="outerSource"/>; frames to that MAC now go there. Lives as long as the walk, like conntrack.
    /// </summary>
    public void Learn(string device, string peerHost, string peerDevice, IpAddress outerSource) => _learned[(device, peerHost, peerDevice)] = outerSource;

    /// <summary>The outer destination <paramref name="device"/> learned for frames to <paramref name="peerHost"/>'s <paramref name="peerDevice"/>, if any.</summary>
    public IpAddress? Learned(string device, string peerHost, string peerDevice) => _learned.TryGetValue((device, peerHost, peerDevice), out var a) ? a : null;

    public Interface? InterfaceNamed(string name) => Interfaces.FirstOrDefault(i => i.Name == name);

    public bool Owns(IpAddress a) => Interfaces.Any(i => i.Addresses.Any(x => x.Local == a));

    /// <summary>The address a workload on this host uses by default: the first global address on eth0, else on any non-loopback interface.</summary>
    public IpAddress? PrimaryAddress(IpFamily family = IpFamily.V4)
        => (InterfaceNamed("eth0")?.PrimaryAddress(family)
            ?? Interfaces.Where(i => !i.IsLoopback).Select(i => i.PrimaryAddress(family)).FirstOrDefault(a => a is not null))?.Local;

    /// <summary>The tunnel devices (geneve, vxlan) of this host.</summary>
    public IEnumerable<Interface> Tunnels => Interfaces.Where(i => i.Tunnel is not null);

    public override string ToString() => Name;
}
