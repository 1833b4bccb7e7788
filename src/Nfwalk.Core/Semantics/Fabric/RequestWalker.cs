using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Model.Scenario;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Semantics.Fabric;

/// <summary>
/// Walks a request across a fabric as TCP connections: the client's connection (SYN, SYN-ACK, ACK, a data segment),
/// and, where a transparent proxy accepts it, the proxy's own upstream connection, and so on until a server accepts
/// one. Every packet of every connection is a <see cref="Journey"/>; conntrack state on every host persists across all
/// of them, so replies and later packets follow the state the first packets created.
/// </summary>
public static class RequestWalker
{
    private const int MaxConnections = 8;

    public static RequestWalk Walk(Fabric fabric, FabricHost client, IpAddress clientAddress, IpAddress destination, ushort port, string from, string to, ushort clientPort = 40000)
    {
        var assumptions = new List<string>();
        var conns = new List<ConnectionWalk>();
        var next = new Opening(client, clientAddress, clientPort, destination, port, null, null);
        while (next is not null && conns.Count < MaxConnections)
        {
            var c = WalkConnection(fabric, conns.Count + 1, next);
            conns.Add(c.Walk);
            if (!c.Walk.Established || c.Proxy is null) break;
            next = Upstream(fabric, c, conns.Count, assumptions);
        }
        var last = conns[^1];
        string outcome;
        if (!last.Established)
        {
            var failed = last.Packets.First(p => !p.Journey.Delivered || (p.Reply && p.Journey.End.Host != last.ClientHost));
            outcome = $"connection {last.Number} ({last.ClientSocket} → {last.ServerSocket}) fails: its {failed.Label} {failed.Journey.End.Text}";
        }
        else if (last.ProxyKind is not null and not "plain")
            outcome = $"connection {last.Number} reached the {last.ProxyKind} proxy on {last.AcceptingHost}, which has nowhere to send it";
        else outcome = $"{to} is reached: connection {last.Number} is accepted by {last.AcceptedBy} on {last.AcceptingHost}";
        foreach (var c in conns) foreach (var p in c.Packets) { assumptions.AddRange(p.Journey.Assumptions); foreach (var h in p.Journey.Hops) assumptions.AddRange(h.Trace.Assumptions); }
        return new RequestWalk(fabric.Scenario.Name, from, to, conns, outcome, assumptions.Distinct().ToList());
    }

    /// <summary>A connection about to be opened: by which host, from which address and port, to where; and why.</summary>
    private sealed record Opening(FabricHost Host, IpAddress Source, ushort SourcePort, IpAddress Destination, ushort DestinationPort, string? Because, ConnectTarget? Carries);

    /// <summary>What an HBONE connection asks the far ztunnel for (the CONNECT authority): the destination workload's address and port.</summary>
    private sealed record ConnectTarget(IpAddress Address, ushort Port);

    private sealed record Walked(ConnectionWalk Walk, FabricHost? Server, ProxySpec? Proxy, WalkedPacket Accepted, ConnectTarget? Carries);

    private static Walked WalkConnection(Fabric fabric, int number, Opening o)
    {
        var legs = new List<PacketLeg>();
        var syn = new PacketSpec { Source = o.Source, Destination = o.Destination, Protocol = Protocols.Tcp, SourcePort = o.SourcePort, DestinationPort = o.DestinationPort, TcpFlags = TcpFlags.Syn };
        var client = $"{Endpoint.Format(o.Source, o.SourcePort)}";
        var server = $"{Endpoint.Format(o.Destination, o.DestinationPort)}";
        var j = PathWalker.Walk(fabric, o.Host, syn, $"connection {number}: SYN {client} → {server} from {o.Host.Name}");
        legs.Add(new PacketLeg("SYN", false, j));
        if (o.Source.Value == 0)
        {
            // a host's own connection without a given source: the route lookup chose it (ip_route_connect); the
            // journey's start already says which
            syn = syn with { Source = j.Start.Source };
            o = o with { Source = j.Start.Source };
            client = Endpoint.Format(o.Source, o.SourcePort);
        }
        if (!j.Delivered) return new Walked(Make(null, null, null), null, null, j.Final, o.Carries);

        var at = fabric.Host(j.End.Host)!;
        var proxy = j.End.SocketPort is { } sp ? at.Spec.ProxyOn(sp) : null;
        var accepted = j.Final; // as the accepting socket sees it: local = destination (kept by TPROXY), remote = source
        string acceptedBy = proxy is not null
            ? $"{proxy.KindName} (port {proxy.Port})"
            : fabric.Scenario.Endpoints.FirstOrDefault(e => e.Host == at.Name && e.Port == accepted.DestinationPort)?.Name is { } en
                ? $"{en} (port {accepted.DestinationPort})" : $"a socket on port {accepted.DestinationPort}";

        // the accepting socket answers from the address the client asked for (for TPROXY: the original destination)
        var synAck = new PacketSpec { Source = accepted.Destination, Destination = accepted.Source, Protocol = Protocols.Tcp, SourcePort = accepted.DestinationPort, DestinationPort = accepted.SourcePort, TcpFlags = TcpFlags.Syn | TcpFlags.Ack };
        var jr = PathWalker.Walk(fabric, at, synAck, $"connection {number}: SYN-ACK {Endpoint.Format(accepted.Destination, accepted.DestinationPort)} → {Endpoint.Format(accepted.Source, accepted.SourcePort)} from {at.Name}");
        legs.Add(new PacketLeg("SYN-ACK", true, jr));
        if (jr.Delivered && jr.End.Host == o.Host.Name)
        {
            legs.Add(new PacketLeg("ACK", false, PathWalker.Walk(fabric, o.Host, syn with { TcpFlags = TcpFlags.Ack }, $"connection {number}: ACK {client} → {server} from {o.Host.Name}")));
            legs.Add(new PacketLeg("data", false, PathWalker.Walk(fabric, o.Host, syn with { TcpFlags = TcpFlags.Psh | TcpFlags.Ack, Length = 40 + 100 }, $"connection {number}: data (PSH,ACK, 100 bytes) {client} → {server} from {o.Host.Name}")));
            legs.Add(new PacketLeg("data reply", true, PathWalker.Walk(fabric, at, synAck with { TcpFlags = TcpFlags.Psh | TcpFlags.Ack, Length = 40 + 100 }, $"connection {number}: data reply (PSH,ACK) → {client} from {at.Name}")));
        }
        return new Walked(Make(at, proxy, acceptedBy), at, proxy, accepted, o.Carries);

        ConnectionWalk Make(FabricHost? h, ProxySpec? p, string? by) => new(number, o.Host.Name, client, server, by, h?.Name,
            p?.KindName ?? (h is null ? null : "plain"), o.Because, legs, Via(legs));
    }

    /// <summary>
    /// What the connection's SYN crossed, for the one-line summary: the tunnels ("istioout (GENEVE VNI 1001)"), the shared
    /// networks between nodes ("network kind"), and when neither, the last veth ("veth ambient-worker2:veth3a…").
    /// </summary>
    private static List<string> Via(List<PacketLeg> legs)
    {
        var via = new List<string>();
        if (legs.Count == 0) return via;
        var hops = legs[0].Journey.Hops;
        string? lastVeth = null;
        for (int i = 1; i < hops.Count; i++)
        {
            var h = hops[i];
            if (h.Encapsulation is { } e)
                via.Add($"{e.Device} ({e.Label})");
            else if (h.Entry == HopEntry.Received && h.Depth == 0 && h.LinkKind == LinkKind.Network)
                via.Add($"{hops[i - 1].Host}:{hops[i - 1].Trace.Outcome.Interface} → {h.Host}:{h.InInterface}");
            else if (h.Entry == HopEntry.Received && h.Depth == 0 && h.LinkKind == LinkKind.Veth)
                lastVeth = $"veth {hops[i - 1].Host}:{hops[i - 1].Trace.Outcome.Interface}";
        }
        if (via.Count == 0 && lastVeth is not null) via.Add(lastVeth);
        return via.Distinct().ToList();
    }

    /// <summary>
    /// The connection a proxy opens for one it accepted (docs/scenario.md, "Proxy kinds"; the ztunnel behaviour of the
    /// Istio 1.18–1.20 releases: docs/ambient-generate.md).
    /// </summary>
    private static Opening? Upstream(Fabric fabric, Walked w, int number, List<string> assumptions)
    {
        var proxy = w.Proxy!;
        var host = w.Server!;
        var a = w.Accepted;
        ushort sport = (ushort)(41000 + number);
        assumptions.Add($"the upstream connections' source ports (41001, 41002, …) stand in for the ephemeral ports the kernel picks when the proxy binds to the client's address with port 0");
        switch (proxy.Kind)
        {
            case ProxyKind.ZtunnelOutbound:
            {
                // ztunnel 1.18-1.20 src/proxy/outbound.rs (docs/ambient-generate.md): a destination that is ztunnel's own
                // address is refused (SelfCall); a VIP resolves to one endpoint and its target port; HBONE only for a mesh
                // endpoint on another node; the same node's mesh pods get the in-process fast path (no HBONE, straight to
                // POD_IP:PORT); non-mesh workloads plain TCP; unknown addresses passthrough to the original destination
                if (host.Owns(a.Destination))
                {
                    assumptions.Add($"ztunnel on {host.Name} refuses a connection to its own address {a.Destination} (SelfCall)");
                    return null;
                }
                var (target, why) = ResolveTarget(fabric, a.Destination, a.DestinationPort, assumptions);
                if (target is null) return null;
                var (addr, tport) = target.Value;
                var targetHost = fabric.OwnerOf(addr);
                var src = a.Source == addr ? (host.PrimaryAddress() ?? a.Source) : a.Source;
                var keep = src == a.Source
                    ? $"keeping the client's address {a.Source} as source (IP_TRANSPARENT + IP_FREEBIND bind to the client's IP, port 0)"
                    : $"from ztunnel's own address {src} (the client reaches itself: no bind)";
                var accepted = $"ztunnel's outbound listener on {host.Name} (15001) accepted {Endpoint.Format(a.Destination, a.DestinationPort)}{why}";
                if (targetHost is null)
                    return new Opening(host, src, sport, addr, tport, $"{accepted}; {addr} is no known workload, so it passes the connection through to the original destination, {keep}", null);
                if (!targetHost.Spec.Mesh)
                    return new Opening(host, src, sport, addr, tport, $"{accepted}; {targetHost.Name} is not in the mesh, so it connects with plain TCP to {Endpoint.Format(addr, tport)}, {keep}", null);
                if (SameNode(host, targetHost))
                    return new Opening(host, src, sport, addr, tport, $"{accepted}; {targetHost.Name} is a mesh pod on the same node ({host.Spec.Node}), so ztunnel hands the stream in-process to its inbound side (no HBONE) and connects straight to {Endpoint.Format(addr, tport)}, {keep}", null);
                return new Opening(host, src, sport, addr, 15008,
                    $"{accepted}; {targetHost.Name} is a mesh pod on another node, so ztunnel opens HBONE (mTLS, then HTTP/2 CONNECT {Endpoint.Format(addr, tport)}) to {addr}:15008, {keep}",
                    new ConnectTarget(addr, tport));
            }
            case ProxyKind.ZtunnelHbone:
            {
                if (w.Carries is not { } t)
                {
                    assumptions.Add($"the HBONE connection to {host.Name} carried no CONNECT target nfwalk knows of: its destination {a.Destination}:{a.DestinationPort} is taken as the workload's address");
                    return null;
                }
                // src/proxy/inbound.rs: the CONNECT target, from the HBONE connection's peer IP (the client's, spoofed by the sending ztunnel)
                return new Opening(host, a.Source, sport, t.Address, t.Port,
                    $"ztunnel's HBONE listener on {host.Name} (15008) terminates mTLS and serves CONNECT {Endpoint.Format(t.Address, t.Port)}: it connects to the workload from the HBONE connection's peer address {a.Source} (the original client's, kept by the sending ztunnel)",
                    null);
            }
            case ProxyKind.ZtunnelInbound:
                // src/proxy/inbound_passthrough.rs: the original destination must be a known workload
                if (fabric.OwnerOf(a.Destination) is null)
                {
                    assumptions.Add($"ztunnel's plaintext inbound on {host.Name} refuses {a.Destination}: not a known workload (UnknownDestination)");
                    return null;
                }
                return new Opening(host, a.Source, sport, a.Destination, a.DestinationPort,
                    $"ztunnel's plaintext inbound listener on {host.Name} (15006) connects to the original destination {Endpoint.Format(a.Destination, a.DestinationPort)}, keeping the client's address {a.Source} as source",
                    null);
            default:
                return null;
        }
    }

    private static bool SameNode(FabricHost proxy, FabricHost target)
        => proxy.Spec.Node is { } n && (target.Spec.Node == n || target.Name == n);

    /// <summary>A service VIP resolves to one of its endpoints (ztunnel load-balances; nfwalk takes the first and says so).</summary>
    private static ((IpAddress Address, ushort Port)? Target, string Why) ResolveTarget(Fabric fabric, IpAddress dst, ushort port, List<string> assumptions)
    {
        var svc = fabric.Scenario.Services.FirstOrDefault(s => s.Vip == dst && s.Port == port);
        if (svc is null) return ((dst, port), "");
        var eps = svc.Endpoints.Select(e => fabric.Scenario.Endpoint(e)).Where(e => e is not null).ToList();
        if (eps.Count == 0) return (null, "");
        var ep = eps[0]!;
        if (eps.Count > 1) assumptions.Add($"service {svc.Name} has {eps.Count} endpoints; ztunnel picks one at random per connection: the walk takes {ep.Name}");
        var addr = ep.Address ?? fabric.Host(ep.Host)?.PrimaryAddress();
        if (addr is null) return (null, "");
        var tp = svc.TargetPort ?? ep.Port ?? port;
        return ((addr.Value, tp), $" (service {svc.Name}: ztunnel resolves the VIP itself to endpoint {ep.Name} {Endpoint.Format(addr.Value, tp)})");
    }
}
