using Nfwalk.Model;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
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
/// Tunnel devices the kernel cannot carry here (geneve) become dummy devices of the same name: packets routed into
/// them are counted, their encapsulation is not verified.
/// </summary>
public static class SnapshotVerifier
{
    public static SnapshotResult Run(string snapshotDir, IReadOnlyList<PacketSpec> packets)
    {
        var snap = NodeSnapshot.Load(snapshotDir);
        if (snap.Network is not SnapshotNetwork net) throw new LabException("the snapshot has no ip-addr/ip-route/ip-rule files to build the node from");
        var rulesText = File.ReadAllText(Path.Combine(snapshotDir, "iptables-save.txt"));
        var notes = new List<string>();
        Lab.RemoveLeftovers(TimeSpan.FromMinutes(10));
        using var lab = new Lab();
        var node = lab.Namespace("n");
        lab.Exec(node, "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.all.accept_local=1");
        var peers = new Dictionary<string, (string Ns, string Dev)>();
        // what the far end of each link must own so the node's ARP for next hops is answered: gateways and on-link hosts
        var farEnd = new Dictionary<string, HashSet<IpAddress>>();
        void Far(string? dev, IpAddress? a) { if (dev is null || a is null || !a.Value.IsV4) return; if (!farEnd.TryGetValue(dev, out var set)) farEnd[dev] = set = new(); set.Add(a.Value); }
        foreach (var line in File.ReadAllLines(Path.Combine(snapshotDir, "ip-route.txt")))
        {
            var w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int dv = Array.IndexOf(w, "dev"), via = Array.IndexOf(w, "via");
            if (dv < 0 || dv + 1 >= w.Length || line.StartsWith("local") || line.StartsWith("broadcast")) continue;
            if (via >= 0 && via + 1 < w.Length && IpAddress.TryParse(w[via + 1], out var gw)) Far(w[dv + 1], gw);
            else if (IpPrefix.TryParse(w[0], out var host) && host.IsHost) Far(w[dv + 1], host.Address);
        }
        int k = 0;
        foreach (var i in net.Interfaces.Where(i => i.Name != "lo"))
        {
            k++;
            var peer = lab.Namespace("p" + k);
            lab.Veth(node, i.Name, peer, "p" + k);
            peers[i.Name] = (peer, "p" + k);
            if (i.Kind is "geneve" or "vxlan")
                notes.Add($"{i.Name} ({i.Kind} VNI {i.Vni}) stands in as a veth: routing into it is verified, the encapsulation is not (this kernel has no geneve)");
            foreach (var a in farEnd.GetValueOrDefault(i.Name) ?? []) lab.Exec(peer, $"ip addr add {a}/32 dev p{k}");
            lab.Exec(node, $"sysctl -qw net.ipv4.conf.{i.Name}.rp_filter=0 net.ipv4.conf.{i.Name}.accept_local=1");
            foreach (var (prefix, brd) in i.Addresses.Where(a => a.Prefix.Family == IpFamily.V4))
                lab.Exec(node, $"ip addr add {prefix} {(brd is { } b ? $"brd {b} " : "")}dev {i.Name}");
            var v4 = i.Addresses.Where(a => a.Prefix.Family == IpFamily.V4).Select(a => a.Prefix).ToList();
            if (peers.TryGetValue(i.Name, out var pe) && v4.Count > 0)
            {
                var first = v4[0];
                lab.Exec(pe.Ns, $"ip route add default via {first.Address} dev {pe.Dev} onlink");
                lab.Exec(pe.Ns, "iptables-restore", "*filter\n:INPUT DROP [0:0]\nCOMMIT\n");
            }
        }
        // routes and rules, as the snapshot lists them (connected and local routes come with the addresses)
        foreach (var line in File.ReadAllLines(Path.Combine(snapshotDir, "ip-route.txt")))
        {
            var t = line.Trim();
            if (t.Length == 0 || t.Contains("proto kernel") || t.Contains(" table local") || t.StartsWith("local ") || t.StartsWith("broadcast ")) continue;
            var (rc, _, err) = lab.TryExec(node, $"ip route add {t}");
            if (rc != 0) notes.Add($"route \"{t}\" could not be added: {err.Trim()}");
        }
        foreach (var line in File.ReadAllLines(Path.Combine(snapshotDir, "ip-rule.txt")))
        {
            var parts = line.Split(':', 2);
            if (parts.Length < 2 || !int.TryParse(parts[0], out var pref) || pref is 0 or 32766 or 32767) continue;
            lab.Exec(node, $"ip rule add pref {pref} {parts[1].Trim()}");
        }
        var ipsetPath = Path.Combine(snapshotDir, "ipset-save.txt");
        if (File.Exists(ipsetPath)) lab.Exec(node, "ipset restore", File.ReadAllText(ipsetPath));
        var (irc, _, ierr) = lab.TryExec(node, "iptables-restore", rulesText);
        if (irc != 0) throw new LabException($"iptables-restore refused {snapshotDir}/iptables-save.txt: {ierr.Trim()}");
        // egress observer and mute (a separate nft table; the node's iptables tables are not touched)
        var obs = string.Join("\n", net.Interfaces.Where(i => i.Name != "lo").Select(i => $"  oifname \"{i.Name}\" counter"));
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

        var sim = snap.CreateNode();
        var walks = packets.Select(p => NodeWalker.Walk(sim, p, new WalkOptions { IpForward = true, SocketsKnown = true })).ToList();
        var input = snap.Rules4!;
        var counts = Differential.Compare(kernel, input, walks);
        var ours = walks.Where(w => w.Outcome.Kind == "sent").GroupBy(w => w.Outcome.Interface!).ToDictionary(g => g.Key, g => (ulong)g.Count());
        var egress = kernelEgress.Keys.Union(ours.Keys).Select(i => (i, kernelEgress.GetValueOrDefault(i), ours.GetValueOrDefault(i))).OrderBy(x => x.i).ToList();
        return new SnapshotResult(new CaseResult(Path.GetFileName(snapshotDir), counts, walks) { Traces = Differential.SideBySide(input, walks, events, 5000), Leaving = Differential.Leaves(walks, trace, 5000) }, egress, notes);
    }
}
