using Nfwalk.Model;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Parsing.Iproute2;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Routing;
using Nfwalk.Semantics.Walk;
using Nfwalk.Snapshot;

namespace Nfwalk.Kernel;

/// <summary>What the kernel and nfwalk did with the packets: per-rule counters and the interface each packet left by.</summary>
public sealed record SnapshotResult(CaseResult Rules, IReadOnlyList<(string Interface, ulong Kernel, ulong Nfwalk)> Egress, IReadOnlyList<string> Notes)
{
    public bool Passed => Rules.Passed && Egress.All(e => e.Kernel == e.Nfwalk);
}

/// <summary>
/// Builds a node snapshot in a throw-away namespace — its interfaces as veth pairs whose node end carries the snapshot's
/// name and whose peer end sits in its own namespace, its addresses, routes, ip rules, ipsets, sysctls and rules —
/// sends each packet from the peer of its ingress interface, and compares per-rule counters and the egress interface
/// (counted by a separate nft table at the end of POSTROUTING, so the node's own tables are untouched) with nfwalk.
/// Tunnel devices the kernel cannot carry here (geneve) become veths of the same name: packets routed into them are
/// counted, their encapsulation is not verified. The lab turns rp_filter off and accept_local on everywhere, then applies
/// the snapshot's own forwarding and per-interface sysctls; nfwalk walks the node with the sysctls the lab node then has.
/// </summary>
public static class SnapshotVerifier
{
    /// <summary>The sysctls the route decision reads: forwarding and the per-interface conf values.</summary>
    private static bool RoutingSysctl(string key)
        => key == "net.ipv4.ip_forward" || key.StartsWith("net.ipv4.conf.", StringComparison.Ordinal) || key.StartsWith("net.ipv6.conf.", StringComparison.Ordinal);

    public static SnapshotResult Run(string snapshotDir, IReadOnlyList<PacketSpec> packets)
    {
        var snap = NodeSnapshot.Load(snapshotDir);
        var state = snap.Routing;
        var links = state.Interfaces.Where(i => !i.IsLoopback).ToList();
        if (links.Count == 0) throw new LabException("the snapshot has no ip-addr/ip-link/ip-route files to build the node's interfaces from");
        var rulesPath = Path.Combine(snapshotDir, "iptables-save.txt");
        if (!File.Exists(rulesPath)) throw new LabException($"{rulesPath}: no such file (the node's rules are loaded from it)");
        var rulesText = File.ReadAllText(rulesPath);
        var notes = new List<string>();
        Lab.RemoveLeftovers(TimeSpan.FromMinutes(10));
        using var lab = new Lab();
        var node = lab.Namespace("n");
        lab.Exec(node, "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.all.accept_local=1");
        var peers = new Dictionary<string, (string Ns, string Dev)>();
        // the routes the snapshot adds itself (the kernel makes the local, broadcast and connected ones from the addresses)
        // (a local/broadcast route the snapshot's owner added — ztunnel's "local default dev lo table 100", a local route outside the
        // local table — is not one of those and must be added too; without it TPROXY's marked packets would be forwarded)
        var added = state.Routes.Where(r => r.Protocol != "kernel" && !(r.Table.IsLocal && r.Type is RouteType.Local or RouteType.Broadcast)).ToList();
        // what the far end of each link must own so the node's ARP for next hops is answered: gateways and on-link hosts
        var farEnd = new Dictionary<string, HashSet<IpAddress>>();
        void Far(string? dev, IpAddress? a) { if (dev is null || a is null || !a.Value.IsV4) return; if (!farEnd.TryGetValue(dev, out var set)) farEnd[dev] = set = new(); set.Add(a.Value); }
        foreach (var r in added.Where(r => r.Type == RouteType.Unicast))
            foreach (var path in r.Paths)
                if (path.Gateway is { } gw) Far(path.Device, gw);
                else if (r.Destination.IsHost) Far(path.Device, r.Destination.Address);
        int k = 0;
        foreach (var i in links)
        {
            k++;
            var peer = lab.Namespace("p" + k);
            lab.Veth(node, i.Name, peer, "p" + k);
            peers[i.Name] = (peer, "p" + k);
            if (i.Kind is InterfaceKind.Geneve or InterfaceKind.Vxlan)
                notes.Add($"{i.Name} ({i.Tunnel?.ToString() ?? i.KindName}) stands in as a veth: routing into it is verified, the encapsulation is not (this kernel has no {i.KindName ?? "tunnel devices"})");
            foreach (var a in farEnd.GetValueOrDefault(i.Name) ?? []) lab.Exec(peer, $"ip addr add {a}/32 dev p{k}");
            lab.Exec(node, $"sysctl -qw net.ipv4.conf.{i.Name}.rp_filter=0 net.ipv4.conf.{i.Name}.accept_local=1");
            var v4 = i.AddressesOf(IpFamily.V4).ToList();
            foreach (var a in v4)
                lab.Exec(node, $"ip addr add {a.Local}{(a.Peer is { } pa ? $" peer {pa}" : "")}/{a.PrefixLength} {(a.Broadcast is { } b ? $"brd {b} " : "")}dev {i.Name}");
            if (v4.Count > 0)
            {
                lab.Exec(peer, $"ip route add default via {v4[0].Local} dev p{k} onlink");
                lab.Exec(peer, "iptables-restore", "*filter\n:INPUT DROP [0:0]\nCOMMIT\n");
            }
        }
        foreach (var r in added)
        {
            var (rc, _, err) = lab.TryExec(node, $"ip {(r.Family == IpFamily.V6 ? "-6 " : "")}route add {r}");
            if (rc != 0) notes.Add($"route \"{r}\" could not be added: {err.Trim()}");
        }
        foreach (var family in new[] { IpFamily.V4, IpFamily.V6 })
            foreach (var rule in state.Rules(family).Where(r => !r.IsDefault))
            {
                var (rc, _, err) = lab.TryExec(node, $"ip {(family == IpFamily.V6 ? "-6 " : "")}rule add pref {rule.Priority} {rule.Selectors}");
                if (rc != 0) notes.Add($"ip rule \"{rule}\" could not be added: {err.Trim()}");
            }
        // the snapshot's own forwarding/rp_filter/accept_local/... values override the lab's defaults wherever it gives them
        var skipped = new List<string>();
        foreach (var (key, value) in state.Sysctls.Values)
            if (RoutingSysctl(key) && lab.TryExec(node, $"sysctl -qw {key}={value}").Code != 0) skipped.Add(key);
        if (skipped.Count > 0) notes.Add($"sysctls of the snapshot that the lab node has no place for (interfaces it does not have): {string.Join(", ", skipped)}");
        var ipsetPath = Path.Combine(snapshotDir, "ipset-save.txt");
        if (File.Exists(ipsetPath)) lab.Exec(node, "ipset restore", File.ReadAllText(ipsetPath));
        var (irc, _, ierr) = lab.TryExec(node, "iptables-restore", rulesText);
        if (irc != 0) throw new LabException($"iptables-restore refused {snapshotDir}/iptables-save.txt: {ierr.Trim()}");
        // egress observer and mute (a separate nft table; the node's iptables tables are not touched)
        var obs = string.Join("\n", links.Select(i => $"  oifname \"{i.Name}\" counter"));
        lab.Exec(node, "nft -f -", $"table ip nfwalk_obs {{\n chain post {{\n  type filter hook postrouting priority 1000;\n{obs}\n }}\n chain out {{\n  type filter hook output priority -400;\n  tcp flags & rst == rst drop\n  icmp type {{ destination-unreachable, time-exceeded }} drop\n }}\n}}\n");

        using var trace = KernelTrace.Start(lab, node);
        ushort id = 5000;
        var seqs = new TcpSequences();
        foreach (var p in packets)
        {
            var (seq, ack) = seqs.Next(p);
            if (p.IsLocal) NetnsThread.Run(node, () => { try { PacketSender.Send(p, "", id++, seq, ack); } catch (System.Net.Sockets.SocketException) { } });
            else if (peers.TryGetValue(p.InInterface!, out var pe)) NetnsThread.Run(pe.Ns, () => PacketSender.Send(p, pe.Dev, id++, seq, ack));
            else throw new LabException($"packets can enter only on veth-backed interfaces ({string.Join(", ", peers.Keys)}), not {p.InInterface}");
            Thread.Sleep(30);
        }
        Thread.Sleep(100);
        var events = trace.Stop(node, (t, ch) => KernelTrace.Handles(lab, node, t, ch));
        var kernel = SaveParser.Parse(lab.Exec(node, "iptables-save -c"), "kernel").Ruleset;
        var obsText = lab.Exec(node, "nft list table ip nfwalk_obs");
        var kernelEgress = new Dictionary<string, ulong>();
        foreach (var l in obsText.Split('\n'))
        {
            var m = System.Text.RegularExpressions.Regex.Match(l, "oifname \"([^\"]+)\" counter packets (\\d+)");
            if (m.Success) kernelEgress[m.Groups[1].Value] = ulong.Parse(m.Groups[2].Value);
        }

        // nfwalk walks the node as it was built: the snapshot's routing state with the sysctls the lab node really has
        var effective = string.Join("\n", lab.TryExec(node, "sysctl -a").Out.Split('\n').Where(l => RoutingSysctl(l.Split('=', 2)[0].Trim())));
        var built = new RoutingState(state.Interfaces, state.RulesV4, state.RulesV6, state.Tables,
            new RoutingSysctls(SysctlParser.Parse(effective, "lab sysctl -a", new Diagnostics.DiagnosticBag())), state.Assumptions);
        var sim = new Node { Name = snap.Name, Rules4 = snap.Rules4, Rules6 = snap.Rules6, Network = new FibNetwork(built), SetTester = snap.CreateNode().SetTester };
        var walks = packets.Select(p => NodeWalker.Walk(sim, p, new WalkOptions { IpForward = true, SocketsKnown = true })).ToList();
        var input = snap.Rules4!;
        var counts = Differential.Compare(kernel, input, walks);
        var ours = walks.Where(w => w.Outcome.Kind == "sent").GroupBy(w => w.Outcome.Interface!).ToDictionary(g => g.Key, g => (ulong)g.Count());
        var egress = kernelEgress.Keys.Union(ours.Keys).Select(i => (i, kernelEgress.GetValueOrDefault(i), ours.GetValueOrDefault(i))).OrderBy(x => x.i).ToList();
        return new SnapshotResult(new CaseResult(Path.GetFileName(snapshotDir), counts, walks) { Traces = Differential.SideBySide(input, walks, events, 5000), Leaving = Differential.Leaves(walks, trace, 5000) }, egress, notes);
    }
}
