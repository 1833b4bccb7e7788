using Nfwalk.Tests.Support;
using System.Text.Json;
using Nfwalk.Diagnostics;
using Nfwalk.Kernel;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;
using Nfwalk.Snapshot;
using Xunit.Abstractions;

namespace Nfwalk.Tests.Kernel;

/// <summary>
/// Policy routing against the kernel's own answer: a namespace gets ip rules and routes like the ambient node's, its
/// "ip rule", "ip route show table all" and "ip -d addr" are dumped in text and JSON, and for many (destination, mark,
/// input interface) queries nfwalk's lookup must give what "ip -j route get" gives (fib_rules.c fib_rule_match, fib_lookup).
/// </summary>
public class FibDifferentialTests(ITestOutputHelper output)
{

    [SkippableFact]
    public void Route_lookups_agree_with_ip_route_get_for_text_and_json_dumps()
    {
        var why = KernelGate.Why(); Skip.If(why is not null, why);
        using var lab = new Lab();
        var n = lab.Namespace("f");
        var p = lab.Namespace("g");
        lab.Veth(n, "eth0", p, "q0");
        lab.Veth(n, "vethzt", p, "q1");
        lab.Veth(n, "vethpod", p, "q2");
        foreach (var cmd in new[]
        {
            "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.vethzt.rp_filter=0 net.ipv4.conf.vethpod.rp_filter=0",
            "ip addr add 172.18.0.3/16 dev eth0", "ip addr add 10.244.1.1/32 dev vethzt", "ip addr add 10.244.1.1/32 dev vethpod",
            "ip route add 10.244.1.4 dev vethzt scope host", "ip route add 10.244.1.5 dev vethpod scope host",
            "ip route add default via 172.18.0.1 dev eth0", "ip route add 10.244.2.0/24 via 172.18.0.4 dev eth0",
            "ip route add table 100 10.244.1.4 dev vethzt scope link", "ip route add table 100 10.244.1.5 via 10.244.1.4 dev vethzt onlink",
            "ip route add table 101 10.244.1.4 dev vethzt scope link", "ip route add table 101 default via 10.244.1.4 dev vethzt onlink",
            "ip route add table 102 default via 10.244.1.4 dev vethzt onlink", "ip route add table 200 unreachable 192.0.2.0/24",
            "ip rule add pref 90 from 10.9.0.0/16 lookup 200", "ip rule add pref 100 fwmark 0x200/0x200 goto 32766",
            "ip rule add pref 101 fwmark 0x100/0x100 lookup 101", "ip rule add pref 102 fwmark 0x40/0x40 lookup 102",
            "ip rule add pref 103 lookup 100", "ip rule add pref 104 not iif lo fwmark 0x1 lookup 102",
        }) lab.Exec(n, cmd);

        var text = Directory.CreateTempSubdirectory("nfwfib-text").FullName;
        var json = Directory.CreateTempSubdirectory("nfwfib-json").FullName;
        try
        {
            File.WriteAllText(Path.Combine(text, "ip-rule.txt"), lab.Exec(n, "ip rule show"));
            File.WriteAllText(Path.Combine(text, "ip-route.txt"), lab.Exec(n, "ip route show table all"));
            File.WriteAllText(Path.Combine(text, "ip-addr.txt"), lab.Exec(n, "ip -d addr"));
            File.WriteAllText(Path.Combine(json, "ip-rule.json"), lab.Exec(n, "ip -j rule show"));
            File.WriteAllText(Path.Combine(json, "ip-route.json"), lab.Exec(n, "ip -j route show table all"));
            File.WriteAllText(Path.Combine(json, "ip-addr.json"), lab.Exec(n, "ip -j -d addr"));
            var diags = new DiagnosticBag();
            var nets = new[] { ("text", SnapshotNetwork.Load(text, diags, [])!), ("json", SnapshotNetwork.Load(json, diags, [])!) };
            Assert.DoesNotContain(diags.Items, d => d.Severity == Severity.Error);

            int checkedCount = 0;
            var failures = new List<string>();
            foreach (var dst in new[] { "10.244.2.6", "10.244.1.5", "10.244.1.4", "192.0.2.7", "8.8.8.8", "10.244.1.1", "172.18.0.9" })
            foreach (var mark in new uint[] { 0, 0x1, 0x40, 0x100, 0x200, 0x210, 0x220, 0x300 })
            foreach (var (iif, src) in new (string?, string?)[] { (null, null), ("eth0", "172.18.0.9"), ("vethpod", "10.244.1.5"), ("eth0", "10.9.1.1") })
            {
                var args = $"ip -j route get {dst}{(iif is null ? "" : $" from {src} iif {iif}")} mark {mark}";
                var (rc, o, e) = lab.TryExec(n, args);
                string kernel;
                // EHOSTUNREACH "No route to host" = an unreachable route/rule; ENETUNREACH "Network is unreachable" = no route at all
                if (rc != 0) kernel = e.Contains("No route to host") ? "unreachable" : e.Contains("Network is unreachable") ? "NoRoute" : "error:" + e.Trim();
                else
                {
                    var r = JsonDocument.Parse(o).RootElement[0];
                    var type = r.TryGetProperty("type", out var t) ? t.GetString() : "unicast";
                    kernel = type == "local" ? "local" : $"{r.GetProperty("dev").GetString()} via {(r.TryGetProperty("gateway", out var g) ? g.GetString() : "-")}";
                }
                foreach (var (form, net) in nets)
                {
                    var q = new RouteQuery(IpFamily.V4, IpAddress.Parse(dst), src is null ? null : IpAddress.Parse(src), iif, mark, 0, 6, 1, 1);
                    var ours = net.Route(q);
                    var mine = ours.Kind switch
                    {
                        RouteKind.Local => "local",
                        RouteKind.Forward => $"{ours.OutInterface} via {(ours.Gateway?.ToString() ?? "-")}",
                        RouteKind.Unreachable => "unreachable",
                        _ => ours.Kind.ToString(),
                    };
                    checkedCount++;
                    if (mine != kernel) failures.Add($"{form}: {args} → kernel {kernel}, nfwalk {mine} ({ours.Summary}; {string.Join("; ", ours.Steps)})");
                }
            }
            output.WriteLine($"{checkedCount} lookups compared");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally { Directory.Delete(text, true); Directory.Delete(json, true); }
    }
}
