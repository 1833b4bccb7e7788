using System.Globalization;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Model.Scenario;
using Nfwalk.Semantics.Walk;
using Nfwalk.Snapshot;
using ScenarioModel = Nfwalk.Model.Scenario.Scenario;

namespace Nfwalk.Semantics.Fabric;

/// <summary>
/// A scenario's hosts loaded and wired: which interface of which host a packet leaving an interface arrives on (veth
/// peers, members of a shared network owning the next hop), which host owns an address (tunnel remotes), and which
/// tunnel device takes a decapsulated packet.
/// </summary>
public sealed class Fabric
{
    private readonly Dictionary<string, FabricHost> _hosts;

    private Fabric(ScenarioModel scenario, List<FabricHost> hosts)
    {
        Scenario = scenario;
        Hosts = hosts;
        _hosts = hosts.ToDictionary(h => h.Name, StringComparer.Ordinal);
    }

    public ScenarioModel Scenario { get; }
    public IReadOnlyList<FabricHost> Hosts { get; }
    public FabricHost? Host(string name) => _hosts.GetValueOrDefault(name);

    /// <summary>Loads every host's snapshot. Problems (unparsable files, links naming interfaces a host lacks) go to <paramref name="diags"/>.</summary>
    public static Fabric Load(ScenarioModel scenario, DiagnosticBag diags, bool verbose = false)
    {
        var hosts = new List<FabricHost>();
        foreach (var h in scenario.Hosts)
        {
            var snap = Directory.Exists(h.SnapshotPath) ? NodeSnapshot.Load(h.SnapshotPath, Path.GetDirectoryName(scenario.File)) : null;
            if (snap is null) continue;
            diags.AddRange(snap.Diagnostics.Where(d => d.Severity != Severity.Info));
            var options = new WalkOptions { IpForward = snap.IpForward, Verbose = verbose };
            // ztunnel's listeners are transparent sockets (IP_TRANSPARENT) bound to the wildcard address: TPROXY's
            // nf_tproxy_get_sock_v4 finds them through --on-ip; an endpoint's server listens on its port
            foreach (var p in h.Proxies) options.Listeners.Add(new Listener(IpAddress.AnyV4, p.Port, Protocols.Tcp, Transparent: true, Name: p.KindName));
            foreach (var e in scenario.Endpoints.Where(e => e.Host == h.Name && e.Port is not null))
                options.Listeners.Add(new Listener(e.Address ?? IpAddress.AnyV4, e.Port!.Value, Protocols.Tcp, Transparent: false, Name: e.Name));
            hosts.Add(new FabricHost { Spec = h, Snapshot = snap, Node = new Node { Name = h.Name, Rules4 = snap.Rules4, Rules6 = snap.Rules6, Network = snap.Network, SetTester = snap.IpsetLookup is { } l ? l.Test : null }, Interfaces = snap.Routing?.Interfaces ?? [], Options = options });
        }
        var fabric = new Fabric(scenario, hosts);
        foreach (var l in scenario.Links) foreach (var end in new[] { l.A, l.B }) fabric.CheckInterface(end, diags);
        foreach (var n in scenario.Networks) foreach (var m in n.Members) fabric.CheckInterface(m, diags);
        return fabric;
    }

    private void CheckInterface(InterfaceRef r, DiagnosticBag diags)
    {
        if (Host(r.Host) is { } h && h.InterfaceNamed(r.Interface) is null && h.Interfaces.Count > 0)
            diags.Warning(r.Location, $"host \"{r.Host}\" has no interface \"{r.Interface}\" in its snapshot (it has {string.Join(", ", h.Interfaces.Select(i => i.Name))})");
    }

    /// <summary>The host owning an address (an interface address, not a route), or null.</summary>
    public FabricHost? OwnerOf(IpAddress a) => Hosts.FirstOrDefault(h => h.Owns(a));

    /// <summary>The host and interface carrying an address, or null.</summary>
    public (FabricHost Host, Interface Interface)? InterfaceOwning(IpAddress a)
    {
        foreach (var h in Hosts)
            if (h.Interfaces.FirstOrDefault(i => i.Addresses.Any(x => x.Local == a)) is { } i) return (h, i);
        return null;
    }

    /// <summary>
    /// Where a packet sent out of <paramref name="iface"/> of <paramref name="from"/> towards <paramref name="nextHop"/> arrives:
    /// the veth peer, else the member of a shared network that owns the next-hop address; null (with the reason) when it
    /// leaves the scenario.
    /// </summary>
    public Arrival? Wire(FabricHost from, string iface, IpAddress nextHop, out string why)
    {
        foreach (var l in Scenario.Links)
            if (l.PeerOf(from.Name, iface) is { } peer && Host(peer.Host) is { } ph)
            {
                why = "";
                return new Arrival(ph, peer.Interface, $"veth {from.Name}:{iface} → {peer}");
            }
        foreach (var n in Scenario.Networks)
        {
            if (!n.Members.Any(m => m.Host == from.Name && m.Interface == iface)) continue;
            foreach (var m in n.Members)
            {
                if (m.Host == from.Name && m.Interface == iface) continue;
                if (Host(m.Host) is { } mh && mh.InterfaceNamed(m.Interface) is { } mi && mi.Addresses.Any(a => a.Local == nextHop))
                {
                    why = "";
                    return new Arrival(mh, m.Interface, $"network {n.Name}: {from.Name}:{iface} → {m} (owner of next hop {nextHop})");
                }
            }
            why = $"no member of network {n.Name} owns the next hop {nextHop}: the packet leaves the scenario";
            return null;
        }
        why = $"{from.Name}:{iface} is not linked to another host in the scenario: the packet leaves the scenario";
        return null;
    }

    /// <summary>
    /// The tunnel device of <paramref name="host"/> that takes an outer packet arriving on UDP <paramref name="port"/>
    /// (docs/tunnels.md facts 22, 23): VXLAN by VNI alone (vxlan_vs_find_vni: the outer source is not checked against
    /// remote); GENEVE by VNI and outer source equal to the device's remote (geneve_lookup), or an external device.
    /// </summary>
    public Interface? TunnelReceiver(FabricHost host, string kind, ushort port, uint? vni, IpAddress outerSource)
    {
        var candidates = host.Tunnels.Where(i => i.Tunnel!.Kind == kind && Encapsulation.PortOf(i.Tunnel) == port).ToList();
        if (kind == "vxlan") return candidates.FirstOrDefault(i => i.Tunnel!.Vni == vni) ?? candidates.FirstOrDefault(i => i.Tunnel!.External);
        return candidates.FirstOrDefault(i => i.Tunnel!.Vni == vni && i.Tunnel.Remote == outerSource) ?? candidates.FirstOrDefault(i => i.Tunnel!.External);
    }

    /// <summary>The host and address of a named endpoint, host, or literal address.</summary>
    public (FabricHost Host, IpAddress Address)? Resolve(string name, out string why)
    {
        why = "";
        if (Scenario.Endpoint(name) is { } e && Host(e.Host) is { } eh)
        {
            if ((e.Address ?? eh.PrimaryAddress()) is { } a) return (eh, a);
            why = $"endpoint \"{name}\" has no address and host \"{eh.Name}\" has none on eth0";
            return null;
        }
        if (Host(name) is { } h)
        {
            if (h.PrimaryAddress() is { } a) return (h, a);
            why = $"host \"{name}\" has no address on eth0";
            return null;
        }
        if (IpAddress.TryParse(name, out var addr) && OwnerOf(addr) is { } owner) return (owner, addr);
        why = $"\"{name}\" is not an endpoint, a host, or an address of a host in the scenario";
        return null;
    }

    /// <summary>
    /// The client of a walk: an endpoint (its address), or a host (the unspecified address: its connection gets the
    /// source its route chooses, as a socket without a bound address does).
    /// </summary>
    public (FabricHost Host, IpAddress Address)? ResolveClient(string name, out string why)
    {
        if (Resolve(name, out why) is not { } c) return null;
        if (Scenario.Endpoint(name) is null && Scenario.Host(name) is not null) return (c.Host, c.Address.IsV4 ? IpAddress.AnyV4 : IpAddress.AnyV6);
        return c;
    }

    /// <summary>A walk's destination: SERVICE[:PORT] (its VIP), ENDPOINT[:PORT], HOST:PORT or ADDRESS:PORT.</summary>
    public bool ResolveDestination(string text, out IpAddress address, out ushort port, out string why)
    {
        address = default; port = 0; why = "";
        var i = text.LastIndexOf(':');
        string name = text; ushort? p = null;
        if (i > 0 && !text.Contains("::", StringComparison.Ordinal) && text.Count(c => c == ':') == 1)
        {
            name = text[..i];
            if (!ushort.TryParse(text[(i + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var pp) || pp == 0) { why = $"\"{text[(i + 1)..]}\" is not a port"; return false; }
            p = pp;
        }
        var sc = Scenario;
        if (sc.Service(name) is { } svc && (p is null || p == svc.Port)) { address = svc.Vip; port = svc.Port; return true; }
        if (sc.Endpoint(name) is { } ep)
        {
            if (Resolve(name, out why) is not { } r) return false;
            address = r.Address;
            if ((p ?? ep.Port) is not { } ep2) { why = $"endpoint \"{name}\" has no port: give {name}:PORT"; return false; }
            port = ep2; return true;
        }
        if (p is null) { why = "give a port: NAME:PORT"; return false; }
        if (IpAddress.TryParse(name, out var a)) { address = a; port = p.Value; return true; }
        if (Resolve(name, out why) is { } h) { address = h.Address; port = p.Value; return true; }
        return false;
    }
}
