using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Parsing.Iproute2;
using Nfwalk.Semantics.Routing;
using Nfwalk.Snapshot;
using INodeNetwork = Nfwalk.Semantics.Walk.INodeNetwork;
using RouteKind = Nfwalk.Semantics.Walk.RouteKind;
using Nfwalk.Tests.Support;
using Xunit.Abstractions;

namespace Nfwalk.Tests.Routing;

/// <summary>
/// nfwalk's route decision against the kernel's. scripts/kernel/fib-diff.sh builds a throw-away namespace
/// (nfwfib-RANDOM, deleted in a finally even when the test fails) with veth interfaces, addresses, ip rules and tables
/// like an Istio ambient node's plus every rule selector and route type, dumps it in text and JSON, and answers several
/// hundred "ip -j route get" queries (locally generated with and without a source, bound to a device, received on each
/// interface; marks that take the goto, miss and fall through, hit unreachable/prohibit/blackhole rules and routes;
/// tos, ipproto/ports, uid, suppress_prefixlength, rp_filter). Both dumps are parsed and every query must get the same
/// type, device, gateway, source, table or errno from <see cref="Fib.Lookup"/>.
/// Needs root and "ip netns"; skipped otherwise.
/// </summary>
public class FibKernelDifferentialTests(ITestOutputHelper output)
{
    private static string? Unavailable()
        => KernelGate.Why() ?? (File.Exists(Script) ? null : $"{Script} is missing");

    private static string Script => Path.Combine(Repo.Root, "scripts", "kernel", "fib-diff.sh");

    private static (int Code, string Out, string Err) Run(string file, string args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { try { p.Kill(true); } catch { } return (-1, "", "timed out"); }
        return (p.ExitCode, o.Result, e.Result);
    }

    private sealed record Query(string Args, RouteQuery Q);

    private static IpAddress A(string s) => IpAddress.Parse(s);

    /// <summary>The queries: the kernel's "ip route get" arguments and the same question for nfwalk.</summary>
    private static List<Query> Queries()
    {
        var list = new List<Query>();
        void Add(string dst, uint mark = 0, string? iif = null, string? src = null, string? oif = null, byte tos = 0, string? proto = null,
            ushort sport = 0, ushort dport = 0, uint? uid = null)
        {
            var args = new StringBuilder("route get ").Append(dst);
            if (src is not null) args.Append(" from ").Append(src);
            if (iif is not null) args.Append(" iif ").Append(iif);
            if (oif is not null) args.Append(" oif ").Append(oif);
            if (mark != 0) args.Append(" mark 0x").Append(mark.ToString("x", CultureInfo.InvariantCulture));
            if (tos != 0) args.Append(" tos 0x").Append(tos.ToString("x2", CultureInfo.InvariantCulture));
            if (proto is not null) args.Append(" ipproto ").Append(proto);
            if (sport != 0) args.Append(" sport ").Append(sport);
            if (dport != 0) args.Append(" dport ").Append(dport);
            if (uid is { } u) args.Append(" uid ").Append(u);
            IpProtoNames.TryParse(proto ?? "0", out var p);
            list.Add(new Query(args.ToString(), new RouteQuery
            {
                Destination = A(dst), Source = src is null ? null : A(src), InInterface = iif, OutInterface = oif, Mark = mark, Tos = tos,
                Protocol = p, SourcePort = sport, DestinationPort = dport, Uid = uid,
            }));
        }

        string[] dsts =
        [
            "8.8.8.8", "10.244.1.4", "10.244.1.5", "10.244.1.6", "10.244.2.6", "10.244.0.9", "10.244.1.1", "172.18.0.3", "172.18.0.9",
            "172.18.255.255", "172.18.0.7", "10.99.1.7", "10.99.1.255", "169.254.9.9", "10.7.3.3", "10.7.1.1", "10.5.1.1", "10.8.1.1", "10.50.1.1",
            "10.61.1.1", "192.0.2.7", "192.0.3.7", "192.0.4.7", "192.0.5.7", "192.0.6.7", "192.0.7.7", "198.51.100.9", "203.0.113.5", "10.44.0.9",
            "10.123.4.5", "127.0.0.1", "10.1.0.77", "192.168.126.2", "192.168.127.2", "10.70.9.9", "10.71.0.1", "255.255.255.255",
        ];
        (string? Iif, string? Src)[] contexts =
        [
            (null, null), (null, "172.18.0.9"), (null, "10.244.1.1"), (null, "10.99.1.1"), (null, "169.254.5.1"), (null, "8.8.4.4"),
            ("eth0", "172.18.0.50"), ("eth0", "10.244.1.1"), ("eth0", "8.8.4.4"), ("wan0", "10.99.1.2"), ("wan0", "8.8.4.4"), ("wan0", "198.51.100.20"),
            ("vethpod", "10.244.1.5"), ("vethpod", "10.244.1.9"), ("vethzt", "10.244.1.4"), ("istioin", "192.168.126.2"), ("istioout", "8.8.4.4"),
            ("noaddr0", "10.50.0.2"), ("istioout", "10.244.1.1"), ("istioout", "0.0.0.0"), ("down0", "10.70.9.2"),
        ];
        foreach (var d in dsts)
            foreach (var (iif, src) in contexts)
                Add(d, iif: iif, src: src);
        uint[] marks = [0x1, 0x3, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x210, 0x220, 0x300, 0x400, 0x800, 0x1000];
        string[] markDsts = ["8.8.8.8", "10.244.1.5", "10.244.2.6", "172.18.0.3", "192.0.2.7", "192.0.3.7", "192.0.7.7", "10.7.3.3", "198.51.100.9", "10.44.0.9"];
        (string? Iif, string? Src)[] markContexts = [(null, null), ("eth0", "172.18.0.50"), ("vethpod", "10.244.1.5"), ("wan0", "10.99.1.2")];
        foreach (var m in marks)
            foreach (var d in markDsts)
                foreach (var (iif, src) in markContexts)
                    Add(d, mark: m, iif: iif, src: src);
        // bound to a device (SO_BINDTODEVICE / oif): rule 150 and the on-link assumption when nothing routes
        foreach (var d in new[] { "8.8.8.8", "10.244.1.4", "172.18.0.3", "10.99.1.7", "192.0.2.7", "10.1.0.77", "10.244.1.1", "172.18.255.255" })
            foreach (var oif in new[] { "eth0", "wan0", "vethzt", "noaddr0" })
                Add(d, oif: oif);
        // tos (rule 160, the tos route 10.8.0.0/16), ipproto/ports (rules 170/175), uid (rule 180)
        foreach (var d in new[] { "8.8.8.8", "10.8.1.1", "10.244.2.6" })
        {
            foreach (var tos in new byte[] { 0x10, 0x12, 0x14, 0x18, 0x1c, 0x04, 0xb8 }) { Add(d, tos: tos); Add(d, tos: tos, iif: "eth0", src: "172.18.0.50"); }
            Add(d, proto: "udp", dport: 53); Add(d, proto: "tcp", dport: 53); Add(d, proto: "udp", dport: 54);
            Add(d, proto: "tcp", sport: 1500, dport: 80); Add(d, proto: "tcp", sport: 2001, dport: 80); Add(d, proto: "udp", sport: 1500, dport: 80);
            Add(d, proto: "udp", dport: 53, iif: "wan0", src: "10.99.1.2");
            Add(d, uid: 1000); Add(d, uid: 2000); Add(d, uid: 2001); Add(d, uid: 999);
        }
        // IPv6: main, fwmark rule into table 300, local and anycast addresses, no route
        foreach (var d in new[] { "2001:db8:99::1", "2001:db8:77::1", "2001:db8:1::9", "fd00::9", "fd00::3", "2001:4860::8888" })
        {
            foreach (var m in new uint[] { 0, 0x100 })
                Add(d, mark: m);
            Add(d, src: "2001:db8:1::3");
        }
        return list;
    }

    /// <summary>What the kernel said, in a form both sides can be written in.</summary>
    private static string KernelAnswer(int rc, string text, out HashSet<string>? altGateways)
    {
        altGateways = null;
        if (rc != 0)
        {
            var errno = text switch
            {
                _ when text.Contains("Network is unreachable") => "ENETUNREACH",
                _ when text.Contains("No route to host") => "EHOSTUNREACH",
                _ when text.Contains("Permission denied") => "EACCES",
                _ when text.Contains("Invalid argument") => "EINVAL",
                _ when text.Contains("Invalid cross-device link") => "EXDEV",
                _ when text.Contains("No such device") => "ENODEV",
                _ => "?" + text.Trim(),
            };
            return "error " + errno;
        }
        var r = JsonDocument.Parse(text).RootElement[0];
        string S(string k) => r.TryGetProperty(k, out var v) ? v.GetString() ?? "-" : "-";
        var type = r.TryGetProperty("type", out var t) ? t.GetString()! : "unicast";
        // the packet's source: the one asked for ("from"; IPv6 then still prints the source it would have chosen as prefsrc),
        // else the one the kernel chose; "from" is :: for an IPv6 query without one
        var from = S("from");
        var src = from is not ("-" or "::" or "0.0.0.0") ? from : r.TryGetProperty("prefsrc", out var ps) ? ps.GetString()! : "-";
        var table = r.TryGetProperty("table", out var tb) ? tb.GetString()! : "main";
        return $"{type} dev {S("dev")} via {S("gateway")} src {src} table {table}";
    }

    private static string Ours(RouteDecision d)
    {
        if (d.Error is not null) return "error " + d.Error;
        var src = d.Source is { } a && a.Value != UInt128.Zero ? a.ToString() : "-";
        return $"{d.Type.Name()} dev {d.OutInterface ?? "-"} via {d.Gateway?.ToString() ?? "-"} src {src} table {d.Table?.Name ?? "main"}";
    }

    /// <summary>
    /// The product's path (what the old SnapshotNetwork test checked): each dump alone in a snapshot directory (text forms
    /// only, JSON forms only), loaded by
    /// <see cref="NodeSnapshot.Load"/> and asked through the walk's <see cref="INodeNetwork"/> view (<see cref="FibNetwork"/>),
    /// for the queries a walk can ask (no output device, no uid): the kind of decision, the device and the gateway must be the kernel's.
    /// </summary>
    private static List<string> ThroughSnapshots(string dir, List<Query> queries, Dictionary<int, (int Rc, string Text)> answers, ref int compared)
    {
        var failures = new List<string>();
        var forms = new (string Form, string[] Files)[]
        {
            ("snapshot text", ["ip-rule.txt", "ip-rule6.txt", "ip-route.txt", "ip-addr.txt", "sysctl.txt"]),
            // interfaces from "ip -j -d addr" alone (its linkinfo gives the kinds), without ip-link.json
            ("snapshot json", ["ip-rule.json", "ip-rule6.json", "ip-route.json", "ip-addr.json", "sysctl.txt"]),
        };
        foreach (var (form, files) in forms)
        {
            var snapDir = Path.Combine(dir, form.Replace(' ', '-'));
            Directory.CreateDirectory(snapDir);
            foreach (var f in files) File.Copy(Path.Combine(dir, f), Path.Combine(snapDir, f));
            var snap = NodeSnapshot.Load(snapDir);
            Assert.DoesNotContain(snap.Diagnostics, d => d.Severity != Severity.Info);
            Assert.Contains(snap.Routing.Interfaces, i => i.Name == "eth0" && i.Kind == InterfaceKind.Veth);
            INodeNetwork net = snap.Network;
            for (int i = 0; i < queries.Count; i++)
            {
                var q = queries[i].Q;
                if (q.OutInterface is not null || q.Uid is not null) continue;
                var (krc, ktext) = answers[i + 1];
                string kernel;
                if (krc != 0) kernel = KernelAnswer(krc, ktext, out _) switch
                {
                    "error ENETUNREACH" => "NoRoute", "error EHOSTUNREACH" => "Unreachable", "error EACCES" => "Prohibit", "error EINVAL" or "error EXDEV" => "Blackhole", var e => e,
                };
                else
                {
                    var r = JsonDocument.Parse(ktext).RootElement[0];
                    var type = r.TryGetProperty("type", out var t) ? t.GetString() : "unicast";
                    kernel = type is "local" or "broadcast" && q.InInterface is not null || type == "local" ? "Local"
                        : $"{r.GetProperty("dev").GetString()} via {(r.TryGetProperty("gateway", out var g) ? g.GetString() : "-")}";
                }
                var ours = net.Route(new Nfwalk.Semantics.Walk.RouteQuery(q.Family, q.Destination, q.Source, q.InInterface, q.Mark, q.Tos, q.Protocol, q.SourcePort, q.DestinationPort));
                var mine = ours.Kind switch
                {
                    RouteKind.Local => "Local",
                    RouteKind.Forward => $"{ours.OutInterface} via {ours.Gateway?.ToString() ?? "-"}",
                    var k => k.ToString(),
                };
                compared++;
                if (mine == kernel) continue;
                // the walk's RouteKind does not tell an unreachable rule (ENETUNREACH, as for no route at all) from an unreachable route (EHOSTUNREACH)
                if (kernel == "NoRoute" && mine == "Unreachable" && ours.Summary.Contains("(ENETUNREACH)", StringComparison.Ordinal)) continue;
                if (ours.Kind == RouteKind.Forward && kernel.Contains(" via ", StringComparison.Ordinal) && ours.Steps.Any(s => s.Contains("next hops", StringComparison.Ordinal))) continue; // multipath
                failures.Add($"[{form}] ip {queries[i].Args}\n    kernel: {kernel}\n    nfwalk: {mine} — {ours.Summary}\n      " + string.Join("\n      ", ours.Steps));
            }
        }
        return failures;
    }

    [SkippableFact]
    public void Route_decisions_agree_with_ip_route_get_for_the_text_and_the_json_dumps()
    {
        var why = Unavailable(); Skip.If(why is not null, why);
        var ns = "nfwfib-" + Guid.NewGuid().ToString("N")[..8];
        var dir = Directory.CreateTempSubdirectory("nfwfib").FullName;
        try
        {
            var queries = Queries();
            var qfile = Path.Combine(dir, "queries.txt");
            File.WriteAllLines(qfile, queries.Select(q => q.Args));
            var sw = Stopwatch.StartNew();
            var (rc, o, e) = Run("bash", $"{Script} {dir} {qfile}", new Dictionary<string, string> { ["NFWFIB_NS"] = ns });
            Assert.True(rc == 0, $"fib-diff.sh failed ({rc}): {e}{o}");
            output.WriteLine($"kernel: {queries.Count} queries answered in {sw.ElapsedMilliseconds} ms");

            var answers = File.ReadAllLines(Path.Combine(dir, "answers.txt")).Select(l => l.Split('\t', 3)).ToDictionary(p => int.Parse(p[0], CultureInfo.InvariantCulture), p => (Rc: int.Parse(p[1], CultureInfo.InvariantCulture), Text: p.Length > 2 ? p[2] : ""));
            Assert.Equal(queries.Count, answers.Count);

            var diags = new DiagnosticBag();
            string F(string n) => File.ReadAllText(Path.Combine(dir, n));
            var text = new RoutingStateBuilder(diags)
                .AddRulesText(F("ip-rule.txt"), "ip-rule.txt").AddRulesText(F("ip-rule6.txt"), "ip-rule6.txt", IpFamily.V6)
                .AddRoutesText(F("ip-route.txt"), "ip-route.txt").AddInterfacesText(F("ip-addr.txt"), "ip-addr.txt")
                .AddSysctlsText(F("sysctl.txt"), "sysctl.txt").Build();
            var json = new RoutingStateBuilder(diags)
                .AddRulesJson(F("ip-rule.json"), "ip-rule.json").AddRulesJson(F("ip-rule6.json"), "ip-rule6.json", IpFamily.V6)
                .AddRoutesJson(F("ip-route.json"), "ip-route.json").AddInterfacesJson(F("ip-addr.json"), "ip-addr.json")
                .AddInterfacesJson(F("ip-link.json"), "ip-link.json").AddSysctlsText(F("sysctl.txt"), "sysctl.txt").Build();
            foreach (var d in diags.Items) output.WriteLine(d.ToString());
            Assert.Empty(diags.Items.Where(d => d.Severity != Severity.Info));
            Assert.Equal(text.RulesV4.Select(r => r.ToString()), json.RulesV4.Select(r => r.ToString()));
            Assert.Equal(text.Routes.Count(), json.Routes.Count());

            var failures = new List<string>();
            int compared = 0;
            var fibs = new[] { ("text", new Fib(text)), ("json", new Fib(json)) };
            for (int i = 0; i < queries.Count; i++)
            {
                var (krc, ktext) = answers[i + 1];
                var kernel = KernelAnswer(krc, ktext, out _);
                foreach (var (form, fib) in fibs)
                {
                    var d = fib.Lookup(queries[i].Q);
                    var ours = Ours(d);
                    compared++;
                    if (ours == kernel) continue;
                    // a multipath route: the kernel hashes the flow onto one of the next hops
                    if (d.Route is { IsMultipath: true } mp && kernel.StartsWith($"{d.Type.Name()} dev {d.OutInterface} via ", StringComparison.Ordinal)
                        && mp.Paths.Any(p => kernel == $"{d.Type.Name()} dev {p.Device} via {p.Gateway} src {d.Source?.ToString() ?? "-"} table {d.Table?.Name ?? "main"}"))
                        continue;
                    failures.Add($"[{form}] ip {queries[i].Args}\n    kernel: {kernel}\n    nfwalk: {ours} — {d.Summary}\n      " + string.Join("\n      ", d.Steps.Select(s => s.Text)));
                }
            }
            failures.AddRange(ThroughSnapshots(dir, queries, answers, ref compared));
            if (Environment.GetEnvironmentVariable("NFWFIB_REPORT") is { Length: > 0 } report) File.WriteAllText(report, string.Join("\n", failures));
            output.WriteLine($"{compared} decisions compared ({queries.Count} queries × text and JSON dumps, and through snapshot directories), {failures.Count} differ");
            Assert.True(failures.Count == 0, $"{failures.Count} of {compared} decisions differ from the kernel's:\n" + string.Join("\n", failures.Take(40)));
        }
        finally
        {
            Run("ip", $"netns del {ns}");
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
