using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Semantics.Fabric;

/// <summary>
/// Walks one packet across the hosts of a fabric: on each host the single-node walk (<see cref="NodeWalker"/>) decides
/// what the kernel does; between hosts the packet crosses a veth or a shared network; a packet routed into a GENEVE or
/// VXLAN device is wrapped into an outer UDP packet that the host itself generates (walked through OUTPUT/POSTROUTING)
/// and unwrapped on the host owning the tunnel's remote, where it is received again on that host's tunnel device.
/// Facts used (docs/tunnels.md): crossing a veth into another namespace clears the mark and the conntrack reference
/// (__dev_forward_skb → skb_scrub_packet with xnet); the outer packet keeps the inner packet's skb mark
/// (iptunnel_xmit scrubs without xnet) and its route lookup uses it (geneve_get_v4_rt / vxlan_get_route: flowi4_mark =
/// skb->mark); the decapsulated packet keeps the mark the outer packet had on the receiving host and loses its conntrack
/// reference (geneve_rx / vxlan_rcv → skb_scrub_packet without xnet). A VXLAN device with learning remembers the outer
/// source of what it decapsulated (vxlan_snoop) and sends frames for that peer there rather than to its remote; the outer
/// source port is drawn from the device's srcport range, else (VXLAN) its namespace's ip_local_port_range. All of this is
/// checked against the kernel by tests/Nfwalk.Tests/Kernel/FabricKernelDifferentialTests.cs (scripts/kernel/fabric-diff.sh).
/// </summary>
public static class PathWalker
{
    public const int MaxHops = 40;

    public static Journey Walk(Fabric fabric, FabricHost start, PacketSpec spec, string title)
    {
        var hops = new List<Hop>();
        var assumptions = new List<string>();
        var carried = new Stack<(Encapsulation Encap, FabricHost From)>();
        var host = start;
        var entry = spec.IsLocal ? HopEntry.Generated : HopEntry.Received;
        var first = new WalkedPacket(spec.Source, spec.Destination, spec.Protocol, spec.SourcePort, spec.DestinationPort, spec.TcpFlags, spec.Mark);
        var current = first;
        string? link = null;
        var linkKind = LinkKind.None;
        Encapsulation? tunnel = null;
        for (int n = 0; n < MaxHops; n++)
        {
            var trace = NodeWalker.Walk(host.Node, spec, host.Options, $"{host.Name}: {Describe(entry, spec)}");
            hops.Add(new Hop(host.Name, entry, spec.InInterface, trace, carried.Count, link, linkKind, spec, entry == HopEntry.Encapsulated ? tunnel : null));
            var final = WalkedPacket.FromFinal(trace.Final, spec.TcpFlags);
            // a socket without a bound address: the first route lookup chose the source (ip_route_connect)
            if (n == 0 && spec.IsLocal && spec.Source.Value == 0) first = first with { Source = final.Source };
            current = final;
            var o = trace.Outcome;
            switch (o.Kind)
            {
                case "delivered":
                {
                    // an outer tunnel packet delivered to the tunnel's UDP port: the tunnel device takes the inner packet
                    if (carried.Count > 0 && final.Protocol == Protocols.Udp && carried.Peek() is var (encap, from)
                        && final.DestinationPort == encap.OuterDestinationPort)
                    {
                        var dev = fabric.TunnelReceiver(host, encap.Tunnel.Kind, encap.OuterDestinationPort, encap.Tunnel.Vni, final.Source);
                        if (dev is null)
                            return End(JourneyEndKind.Dropped, host, $"the {encap.KindName} packet (VNI {encap.Tunnel.Vni}) reached UDP {encap.OuterDestinationPort} on {host.Name}, but no {encap.Tunnel.Kind} device there takes it ({(encap.Tunnel.Kind == "vxlan" ? "none has that VNI" : $"none has that VNI with remote {final.Source}")}): dropped by the tunnel driver after INPUT");
                        carried.Pop();
                        // vxlan_snoop (learning on): the inner frame's source MAC, the sender's tunnel device, is now behind
                        // this outer source — replies through dev go there, not to its remote (docs/tunnels.md fact 22)
                        if (dev.Tunnel!.Learning) host.Learn(dev.Name, from.Name, encap.Device, final.Source);
                        spec = encap.Inner.Received(dev.Name, final.Mark);
                        entry = HopEntry.Decapsulated;
                        (link, linkKind) = ($"{encap.Label} from {from.Name}:{encap.Device}, decapsulated on {dev.Name}", LinkKind.Tunnel);
                        continue;
                    }
                    var port = SocketPort(o.Socket) ?? final.DestinationPort;
                    return End(JourneyEndKind.Delivered, host, $"{o.Text} on {host.Name}", o.Socket, port);
                }
                case "sent":
                {
                    var iface = o.Interface!;
                    var dev = host.InterfaceNamed(iface);
                    if (dev?.Tunnel is { } tun)
                    {
                        var learned = LearnedRemote(fabric, host, iface, tun, o, final);
                        if ((learned ?? tun.Remote) is not { } remote)
                            return End(JourneyEndKind.LeftScenario, host, $"routed into {iface} ({tun.Kind}{(tun.External ? ", external: the remote comes from a lightweight-tunnel route or eBPF" : " without a remote")}): nfwalk cannot tell where the outer packet goes");
                        var (pmin, pmax) = Encapsulation.SourcePortRange(tun, host);
                        // the inner flow (the skb hash covers its addresses, ports and protocol, not the TCP flags)
                        var sport = host.OuterSourcePort(iface, $"{final.Protocol} {final.Source}:{final.SourcePort} {final.Destination}:{final.DestinationPort}",
                            Encapsulation.SourcePortFor(tun, final, host), pmin, pmax);
                        var encap = new Encapsulation(iface, tun, remote, sport, Encapsulation.PortOf(tun), final);
                        // where the range comes from (docs/tunnels.md fact 15); GENEVE's fixed default needs no word
                        var from = tun.SourcePorts is { } sp && sp.Low < sp.High ? $"{iface}'s srcport {sp.Low} {sp.High}; "
                            : tun.Kind != "vxlan" ? ""
                            : host.LocalPortRange is { } lpr ? $"{host.Name}'s net.ipv4.ip_local_port_range {lpr.Low} {lpr.High}; "
                            : $"net.ipv4.ip_local_port_range, not in {host.Name}'s snapshot: the default 32768 60999 assumed; ";
                        assumptions.Add($"{encap.KindName} outer source port: the kernel hashes the inner flow into {pmin}-{pmax} ({from}udp_flow_src_port, per-boot random seed); {encap.OuterSourcePort} stands for it (the same for every packet of the flow)");
                        carried.Push((encap, host));
                        // the outer packet is the host's own (ip_local_out from iptunnel_xmit): source chosen by its route
                        // lookup (no "local" on the device) unless the device has one; the skb mark goes with it
                        spec = new PacketSpec
                        {
                            Source = tun.Local ?? (remote.IsV4 ? IpAddress.AnyV4 : IpAddress.AnyV6), Destination = remote,
                            Protocol = Protocols.Udp, SourcePort = encap.OuterSourcePort, DestinationPort = encap.OuterDestinationPort,
                            Mark = final.Mark,
                            // outer IP + UDP + the 8-byte GENEVE/VXLAN header + the inner Ethernet header + the inner packet
                            Length = (remote.IsV4 ? 20 : 40) + 8 + 8 + 14 + trace.Final.Length,
                        };
                        entry = HopEntry.Encapsulated;
                        tunnel = encap;
                        (link, linkKind) = ($"{encap.Label} via {iface} to {remote}:{encap.OuterDestinationPort}"
                            + (learned is not null && learned != tun.Remote ? $" (learned: the packet {iface} decapsulated from that peer came from {learned}; not its remote {tun.Remote?.ToString() ?? "(none)"})" : ""), LinkKind.Tunnel);
                        continue;
                    }
                    var nextHop = o.NextHop is { } g && IpAddress.TryParse(g, out var gw) ? gw : final.Destination;
                    var arrival = fabric.Wire(host, iface, nextHop, out var why);
                    if (arrival is null) return End(JourneyEndKind.LeftScenario, host, $"{o.Text}; {why}");
                    host = arrival.Host;
                    // a veth (or the shared network's bridge) into another namespace: mark and conntrack are not kept
                    spec = final.Received(arrival.Interface, 0);
                    entry = HopEntry.Received;
                    (link, linkKind) = (arrival.Via, arrival.Via.StartsWith("veth", StringComparison.Ordinal) ? LinkKind.Veth : LinkKind.Network);
                    continue;
                }
                case "dropped": return End(JourneyEndKind.Dropped, host, $"{o.Text} on {host.Name}");
                case "rejected": return End(JourneyEndKind.Rejected, host, $"{o.Text} on {host.Name}");
                case "queued": return End(JourneyEndKind.Queued, host, $"{o.Text} on {host.Name}");
                default: return End(JourneyEndKind.Unroutable, host, $"{o.Text} on {host.Name}");
            }
        }
        return End(JourneyEndKind.Loop, host, $"more than {MaxHops} hops: the packet loops between hosts");

        Journey End(JourneyEndKind kind, FabricHost at, string text, string? socket = null, ushort? port = null)
            => new(title, first, hops, new JourneyEnd(kind, at.Name, text, socket, port), current, assumptions.Distinct().ToList());
    }

    /// <summary>
    /// The FDB entry a VXLAN device with learning has for the inner frame's destination MAC (vxlan_xmit → vxlan_find_mac):
    /// the MAC is the next hop's, i.e. the tunnel device of the host owning the next-hop address; an entry learned from a
    /// packet that device sent us (<see cref="FabricHost.Learn"/>) wins over the default entry (remote).
    /// </summary>
    private static IpAddress? LearnedRemote(Fabric fabric, FabricHost host, string iface, TunnelInfo tun, WalkOutcome o, WalkedPacket final)
    {
        if (!tun.Learning) return null;
        var nextHop = o.NextHop is { } g && IpAddress.TryParse(g, out var gw) ? gw : final.Destination;
        return fabric.InterfaceOwning(nextHop) is { } peer ? host.Learned(iface, peer.Host.Name, peer.Interface.Name) : null;
    }

    private static ushort? SocketPort(string? socket)
    {
        if (socket is null) return null;
        var i = socket.LastIndexOf(':');
        return i > 0 && ushort.TryParse(socket.AsSpan(i + 1), out var p) ? p : null;
    }

    private static string Describe(HopEntry entry, PacketSpec s)
    {
        var pkt = $"{Protocols.Name(s.Protocol)} {Endpoint.Format(s.Source, Protocols.HasPorts(s.Protocol) ? s.SourcePort : null)} -> {Endpoint.Format(s.Destination, Protocols.HasPorts(s.Protocol) ? s.DestinationPort : null)}"
                  + (s.Protocol == Protocols.Tcp ? $" [{TcpFlagNames.Format(s.TcpFlags)}]" : "");
        return entry switch
        {
            HopEntry.Generated => $"{pkt} generated here",
            HopEntry.Received => $"{pkt} received on {s.InInterface}",
            HopEntry.Encapsulated => $"outer {pkt} generated by the tunnel device",
            _ => $"{pkt} decapsulated, received on {s.InInterface}",
        };
    }
}
