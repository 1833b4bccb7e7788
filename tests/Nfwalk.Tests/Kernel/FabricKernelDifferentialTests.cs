using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Nfwalk.Diagnostics;
using Nfwalk.Kernel;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Scenario;
using Nfwalk.Semantics.Fabric;
using Nfwalk.Semantics.Walk;
using Nfwalk.Tests.Support;
using Xunit.Abstractions;

namespace Nfwalk.Tests.Kernel;

/// <summary>
/// The multi-host walk against the real kernel: scripts/kernel/fabric-diff.sh builds client pod — node1 — (VXLAN 42 over
/// the underlay veth) — node2 — server pod in throw-away namespaces, dumps every namespace as a snapshot and a scenario,
/// and lets a real client send a UDP datagram into a VNI the far node lacks, then connect() (SYN, SYN-ACK, ACK), then node1
/// itself connect() to the server (re-routed into the tunnel by a mangle OUTPUT mark, answered over the underlay). nfwalk
/// loads that scenario and walks the same packets; for every host, every rule's kernel packet counter must equal the number of times nfwalk's walk matched
/// that rule (and every builtin chain's policy counter the times its policy was applied), the outer packets the kernel
/// captured must have nfwalk's addresses, destination port and VNI and a source port inside the range nfwalk says the
/// hash draws from (docs/tunnels.md facts 15/16: which port, nfwalk cannot know), and the connection must end where the
/// kernel's did. On any difference the test prints both side by side.
/// </summary>
public class FabricKernelDifferentialTests(ITestOutputHelper output)
{
    private static readonly string Script = Repo.Path_("scripts", "kernel", "fabric-diff.sh");

    /// <summary>Scenario host → its snapshot directory in the script's output.</summary>
    private static readonly (string Host, string Dir)[] Hosts = [("client", "c"), ("node1", "n1"), ("node2", "n2"), ("server", "s")];

    /// <summary>The packets the kernel exchanged before the counters were read: the handshake (connect() returned, the server accepted).</summary>
    private static readonly string[] Handshake = ["SYN", "SYN-ACK", "ACK"];

    [SkippableFact]
    public void A_tcp_handshake_across_a_real_vxlan_fabric_walks_as_in_the_kernel()
    {
        var why = KernelGate.Why("python3");
        Skip.If(why is not null, why);
        var dir = Directory.CreateTempSubdirectory("nfwfab-").FullName;
        try
        {
            var id = Guid.NewGuid().ToString("N")[..8];
            var sw = Stopwatch.StartNew();
            var (code, stdout, stderr) = Lab.Run("env", $"NFWFAB_ID={id} bash {Script} {dir}");
            output.WriteLine($"fabric-diff.sh: exit {code} in {sw.Elapsed.TotalSeconds:F1} s\n{stdout}{stderr}");
            Assert.DoesNotContain($"nfwfab-{id}-", Lab.Run("ip", "netns list").Out);
            if (code == 77)
            {
                if (Environment.GetEnvironmentVariable("NFWALK_REQUIRE_KERNEL") == "1")
                    Assert.Fail($"kernel tests are required here (NFWALK_REQUIRE_KERNEL=1) but fabric-diff.sh cannot run: {stderr.Trim()}");
                Skip.If(true, stderr.Trim());
            }
            Assert.True(code == 0, $"fabric-diff.sh failed (exit {code}): {stderr}");
            // two inner flows leave node1 by vx0; if the kernel's hash put them on one outer source port (about once in
            // 4000 runs with 61000-64999) they share one outer conntrack entry, which nfwalk cannot foresee (fact 16)
            var vx0Ports = Capture(Path.Combine(dir, "capture-n2.txt")).Where(c => c.GetValueOrDefault("vni") == "42")
                .GroupBy(c => c.GetValueOrDefault("isrc")).Select(g => g.First()["sport"]).ToList();
            Skip.If(vx0Ports.Count == 2 && vx0Ports[0] == vx0Ports[1],
                $"the kernel hashed both inner flows leaving node1's vx0 to outer source port {vx0Ports[0]}: their outer packets share one conntrack entry, which nfwalk cannot know; run again");
            var report = Compare(dir);
            output.WriteLine(report.Text);
            Assert.True(report.Differences.Count == 0,
                $"nfwalk and the kernel disagree ({report.Differences.Count}):\n  {string.Join("\n  ", report.Differences)}\n\n{report.Text}");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// The same comparison on a run of fabric-diff.sh recorded on Linux 6.18 (snapshots, counters, captures and the
    /// sockets' view in Data/scenarios/fabric-diff-kernel-run), so that machines that cannot create namespaces still
    /// check the walk against what the kernel did. It was recorded with node1's ip_local_port_range 61000 61009 (the script
    /// now uses 61000 64999) and holds the cases nfwalk once got wrong: the outer source port range (the kernel's 61001 and
    /// 61003; node2's vx0 srcport 5000 5010 → 5006), which nfwalk stated as 32768-60998 for every VXLAN device; VXLAN
    /// learning: node2's vx0 (learning, the default) learned from the SYN's outer that node1's vx0 is behind 192.0.2.11
    /// (node1 SNATs the outer), so the SYN-ACK's outer goes to 192.0.2.11, where nfwalk sent it to vx0's remote 192.0.2.1;
    /// and the stand-in outer port: nfwalk hashed both inner flows leaving vx0 (the pod's and node1's own connection) to
    /// 61003, so their outer packets shared one conntrack entry and the second skipped nat OUTPUT/POSTROUTING, where the
    /// kernel (61001, 61003) NATed both.
    /// </summary>
    [Fact]
    public void A_recorded_kernel_run_of_the_fabric_still_walks_as_the_kernel_did()
    {
        var report = Compare(Repo.Path_("tests", "Nfwalk.Tests", "Data", "scenarios", "fabric-diff-kernel-run"));
        output.WriteLine(report.Text);
        Assert.True(report.Differences.Count == 0,
            $"nfwalk and the recorded kernel run disagree ({report.Differences.Count}):\n  {string.Join("\n  ", report.Differences)}\n\n{report.Text}");
    }

    private sealed record Report(List<string> Differences, string Text);

    /// <summary>A rule or a builtin chain's policy in one host's tables.</summary>
    private sealed record Counter(string Host, string Table, string Chain, int? Rule, string Text)
    {
        public string Key => $"{Host} {Table} {Chain} {(Rule is { } r ? r.ToString(CultureInfo.InvariantCulture) : "policy")}";
    }

    private static Report Compare(string dir)
    {
        var diffs = new List<string>();
        var text = new StringBuilder();
        var result = File.ReadAllLines(Path.Combine(dir, "result.txt")).Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]);
        string R(string k) => result.GetValueOrDefault(k, "?");

        // ---- nfwalk: the same scenario, the same connection ------------------------------------------------------------
        var diags = new DiagnosticBag();
        var scenario = ScenarioParser.ParseFile(dir, diags);
        Assert.NotNull(scenario);
        var fabric = Fabric.Load(scenario!, diags);
        Assert.True(!diags.Items.Any(d => d.Severity == Severity.Error), string.Join("\n", diags.Items));
        // first the UDP probe into vx1 (VNI 43, which node2 lacks), as the script sent it, then the connection
        var probe = PathWalker.Walk(fabric, fabric.Host("client")!, new PacketSpec
        {
            Source = IpAddress.Parse("10.1.0.2"), Destination = IpAddress.Parse("10.3.0.5"), Protocol = Protocols.Udp, SourcePort = 5555, DestinationPort = 7,
        }, "UDP probe 10.1.0.2:5555 → 10.3.0.5:7 (VXLAN 43)");
        var walk = RequestWalker.Walk(fabric, fabric.Host("client")!, IpAddress.Parse("10.1.0.2"), IpAddress.Parse("10.96.0.10"), 80,
            "client", "10.96.0.10:80", clientPort: 40000);
        var conn = walk.Connections[0];
        // then node1's own connection (re-marked in mangle OUTPUT, re-routed into vx0; the SYN-ACK comes back over the underlay)
        var own = RequestWalker.Walk(fabric, fabric.Host("node1")!, IpAddress.Parse("192.0.2.1"), IpAddress.Parse("10.2.0.2"), 8080,
            "node1", "10.2.0.2:8080", clientPort: 40001);
        var ownConn = own.Connections[0];
        var handshake = conn.Packets.Where(p => Handshake.Contains(p.Label)).ToList();
        var ownHandshake = ownConn.Packets.Where(p => Handshake.Contains(p.Label)).Select(p => p with { Label = "own " + p.Label }).ToList();
        var legs = handshake.Prepend(new PacketLeg("probe", false, probe)).Concat(ownHandshake).ToList();

        // ---- per-rule counters ------------------------------------------------------------------------------------------
        var kernel = new Dictionary<string, (Counter C, long Packets)>();
        foreach (var (host, d) in Hosts)
            foreach (var (c, n) in ReadCounters(host, Path.Combine(dir, d, "counters.txt")))
                kernel[c.Key] = (c, n);
        var walked = new Dictionary<string, List<string>>();
        foreach (var leg in legs)
            foreach (var hop in leg.Journey.Hops)
                foreach (var s in hop.Trace.Steps)
                {
                    string? key = s is { Kind: StepKind.Rule, Matched: true } ? $"{hop.Host} {s.Table} {s.Chain} {s.Rule}"
                        : s.Kind == StepKind.Policy ? $"{hop.Host} {s.Table} {s.Chain} policy" : null;
                    if (key is null) continue;
                    if (!walked.TryGetValue(key, out var l)) walked[key] = l = [];
                    l.Add(leg.Label + (hop.IsOuter ? " (outer)" : ""));
                }
        text.AppendLine("per-rule packet counters: kernel | nfwalk (which packets of the handshake nfwalk matched there)");
        foreach (var key in kernel.Keys.Union(walked.Keys).OrderBy(k => Array.FindIndex(Hosts, h => k.StartsWith(h.Host + " ", StringComparison.Ordinal))).ThenBy(k => k, StringComparer.Ordinal))
        {
            var k = kernel.TryGetValue(key, out var kc) ? kc.Packets : 0;
            var w = walked.GetValueOrDefault(key) ?? [];
            var ruleText = kc.C?.Text ?? "(not in the kernel's tables)";
            if (k == 0 && w.Count == 0) continue;
            var same = k == w.Count;
            text.AppendLine($"  {(same ? "  " : "≠ ")}{key,-32} {k,3} | {w.Count,3} {string.Join(", ", w),-32} {Trim(ruleText)}");
            if (!same) diffs.Add($"{key}: kernel counted {k}, nfwalk matched {w.Count} ({(w.Count == 0 ? "none" : string.Join(", ", w))}): {Trim(ruleText)}");
        }

        // ---- the outer packets ------------------------------------------------------------------------------------------
        text.AppendLine("outer packets: kernel capture | nfwalk");
        CompareOuter(fabric, handshake, "node1", Capture(Path.Combine(dir, "capture-n2.txt")), "10.1.0.2", "10.2.0.2", diffs, text);
        CompareOuter(fabric, handshake, "node2", Capture(Path.Combine(dir, "capture-n1.txt")), "10.2.0.2", "10.1.0.2", diffs, text);
        CompareOuter(fabric, legs.Where(l => l.Label == "probe").ToList(), "node1", Capture(Path.Combine(dir, "capture-n2.txt")), "10.1.0.2", "10.3.0.5", diffs, text);
        CompareOuter(fabric, ownHandshake, "node1", Capture(Path.Combine(dir, "capture-n2.txt")), "192.0.2.1", "10.2.0.2", diffs, text);

        // ---- the marks nfwalk carried (the counters above hold the kernel's: every -m mark rule) ------------------------
        text.AppendLine("nfwalk's hops (mark at entry → at exit):");
        foreach (var leg in legs)
            text.AppendLine($"  {leg.Label,-8} " + string.Join(" → ", leg.Journey.Hops.Select(h =>
                $"{h.Host}{(h.IsOuter ? "(outer)" : "")}[{h.Entry}{(h.InInterface is { } i ? " " + i : "")} {h.Trace.Packet.Mark}→{h.Trace.Final.Mark}]")) + $" ⇒ {leg.Journey.End.Kind} on {leg.Journey.End.Host}");

        // ---- where it ended ---------------------------------------------------------------------------------------------
        // both connections: did connect() succeed, whom did the server accept and whom is the client connected to
        void Delivery(string who, string key, string prefix, List<PacketLeg> legs, ConnectionWalk c, RequestWalk w, bool clientEndsOnClient)
        {
            var syn = legs.First(l => l.Label == prefix + "SYN").Journey;
            var synAck = legs.FirstOrDefault(l => l.Label == prefix + "SYN-ACK")?.Journey;
            var accepted = $"{syn.Final.Source}:{syn.Final.SourcePort}";
            var peer = synAck is null ? "?" : $"{synAck.Final.Source}:{synAck.Final.SourcePort}";
            text.AppendLine($"{who}: kernel connected={R(key + "CONNECTED")} server accepted {R(key + "ACCEPTED")} peer {R(key + "PEER")} | " +
                            $"nfwalk established={c.Established} accepted on {c.AcceptingHost} by {c.AcceptedBy}, the server sees {accepted}, the client's peer {peer}");
            if (R(key + "CONNECTED") != "1") diffs.Add($"{who}: the kernel's connect() failed ({R(key + "CONNECT_ERROR")}): the fabric itself is broken");
            if (!c.Established || c.AcceptingHost != "server") diffs.Add($"{who}: nfwalk's connection is not established at the server: {w.Outcome}");
            if (R(key + "ACCEPTED") != accepted) diffs.Add($"{who}: the server's accept() saw {R(key + "ACCEPTED")}, nfwalk delivers the SYN from {accepted}");
            if (R(key + "PEER") != peer) diffs.Add($"{who}: the client's socket is connected to {R(key + "PEER")}, nfwalk's SYN-ACK arrives from {peer}");
            if (clientEndsOnClient && synAck is not null && synAck.End.Host != "client") diffs.Add($"{who}: nfwalk's SYN-ACK ends on {synAck.End.Host}: {synAck.End.Text}");
        }
        Delivery("the client pod's connection", "", "", handshake, conn, walk, clientEndsOnClient: true);
        Delivery("node1's own connection", "OWN_", "own ", ownHandshake, ownConn, own, clientEndsOnClient: false);
        // the probe: the kernel counted its outer in node2's INPUT and never saw its inner (the counters above); nfwalk must
        // end it there, dropped by the tunnel driver
        text.AppendLine($"UDP probe into VNI 43: nfwalk {probe.End.Kind} on {probe.End.Host}: {probe.End.Text}");
        if (probe.End is not { Kind: JourneyEndKind.Dropped, Host: "node2" }) diffs.Add($"the probe's outer reached node2's INPUT and its VNI 43 has no device there (the kernel dropped it in vxlan_rcv), but nfwalk says: {probe.End.Kind} on {probe.End.Host}: {probe.End.Text}");
        return new Report(diffs, text.ToString());
    }

    /// <summary>
    /// The outer packets host <paramref name="encapsulator"/> sent (the kernel's capture on the receiving underlay) against
    /// nfwalk's Encapsulated hops there: addresses after NAT, destination port, VNI, and the source port by range only.
    /// </summary>
    private static void CompareOuter(Fabric fabric, List<PacketLeg> legs, string encapsulator, List<Dictionary<string, string>> captured, string innerSource,
        string innerDestination, List<string> diffs, StringBuilder text)
    {
        var kernel = captured.Where(c => c.GetValueOrDefault("isrc") == innerSource && c.GetValueOrDefault("idst") == innerDestination).ToList();
        var ours = legs.SelectMany(l => l.Journey.Hops.Select((h, i) => (Leg: l, Hop: h, Index: i)))
            .Where(x => x.Hop.Host == encapsulator && x.Hop.Entry == HopEntry.Encapsulated).ToList();
        var host = fabric.Host(encapsulator)!;
        foreach (var (leg, hop, index) in ours)
        {
            var f = hop.Trace.Final;
            var dev = leg.Journey.Hops[index - 1].Trace.Outcome.Interface;
            var tun = dev is null ? null : host.InterfaceNamed(dev)?.Tunnel;
            var (min, max) = tun is null ? ((ushort)0, (ushort)0) : Encapsulation.SourcePortRange(tun, host);
            text.AppendLine($"  {leg.Label} via {encapsulator}:{dev}: nfwalk udp {f.Source}:{f.SourcePort} -> {f.Destination}:{f.DestinationPort} VNI {tun?.Vni} (source port hashed into {min}-{max})");
            if (f.SourcePort is not { } sp || sp < min || sp > max) diffs.Add($"{leg.Label}: nfwalk's own stand-in source port {f.SourcePort} is outside the range it states ({min}-{max})");
        }
        foreach (var c in kernel)
            text.AppendLine($"  kernel captured on {c.GetValueOrDefault("if")}: udp {c["src"]}:{c["sport"]} -> {c["dst"]}:{c["dport"]} VNI {c.GetValueOrDefault("vni")} (inner {c.GetValueOrDefault("isrc")}:{c.GetValueOrDefault("isport")} -> {c.GetValueOrDefault("idst")}:{c.GetValueOrDefault("idport")})");
        if (kernel.Count == 0) { diffs.Add($"the kernel sent no outer packet from {encapsulator} (nothing captured)"); return; }
        if (ours.Count == 0) { diffs.Add($"nfwalk does not encapsulate on {encapsulator}; the kernel did ({kernel.Count} outer packets)"); return; }
        // every packet of the inner flow hashes to the same port (fact 16): in the kernel, and in nfwalk
        if (kernel.Select(c => c["sport"]).Distinct().Count() != 1) diffs.Add($"the kernel's outer packets from {encapsulator} have different source ports: {string.Join(", ", kernel.Select(c => c["sport"]).Distinct())}");
        if (ours.Select(o => o.Hop.Trace.Final.SourcePort).Distinct().Count() != 1) diffs.Add($"nfwalk's outer packets from {encapsulator} have different source ports for one inner flow");
        var o0 = ours[0].Hop;
        var t0 = host.InterfaceNamed(ours[0].Leg.Journey.Hops[ours[0].Index - 1].Trace.Outcome.Interface!)?.Tunnel;
        var (lo, hi) = t0 is null ? ((ushort)0, (ushort)0) : Encapsulation.SourcePortRange(t0, host);
        var k0 = kernel[0];
        void Same(string what, string? kv, string? nv) { if (kv != nv) diffs.Add($"outer packet from {encapsulator}: {what} is {kv} in the kernel, {nv} in nfwalk"); }
        Same("source", k0["src"], o0.Trace.Final.Source);
        Same("destination", k0["dst"], o0.Trace.Final.Destination);
        Same("destination port", k0["dport"], o0.Trace.Final.DestinationPort?.ToString(CultureInfo.InvariantCulture));
        Same("VNI", k0.GetValueOrDefault("vni"), t0?.Vni?.ToString(CultureInfo.InvariantCulture));
        var ksp = int.Parse(k0["sport"], CultureInfo.InvariantCulture);
        if (ksp < lo || ksp > hi) diffs.Add($"outer packet from {encapsulator}: the kernel's source port {ksp} is outside the range nfwalk states ({lo}-{hi})");
    }

    /// <summary>iptables-save -c: every rule's packet counter by (table, chain, 1-based position), every builtin chain's policy counter.</summary>
    private static IEnumerable<(Counter, long)> ReadCounters(string host, string path)
    {
        string table = "";
        var position = new Dictionary<string, int>();
        var rule = new Regex(@"^\[(\d+):\d+\] -A (\S+) (.*)$");
        var policy = new Regex(@"^:(\S+) (ACCEPT|DROP) \[(\d+):\d+\]");
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith('*')) { table = line[1..].Trim(); position.Clear(); continue; }
            if (policy.Match(line) is { Success: true } p)
                yield return (new Counter(host, table, p.Groups[1].Value, null, $":{p.Groups[1].Value} {p.Groups[2].Value}"), long.Parse(p.Groups[3].Value, CultureInfo.InvariantCulture));
            else if (rule.Match(line) is { Success: true } m)
            {
                var chain = m.Groups[2].Value;
                var n = position[chain] = position.GetValueOrDefault(chain) + 1;
                yield return (new Counter(host, table, chain, n, $"-A {chain} {m.Groups[3].Value}"), long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>tunnel-pkt.py sniff lines ("if=eth0 src=A dst=B sport=N ..."), one per distinct packet.</summary>
    private static List<Dictionary<string, string>> Capture(string path)
        => !File.Exists(path) ? [] : File.ReadLines(path).Where(l => l.StartsWith("if=", StringComparison.Ordinal)).Distinct()
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(kv => kv.Split('=', 2)).Where(kv => kv.Length == 2)
                .ToDictionary(kv => kv[0], kv => kv[1]))
            .ToList();

    private static string Trim(string s) => s.Length <= 110 ? s : s[..107] + "...";
}
