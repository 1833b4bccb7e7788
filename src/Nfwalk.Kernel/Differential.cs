using Nfwalk.Model;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Ipset;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Ipsets;
using Nfwalk.Semantics.Routing;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Kernel;

/// <summary>One differential case: a ruleset and packets, run through the real kernel and through nfwalk.</summary>
public sealed record KernelCase(string Name, string Rules, IReadOnlyList<PacketSpec> Packets)
{
    /// <summary>Extra addresses on the node (iface, address/len), applied on both sides.</summary>
    public IReadOnlyList<(string Iface, string Cidr)> ExtraAddresses { get; init; } = [];
    /// <summary>"ipset save" text loaded into the node before the rules, on both sides.</summary>
    public string? Ipsets { get; init; }
    /// <summary>The name nfwalk's diagnostics and trace locations give the rules ("NAME.rules" unless set, e.g. to the file given).</summary>
    public string? RulesFile { get; init; }
    public override string ToString() => Name;
}

public sealed record RuleCount(string Table, string Chain, int Rule, string Text, ulong Kernel, ulong Nfwalk)
{
    public bool Agrees => Kernel == Nfwalk;
}

public sealed record CaseResult(string Name, IReadOnlyList<RuleCount> Counts, IReadOnlyList<WalkTrace> Walks)
{
    public IEnumerable<RuleCount> Differences => Counts.Where(c => !c.Agrees);
    /// <summary>Per packet: the kernel's trace events and nfwalk's, side by side (same order), when a trace was taken.</summary>
    public IReadOnlyList<(string Packet, IReadOnlyList<TraceEvent> Kernel, IReadOnlyList<TraceEvent> Nfwalk)> Traces { get; init; } = [];
    /// <summary>Per packet: how it left the node according to the kernel and to nfwalk (null: it did not leave).</summary>
    public IReadOnlyList<(string Packet, string? Kernel, string? Nfwalk)> Leaving { get; init; } = [];
    public IEnumerable<string> TraceDifferences => Traces.Where(t => !t.Kernel.SequenceEqual(t.Nfwalk)).Select(t => t.Packet)
        .Concat(Leaving.Where(l => l.Kernel != l.Nfwalk).Select(l => l.Packet + " (as it leaves)"));
    public bool Passed => !Differences.Any() && !TraceDifferences.Any();
    public string TraceReport() => string.Join("\n", Traces.Select(t =>
        $"{(t.Kernel.SequenceEqual(t.Nfwalk) ? "  " : "!!")} {t.Packet}\n" + (Leaving.FirstOrDefault(l => l.Packet == t.Packet) is { Packet: not null } lv ? $"  {(lv.Kernel == lv.Nfwalk ? "  " : "!!")} leaves: kernel {lv.Kernel ?? "(does not leave)"}, nfwalk {lv.Nfwalk ?? "(does not leave)"}\n" : "") + string.Join("\n", Enumerable.Range(0, Math.Max(t.Kernel.Count, t.Nfwalk.Count)).Select(i =>
            $"     kernel: {(i < t.Kernel.Count ? t.Kernel[i].ToString() : "-"),-50} nfwalk: {(i < t.Nfwalk.Count ? t.Nfwalk[i].ToString() : "-")}"))));
    public string Report() => string.Join("\n", Counts.Select(c => $"{(c.Agrees ? "  " : "!!")} {c.Table,-8} {c.Chain,-14} {(c.Rule == 0 ? "policy" : "rule " + c.Rule),-8} kernel {c.Kernel} nfwalk {c.Nfwalk}  {c.Text}"));
}

/// <summary>
/// Runs a case in throw-away namespaces: peer A —veth— node —veth— peer B. The node loads the rules with
/// iptables-restore; each packet is crafted and sent from the peer of its ingress interface (or from the node itself for
/// locally generated ones); peers drop everything they receive so no answer disturbs conntrack. The kernel's per-rule
/// and per-policy packet counters are then compared with the rules nfwalk says matched.
/// </summary>
public static class Differential
{
    public static CaseResult Run(KernelCase c)
    {
        Lab.RemoveLeftovers(TimeSpan.FromMinutes(10));
        using var lab = new Lab();
        var node = lab.Namespace("n");
        var pa = lab.Namespace("a");
        var pb = lab.Namespace("b");
        lab.Veth(node, "eth0", pa, "p0");
        lab.Veth(node, "eth1", pb, "p1");
        lab.Exec(node, "ip addr add 10.99.0.1/24 dev eth0");
        lab.Exec(node, "ip addr add 10.99.1.1/24 dev eth1");
        foreach (var (iface, cidr) in c.ExtraAddresses) lab.Exec(node, $"ip addr add {cidr} dev {iface}");
        lab.Exec(node, "ip route add default via 10.99.1.2 dev eth1");
        lab.Exec(pa, "ip addr add 10.99.0.2/24 dev p0");
        lab.Exec(pa, "ip route add default via 10.99.0.1");
        lab.Exec(pb, "ip addr add 10.99.1.2/24 dev p1");
        lab.Exec(pb, "ip route add default via 10.99.1.1");
        lab.Exec(node, "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0 net.ipv4.conf.all.accept_local=1");
        foreach (var p in new[] { pa, pb })
            lab.Exec(p, "iptables-restore", "*filter\n:INPUT DROP [0:0]\nCOMMIT\n");
        // the node's own answers (TCP RST, ICMP errors) are side packets, not under test: drop them before any iptables hook
        lab.Exec(node, "nft -f -", "table ip nfwalk_mute {\n chain out {\n  type filter hook output priority -400;\n  tcp flags & rst == rst drop\n  icmp type { destination-unreachable, time-exceeded, echo-reply } drop\n }\n}\n");
        if (c.Ipsets is { } ips)
        {
            var (irc, _, ierr) = lab.TryExec(node, "ipset restore", ips);
            if (irc != 0) throw new LabException($"ipset restore refused the sets of case {c.Name}: {ierr.Trim()}");
        }
        var (rc, _, err) = lab.TryExec(node, "iptables-restore", c.Rules);
        if (rc != 0) throw new LabException($"iptables-restore refused the rules of case {c.Name}: {err.Trim()}");

        using var trace = KernelTrace.Start(lab, node);
        ushort id = 4000;
        var seqs = new TcpSequences();
        foreach (var p in c.Packets)
        {
            var (seq, ack) = seqs.Next(p);
            var ns = p.IsLocal ? node : p.InInterface == "eth0" ? pa : p.InInterface == "eth1" ? pb : throw new LabException($"case {c.Name}: packets enter on eth0 or eth1 only");
            var dev = p.IsLocal ? null : p.InInterface == "eth0" ? "p0" : "p1";
            NetnsThread.Run(ns, () =>
            {
                try { PacketSender.Send(p, dev ?? "", id++, seq, ack); }
                catch (System.Net.Sockets.SocketException e) when (p.IsLocal) { _ = e; /* EPERM: dropped in OUTPUT, an outcome */ }
            });
            Thread.Sleep(30);
        }
        Thread.Sleep(100);
        var events = trace.Stop(node, (t, ch) => KernelTrace.Handles(lab, node, t, ch));
        var saved = lab.Exec(node, "iptables-save -c");
        var kernel = SaveParser.Parse(saved, $"{c.Name}:kernel").Ruleset;

        // nfwalk on the same rules, topology and packets
        var parsed = SaveParser.Parse(c.Rules, c.RulesFile ?? $"{c.Name}.rules", IpFamily.V4);
        if (parsed.HasErrors) throw new LabException($"nfwalk could not parse case {c.Name}, which the kernel loaded: {string.Join("; ", parsed.Diagnostics)}");
        var rules = parsed.Ruleset;
        var net = new FibNetwork(LabRouting.State(c.ExtraAddresses));
        var setDiags = new Diagnostics.DiagnosticBag();
        var sets = c.Ipsets is null ? null : new IpSetLookup(IpsetSaveParser.Parse(c.Ipsets, $"{c.Name}.ipset", setDiags));
        if (setDiags.HasErrors) throw new LabException($"nfwalk could not read the ipsets of case {c.Name}, which the kernel loaded: {string.Join("; ", setDiags.Items)}");
        var sim = new Node { Name = "lab", Rules4 = rules, Network = net, SetTester = sets is null ? null : sets.Test };
        var walks = c.Packets.Select(p => NodeWalker.Walk(sim, p, new WalkOptions { IpForward = true, Verbose = false, SocketsKnown = true })).ToList();
        return new CaseResult(c.Name, Compare(kernel, rules, walks), walks) { Traces = SideBySide(rules, walks, events, 4000), Leaving = Leaves(walks, trace, 4000) };
    }

    /// <summary>The kernel's events and nfwalk's matched rules and policies, per packet, restricted to the chains of the input.</summary>
    internal static List<(string, IReadOnlyList<TraceEvent>, IReadOnlyList<TraceEvent>)> SideBySide(Ruleset input, List<WalkTrace> walks, Dictionary<int, List<TraceEvent>> events, int firstId)
    {
        bool Mine(string table, string chain) => TableNames.TryParse(table, out var tn) && input[tn]?.FindChain(chain) is { } c && (!c.IsBuiltin || c.IsDeclared);
        var list = new List<(string, IReadOnlyList<TraceEvent>, IReadOnlyList<TraceEvent>)>();
        for (int i = 0; i < walks.Count; i++)
        {
            var kernel = (events.GetValueOrDefault(firstId + i) ?? []).Where(e => Mine(e.Table, e.Chain)).Select(e => e with { Verdict = "" }).ToList();
            var ours = walks[i].Steps.Where(s => (s.Kind == StepKind.Rule && s.Matched == true) || s.Kind == StepKind.Policy)
                .Select(s => new TraceEvent(s.Table!, s.Chain!, s.Kind == StepKind.Policy ? 0 : s.Rule!.Value, "")).Where(e => Mine(e.Table, e.Chain)).ToList();
            list.Add((walks[i].Title, kernel, ours));
        }
        return list;
    }

    internal static List<(string, string?, string?)> Leaves(List<WalkTrace> walks, KernelTrace trace, int firstId)
        => walks.Select((w, i) => (w.Title, trace.Egress.GetValueOrDefault(firstId + i),
            w.Outcome.Kind == "sent" ? KernelTrace.Describe(w.Outcome.Interface!, w.Final.Source, w.Final.SourcePort?.ToString(), w.Final.Destination, w.Final.DestinationPort?.ToString()) : null)).ToList();

    internal static List<RuleCount> Compare(Ruleset kernel, Ruleset input, List<WalkTrace> walks)
    {
        var hits = new Dictionary<(string, string, int), ulong>();
        foreach (var w in walks)
            foreach (var s in w.Steps)
            {
                if (s.Kind == StepKind.Rule && s.Matched == true) Add(hits, (s.Table!, s.Chain!, s.Rule!.Value));
                else if (s.Kind == StepKind.Policy) Add(hits, (s.Table!, s.Chain!, 0));
            }
        var counts = new List<RuleCount>();
        foreach (var t in kernel.Tables)
            foreach (var ch in t.Chains)
            {
                // compare only chains the case declares (iptables-nft may add base chains the case did not mention)
                if (input[t.Name]?.FindChain(ch.Name) is not { } mine || (ch.IsBuiltin && !mine.IsDeclared)) continue;
                if (ch.IsBuiltin)
                    counts.Add(new RuleCount(t.Name.Name(), ch.Name, 0, $"policy {ch.Policy.ToString().ToUpperInvariant()}", ch.PolicyCounters?.Packets ?? 0, hits.GetValueOrDefault((t.Name.Name(), ch.Name, 0))));
                foreach (var r in ch.Rules)
                    counts.Add(new RuleCount(t.Name.Name(), ch.Name, r.Number, r.ToSaveText(false), r.Counters?.Packets ?? 0, hits.GetValueOrDefault((t.Name.Name(), ch.Name, r.Number))));
            }
        return counts;
    }

    private static void Add(Dictionary<(string, string, int), ulong> d, (string, string, int) k) => d[k] = d.GetValueOrDefault(k) + 1;
}

/// <summary>
/// Sequence and acknowledgement numbers that keep a crafted TCP exchange inside conntrack's window
/// (tcp_in_window: a SYN-ACK must acknowledge the SYN's sequence + 1, or the kernel calls it INVALID).
/// </summary>
internal sealed class TcpSequences
{
    private readonly Dictionary<(IpAddress, ushort, IpAddress, ushort), uint> _next = new();

    public (uint Seq, uint Ack) Next(PacketSpec p)
    {
        if (p.Protocol != Protocols.Tcp) return (0, 0);
        var fwd = (p.Source, p.SourcePort, p.Destination, p.DestinationPort);
        var back = (p.Destination, p.DestinationPort, p.Source, p.SourcePort);
        if (!_next.TryGetValue(fwd, out var seq)) seq = _next.ContainsKey(back) ? 5000u : 1000u;
        uint ack = _next.TryGetValue(back, out var a) ? a : 0;
        var f = p.TcpFlags;
        _next[fwd] = seq + ((f & Nfwalk.Model.Matches.TcpFlags.Syn) != 0 || (f & Nfwalk.Model.Matches.TcpFlags.Fin) != 0 ? 1u : 0u);
        return (seq, ack);
    }
}
