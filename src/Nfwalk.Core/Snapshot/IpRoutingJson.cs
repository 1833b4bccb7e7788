using System.Globalization;
using System.Text;
using System.Text.Json;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Snapshot;

/// <summary>The "ip -j" forms of ip rule, ip route show table all and ip -d addr, into the same records as the text parsers.</summary>
public static class IpRoutingJson
{
    private static JsonElement[]? Array(string text, string file, DiagnosticBag diags)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) { diags.Error(new SourceLocation(file, 1, 1), "expected a JSON array as \"ip -j\" prints"); return null; }
            return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
        }
        catch (JsonException e)
        {
            diags.Error(new SourceLocation(file, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1), $"not valid JSON: {e.Message}");
            return null;
        }
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;
    private static int? Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : null;

    public static List<PolicyRule> ParseRules(string text, string file, DiagnosticBag diags)
    {
        var list = new List<PolicyRule>();
        var items = Array(text, file, diags);
        if (items is null) return list;
        int n = 0;
        foreach (var r in items)
        {
            n++;
            var at = new SourceLocation(file, 1, n);
            IpPrefix? Prefix(string key, string lenKey)
            {
                var a = Str(r, key);
                if (a is null or "all") return null;
                var len = Int(r, lenKey);
                return IpPrefix.TryParse(len is { } l ? $"{a}/{l}" : a, out var p) ? p : null;
            }
            uint? mark = Str(r, "fwmark") is { } fm && Values.TryUInt(fm, out var mv) ? mv : null;
            uint mask = Str(r, "fwmask") is { } mm && Values.TryUInt(mm, out var mk) ? mk : uint.MaxValue;
            string action = Int(r, "goto") is not null ? "goto" : Str(r, "action") ?? "lookup";
            list.Add(new PolicyRule(Int(r, "priority") ?? 0, r.TryGetProperty("not", out _), Prefix("src", "srclen"), Prefix("dst", "dstlen"),
                Str(r, "iif"), Str(r, "oif"), mark, mask, action, Str(r, "table"), Int(r, "goto"), at));
        }
        list.Sort((a, b) => a.Priority.CompareTo(b.Priority));
        return list;
    }

    public static List<RouteEntry> ParseRoutes(string text, string file, DiagnosticBag diags)
    {
        var list = new List<RouteEntry>();
        var items = Array(text, file, diags);
        if (items is null) return list;
        int n = 0;
        foreach (var r in items)
        {
            n++;
            var type = Str(r, "type") ?? "unicast";
            var dstText = Str(r, "dst") ?? "default";
            var dst = dstText == "default" ? IpPrefix.Parse(Str(r, "gateway")?.Contains(':') == true ? "::/0" : "0.0.0.0/0") : IpPrefix.TryParse(dstText, out var p) ? p : (IpPrefix?)null;
            if (dst is null) { diags.Warning(new SourceLocation(file, 1, n), $"route destination \"{dstText}\" not understood"); continue; }
            IpAddress? gw = Str(r, "gateway") is { } g && IpAddress.TryParse(g, out var ga) ? ga : null;
            IpAddress? src = Str(r, "prefsrc") is { } s && IpAddress.TryParse(s, out var sa) ? sa : null;
            var table = Str(r, "table") ?? "main";
            var dev = Str(r, "dev");
            bool onlink = r.TryGetProperty("flags", out var flags) && flags.ValueKind == JsonValueKind.Array && flags.EnumerateArray().Any(f => f.GetString() == "onlink");
            var scope = Str(r, "scope") ?? (type == "local" ? "host" : "global");
            var sb = new StringBuilder();
            if (type != "unicast") sb.Append(type).Append(' ');
            sb.Append(dstText);
            if (gw is not null) sb.Append(" via ").Append(gw);
            if (dev is not null) sb.Append(" dev ").Append(dev);
            if (table != "main") sb.Append(" table ").Append(table);
            if (Str(r, "protocol") is { } proto) sb.Append(" proto ").Append(proto);
            if (Str(r, "scope") is { } sc) sb.Append(" scope ").Append(sc);
            if (src is not null) sb.Append(" src ").Append(src);
            if (Int(r, "metric") is { } m and > 0) sb.Append(" metric ").Append(m.ToString(CultureInfo.InvariantCulture));
            if (onlink) sb.Append(" onlink");
            list.Add(new RouteEntry(table, type, dst.Value, gw, dev, src, Int(r, "metric") ?? 0, onlink, scope, sb.ToString(), new SourceLocation(file, 1, n)));
        }
        return list;
    }

    public static List<InterfaceEntry> ParseAddresses(string text, string file, DiagnosticBag diags)
    {
        var list = new List<InterfaceEntry>();
        var items = Array(text, file, diags);
        if (items is null) return list;
        foreach (var i in items)
        {
            var name = Str(i, "ifname");
            if (name is null) continue;
            string kind = name == "lo" ? "loopback" : "ethernet";
            int? vni = null, port = null; IpAddress? remote = null;
            if (i.TryGetProperty("linkinfo", out var li))
            {
                kind = Str(li, "info_kind") ?? kind;
                if (li.TryGetProperty("info_data", out var d))
                {
                    vni = Int(d, "id");
                    port = Int(d, "port");
                    if (Str(d, "remote") is { } rm && IpAddress.TryParse(rm, out var ra)) remote = ra;
                }
            }
            var entry = new InterfaceEntry(name, Int(i, "ifindex") ?? 0, kind, new()) { Vni = vni, Remote = remote, DstPort = port };
            if (i.TryGetProperty("addr_info", out var addrs))
                foreach (var a in addrs.EnumerateArray())
                    if (Str(a, "local") is { } local && IpPrefix.TryParse($"{local}/{Int(a, "prefixlen") ?? 32}", out var prefix))
                        entry.Addresses.Add((prefix, Str(a, "broadcast") is { } b && IpAddress.TryParse(b, out var ba) ? ba : null));
            list.Add(entry);
        }
        return list;
    }
}
