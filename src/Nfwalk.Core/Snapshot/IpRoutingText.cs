using System.Globalization;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Snapshot;

/// <summary>One "ip rule" line: selectors and action (net/core/fib_rules.c fib_rule_match).</summary>
public sealed record PolicyRule(int Priority, bool Not, IpPrefix? From, IpPrefix? To, string? Iif, string? Oif, uint? FwMark, uint FwMask,
    string Action, string? Table, int? Goto, SourceLocation Location)
{
    public override string ToString()
        => $"{Priority}: {(Not ? "not " : "")}from {(From?.ToString() ?? "all")}{(To is { } t ? $" to {t}" : "")}{(Iif is { } i ? $" iif {i}" : "")}{(FwMark is { } m ? $" fwmark {Values.Hex(m)}{(FwMask != uint.MaxValue ? "/" + Values.Hex(FwMask) : "")}" : "")} {Action}{(Table is not null ? " " + Table : "")}{(Goto is { } g ? " " + g : "")}";
}

/// <summary>One route of "ip route show table all".</summary>
public sealed record RouteEntry(string Table, string Type, IpPrefix Destination, IpAddress? Gateway, string? Device, IpAddress? PreferredSource,
    int Metric, bool OnLink, string Scope, string Text, SourceLocation Location);

/// <summary>An interface of "ip -d addr" with its addresses and tunnel parameters.</summary>
public sealed record InterfaceEntry(string Name, int Index, string Kind, List<(IpPrefix Prefix, IpAddress? Broadcast)> Addresses)
{
    public int? Vni { get; set; }
    public IpAddress? Remote { get; set; }
    public int? DstPort { get; set; }
}

/// <summary>
/// Parsers for the text of "ip rule", "ip route show table all" and "ip -d addr" as iproute2 prints them.
/// Unknown words are kept out with a warning (file:line:column); nothing throws on bad input.
/// </summary>
public static class IpRoutingText
{
    private static readonly string[] RouteTypes = ["unicast", "local", "broadcast", "multicast", "anycast", "unreachable", "prohibit", "blackhole", "throw", "nat"];

    public static List<PolicyRule> ParseRules(string text, string file, DiagnosticBag diags)
    {
        var rules = new List<PolicyRule>();
        int n = 0;
        foreach (var raw in text.Split('\n'))
        {
            n++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            int colon = line.IndexOf(':');
            if (colon < 0 || !int.TryParse(line.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var prio))
            { diags.Warning(new SourceLocation(file, n, 1), "not an \"ip rule\" line (expected PRIORITY: selectors action)"); continue; }
            var w = line[(colon + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            bool not = false; IpPrefix? from = null, to = null; string? iif = null, oif = null, action = null, table = null; uint? mark = null; uint mask = uint.MaxValue; int? go = null;
            for (int i = 0; i < w.Length; i++)
            {
                string Next() => i + 1 < w.Length ? w[++i] : "";
                switch (w[i])
                {
                    case "not": not = true; break;
                    case "from": { var v = Next(); if (v != "all") from = Prefix(v); break; }
                    case "to": { var v = Next(); if (v != "all") to = Prefix(v); break; }
                    case "iif": iif = Next(); break;
                    case "oif": oif = Next(); break;
                    case "fwmark":
                    {
                        var v = Next();
                        if (Values.TryMarkMask(v, out var mv, out var mm, out _)) { mark = mv; mask = mm; }
                        else diags.Warning(new SourceLocation(file, n, colon + 2), $"bad fwmark \"{v}\"");
                        break;
                    }
                    case "lookup" or "table": action = "lookup"; table = Next(); break;
                    case "goto": action = "goto"; go = int.TryParse(Next(), out var g) ? g : null; break;
                    case "unreachable" or "prohibit" or "blackhole" or "nop": action = w[i]; break;
                    case "[detached]" or "proto" or "l3mdev": if (w[i] == "proto") Next(); break;
                    default: diags.Warning(new SourceLocation(file, n, line.IndexOf(w[i], StringComparison.Ordinal) + 1), $"ip rule selector \"{w[i]}\" is not modelled; ignored"); break;
                }
            }
            rules.Add(new PolicyRule(prio, not, from, to, iif, oif, mark, mask, action ?? "lookup", table, go, new SourceLocation(file, n, 1)));
        }
        rules.Sort((a, b) => a.Priority.CompareTo(b.Priority));
        return rules;
    }

    private static IpPrefix? Prefix(string s) => s == "default" ? IpPrefix.Parse("0.0.0.0/0") : IpPrefix.TryParse(s, out var p) ? p : null;

    public static List<RouteEntry> ParseRoutes(string text, string file, DiagnosticBag diags)
    {
        var routes = new List<RouteEntry>();
        int n = 0;
        foreach (var raw in text.Split('\n'))
        {
            n++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith("nexthop")) continue;
            var w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int i = 0;
            string type = "unicast";
            if (Array.IndexOf(RouteTypes, w[0]) >= 0) { type = w[0]; i = 1; }
            if (i >= w.Length) continue;
            var dst = w[i] == "default" ? (w.Contains("inet6") ? IpPrefix.Parse("::/0") : IpPrefix.Parse("0.0.0.0/0")) : IpPrefix.TryParse(w[i], out var p) ? p : (IpPrefix?)null;
            if (dst is null) { diags.Warning(new SourceLocation(file, n, 1), $"route destination \"{w[i]}\" not understood; line skipped"); continue; }
            string table = "main"; IpAddress? gw = null, src = null; string? dev = null; int metric = 0; bool onlink = false; string scope = type == "local" ? "host" : "global";
            for (i++; i < w.Length; i++)
            {
                string Next() => i + 1 < w.Length ? w[++i] : "";
                switch (w[i])
                {
                    case "via": { var v = Next(); if (v is "inet" or "inet6") v = Next(); if (IpAddress.TryParse(v, out var a)) gw = a; break; }
                    case "dev": dev = Next(); break;
                    case "table": table = Next(); break;
                    case "src": if (IpAddress.TryParse(Next(), out var s)) src = s; break;
                    case "metric": int.TryParse(Next(), out metric); break;
                    case "scope": scope = Next(); break;
                    case "onlink": onlink = true; break;
                    case "proto" or "pref" or "mtu" or "advmss" or "expires" or "weight" or "realm" or "hoplimit": Next(); break;
                    default: break;
                }
            }
            if (gw is not null && dst.Value.Length > 0 && scope == "global") { }
            routes.Add(new RouteEntry(table, type, dst.Value, gw, dev, src, metric, onlink, scope, line, new SourceLocation(file, n, 1)));
        }
        return routes;
    }

    public static List<InterfaceEntry> ParseAddresses(string text, string file, DiagnosticBag diags)
    {
        var list = new List<InterfaceEntry>();
        InterfaceEntry? cur = null;
        int n = 0;
        foreach (var raw in text.Split('\n'))
        {
            n++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (char.IsAsciiDigit(line[0]))
            {
                // "9: eth0@if10: <FLAGS> ..."
                var parts = line.Split(':', 3);
                if (parts.Length < 3) { diags.Warning(new SourceLocation(file, n, 1), "interface line not understood"); continue; }
                var name = parts[1].Trim();
                int at = name.IndexOf('@');
                if (at > 0) name = name[..at];
                cur = new InterfaceEntry(name, int.TryParse(parts[0], out var idx) ? idx : 0, name == "lo" ? "loopback" : "ethernet", new());
                list.Add(cur);
                continue;
            }
            if (cur is null) continue;
            var w = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (w.Length == 0) continue;
            switch (w[0])
            {
                case "inet" or "inet6" when w.Length > 1 && IpPrefix.TryParse(w[1], out var p):
                {
                    IpAddress? brd = null;
                    int b = Array.IndexOf(w, "brd");
                    if (b > 0 && b + 1 < w.Length && IpAddress.TryParse(w[b + 1], out var ba)) brd = ba;
                    cur.Addresses.Add((p, brd));
                    break;
                }
                case "veth" or "vxlan" or "geneve" or "bridge" or "dummy":
                    cur = cur with { Kind = w[0] };
                    list[^1] = cur;
                    for (int i = 1; i + 1 < w.Length; i++)
                    {
                        if (w[i] == "id" && int.TryParse(w[i + 1], out var vni)) cur.Vni = vni;
                        if (w[i] == "remote" && IpAddress.TryParse(w[i + 1], out var r)) cur.Remote = r;
                        if (w[i] == "dstport" && int.TryParse(w[i + 1], out var dp)) cur.DstPort = dp;
                    }
                    break;
            }
        }
        return list;
    }
}
