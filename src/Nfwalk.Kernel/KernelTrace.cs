using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Nfwalk.Kernel;

/// <summary>One event of the kernel's own trace: a rule that matched (with its verdict) or a chain policy.</summary>
public sealed record TraceEvent(string Table, string Chain, int Rule, string Verdict)
{
    public override string ToString() => $"{Table} {Chain} {(Rule == 0 ? "policy" : "rule " + Rule)} → {Verdict}";
}

/// <summary>
/// The kernel's trace of the test packets: "nft -a monitor trace" in the node's namespace, with tracing switched on by a
/// separate nft table at a priority before raw (the user's tables are untouched). Events are grouped by the packet's IP id
/// (a packet looped back through lo gets a second trace id) and mapped to iptables rule numbers by their nft handles
/// ("nft -a list table"), never by rule text, which nft renders lossily.
/// </summary>
public sealed class KernelTrace : IDisposable
{
    private static readonly Regex Line = new(@"^trace id (\w+) ip (\S+) (\S+) (rule .*?# handle (\d+) \(verdict ([^)]*)\)|policy (\w+)|packet: .*?ip id (\d+))", RegexOptions.Compiled);
    private static readonly Regex Leaving = new(@"^trace id (\w+) ip nfwalk_trace post packet: .*?oif ""([^""]+)"".*? ip saddr (\S+) ip daddr (\S+) .*?ip id (\d+)(?:.*? (?:tcp|udp) sport (\d+) (?:tcp|udp) dport (\d+))?", RegexOptions.Compiled);
    private readonly Process _monitor;
    /// <summary>Per IP id: the packet as it left the node (output interface, addresses and ports after NAT).</summary>
    public Dictionary<int, string> Egress { get; } = new();
    private readonly List<string> _lines = new();

    private KernelTrace(Process p) => _monitor = p;

    public static KernelTrace Start(Lab lab, string ns)
    {
        // ip ids 1 and 2 are the harness's own probe packets: traced, then dropped before any iptables table sees them
        // the "post" chain runs after every table at POSTROUTING (after SNAT): its trace line shows the packet as it leaves
        lab.Exec(ns, "nft -f -", "table ip nfwalk_trace {\n chain pre {\n  type filter hook prerouting priority -350;\n  meta nftrace set 1\n }\n chain out {\n  type filter hook output priority -350;\n  meta nftrace set 1\n  ip id { 1, 2 } drop\n }\n chain post {\n  type filter hook postrouting priority 1000;\n }\n}\n");
        var psi = new ProcessStartInfo(Lab.Which("ip") ?? "ip", $"netns exec {ns} nft -a monitor trace") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var p = Process.Start(psi)!;
        var t = new KernelTrace(p);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (t._lines) t._lines.Add(e.Data); };
        p.BeginOutputReadLine();
        t.Sync(ns, 1);
        return t;
    }

    /// <summary>Sends a probe packet with this IP id from the node and waits until the monitor reports it: events sent before it have arrived.</summary>
    public void Sync(string ns, ushort probeId)
    {
        var probe = new Semantics.Walk.PacketSpec
        {
            Source = Model.Net.IpAddress.Parse("127.0.0.1"), Destination = Model.Net.IpAddress.Parse("127.0.0.1"),
            Protocol = Model.Net.Protocols.Udp, SourcePort = 9, DestinationPort = 9,
        };
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var marker = $"ip id {probeId} ";
        while (DateTime.UtcNow < deadline)
        {
            NetnsThread.Run(ns, () => { try { PacketSender.Send(probe, "", probeId); } catch (System.Net.Sockets.SocketException) { } });
            for (int i = 0; i < 10; i++)
            {
                lock (_lines) if (_lines.Any(l => l.Contains(marker))) return;
                Thread.Sleep(20);
            }
        }
        throw new LabException("nft monitor trace did not report the probe packet within 5 s");
    }

    /// <summary>Stops the monitor and returns the events per IP id, in kernel order.</summary>
    public Dictionary<int, List<TraceEvent>> Stop(string ns, Func<string, string, Dictionary<int, int>> handlesOf)
    {
        Sync(ns, 2);
        Dispose();
        var byTrace = new Dictionary<string, int>();
        var result = new Dictionary<int, List<TraceEvent>>();
        var handleMaps = new Dictionary<(string, string), Dictionary<int, int>>();
        List<string> lines;
        lock (_lines) lines = new List<string>(_lines);
        foreach (var l in lines)
        {
            var eg = Leaving.Match(l);
            if (eg.Success)
                Egress[int.Parse(eg.Groups[5].Value)] = Describe(eg.Groups[2].Value, eg.Groups[3].Value, eg.Groups[6].Success ? eg.Groups[6].Value : null, eg.Groups[4].Value, eg.Groups[7].Success ? eg.Groups[7].Value : null);
            var m = Line.Match(l);
            if (!m.Success) continue;
            var (id, table, chain) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            if (table.StartsWith("nfwalk_")) { if (m.Groups[8].Success) byTrace[id] = int.Parse(m.Groups[8].Value); continue; }
            if (m.Groups[8].Success) { byTrace[id] = int.Parse(m.Groups[8].Value); continue; }
            if (!byTrace.TryGetValue(id, out var ipId)) continue;
            if (!result.TryGetValue(ipId, out var list)) result[ipId] = list = new();
            if (m.Groups[5].Success)
            {
                if (!handleMaps.TryGetValue((table, chain), out var map)) handleMaps[(table, chain)] = map = handlesOf(table, chain);
                list.Add(new TraceEvent(table, chain, map.GetValueOrDefault(int.Parse(m.Groups[5].Value)), m.Groups[6].Value));
            }
            else list.Add(new TraceEvent(table, chain, 0, m.Groups[7].Value));
        }
        return result;
    }

    public static string Describe(string oif, string src, string? sport, string dst, string? dport)
        => $"out {oif}: {src}{(sport is null ? "" : ":" + sport)} -> {dst}{(dport is null ? "" : ":" + dport)}";

    /// <summary>Handle → 1-based iptables rule number for each chain of a table, from "nft -a list table ip TABLE".</summary>
    public static Dictionary<int, int> Handles(Lab lab, string ns, string table, string chain)
    {
        var map = new Dictionary<int, int>();
        var text = lab.Exec(ns, $"nft -a list chain ip {table} {chain}");
        int n = 0;
        foreach (var l in text.Split('\n'))
        {
            var t = l.Trim();
            if (t.StartsWith("chain ") || t.StartsWith("type ") || t.StartsWith("table ") || t == "}" || t.Length == 0) continue;
            var m = Regex.Match(t, @"# handle (\d+)$");
            if (m.Success) map[int.Parse(m.Groups[1].Value)] = ++n;
        }
        return map;
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { if (!_monitor.HasExited) _monitor.Kill(true); _monitor.WaitForExit(2000); } catch (InvalidOperationException) { }
        _monitor.Dispose();
    }
}
