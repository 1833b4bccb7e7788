using System.Globalization;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;

namespace Nfwalk.Parsing.Iproute2;

/// <summary>
/// Reads routes as iproute2 prints them: <c>ip route show table all</c> (and <c>ip -6 route show table all</c>) text, and
/// <c>ip -j route show table all</c> JSON. Every line that is not in table main carries "table X"; "local"/"broadcast"/...
/// before the prefix is the route type; multipath routes continue on tab-indented "nexthop" lines.
/// A "default" route without addresses takes the family of the route before it (dumps list IPv4 before IPv6), or
/// IPv6 when it has IPv6-only attributes ("pref"). Bad input never throws: unknown words are kept on the route and
/// reported as warnings with file:line:column, unreadable lines are reported and skipped, the rest is read.
/// Written for large tables: no regular expressions, one pass, strings interned.
/// </summary>
public static class IpRouteParser
{
    private sealed class Draft
    {
        public RouteTableId Table = RouteTableId.Main;
        public RouteType Type = RouteType.Unicast;
        public IpPrefix? Destination;
        public bool DefaultWithoutFamily;
        public IpPrefix? SourcePrefix;
        public byte Tos;
        public IpAddress? Gateway;
        public string? Device;
        public bool OnLink;
        public Scope Scope = Scope.Global;
        public string? Protocol;
        public IpAddress? PreferredSource;
        public uint Metric;
        public List<NextHop>? NextHops;
        public List<string>? Flags;
        public string? Preference;
        public uint? NhId;
        public List<string>? Attributes;
        public List<string>? Unknown;
        public SourceLocation Location;
        public IpFamily? HintFamily;

        // the next hop being read (multipath)
        public IpAddress? NhGateway; public string? NhDevice; public int NhWeight = 1; public bool NhOnLink; public List<string>? NhFlags; public bool InNextHop;

        public void CloseNextHop()
        {
            if (!InNextHop) return;
            (NextHops ??= new List<NextHop>()).Add(new NextHop(NhGateway, NhDevice, NhWeight, NhOnLink, (IReadOnlyList<string>?)NhFlags ?? []));
            NhGateway = null; NhDevice = null; NhWeight = 1; NhOnLink = false; NhFlags = null; InNextHop = false;
        }
    }

    private static readonly HashSet<string> RouteFlags = new(StringComparer.Ordinal)
    { "dead", "pervasive", "offload", "trap", "notify", "linkdown", "unresolved", "rt_offload", "rt_trap", "rt_offload_failed" };

    private static readonly HashSet<string> Metrics = new(StringComparer.Ordinal)
    { "mtu", "advmss", "window", "rtt", "rttvar", "reordering", "ssthresh", "cwnd", "initcwnd", "initrwnd", "features", "quickack", "congctl",
      "hoplimit", "rto_min", "fastopen_no_cookie", "realm", "realms", "expires", "error", "age", "users", "used", "ipid", "ttl-propagate" };

    public static IReadOnlyList<Route> ParseText(string text, string file, DiagnosticBag diagnostics, IpFamily? family = null)
    {
        var report = new Reporter(file, diagnostics);
        var routes = new List<Route>();
        var words = new List<Word>();
        var strings = new StringCache();
        Draft? current = null;
        IpFamily lastFamily = family ?? IpFamily.V4;

        void Finish()
        {
            if (current is null) return;
            current.CloseNextHop();
            var r = Build(current, ref lastFamily, report);
            if (r is not null) routes.Add(r);
            current = null;
        }

        TextLines.ForEach(text, (lineNo, line) =>
        {
            if (TextLines.IsBlankOrComment(line)) return;
            TextLines.Words(line, words);
            bool continuation = (line[0] == ' ' || line[0] == '\t') && words[0].Of(line) is "nexthop";
            if (continuation && current is not null)
            {
                ReadWords(current, line, words, 0, lineNo, report, strings);
                return;
            }
            if (continuation) { report.Warning(lineNo, words[0].Column, "\"nexthop\" line without a route before it; skipped"); return; }
            Finish();
            current = StartRoute(line, words, lineNo, report, strings, family);
        });
        Finish();
        return routes;
    }

    private static Draft? StartRoute(ReadOnlySpan<char> line, List<Word> words, int lineNo, Reporter report, StringCache strings, IpFamily? family)
    {
        var d = new Draft { Location = report.At(lineNo, words[0].Column), HintFamily = family };
        int i = 0;
        if (RouteTypeNames.TryParse(words[0].Of(line), out var type)) { d.Type = type; i = 1; }
        if (i >= words.Count) { report.Error(lineNo, words[0].Column, "route without a destination; line skipped"); return null; }
        var dst = words[i].Of(line);
        if (dst is "default" or "all" or "any")
        {
            d.DefaultWithoutFamily = true;
        }
        else if (IpPrefix.TryParse(dst, out var p))
        {
            if (p.Address.Value != p.Network.Value)
                report.Warning(lineNo, words[i].Column, $"route prefix {dst} has host bits set; the kernel refuses such a route (taken as {p.Network}/{p.Length})");
            d.Destination = new IpPrefix(p.Network, p.Length);
        }
        else
        {
            report.Error(lineNo, words[i].Column, $"\"{dst}\" is not a route destination (PREFIX, ADDRESS or default); line skipped");
            return null;
        }
        ReadWords(d, line, words, i + 1, lineNo, report, strings);
        return d;
    }

    private static void ReadWords(Draft d, ReadOnlySpan<char> line, List<Word> words, int start, int lineNo, Reporter report, StringCache strings)
    {
        for (int i = start; i < words.Count; i++)
        {
            var w = words[i];
            var s = w.Of(line);
            switch (s)
            {
                case "nexthop":
                    d.CloseNextHop();
                    d.InNextHop = true;
                    break;
                case "via":
                {
                    if (!Value(line, words, ref i, lineNo, report, out var v)) break;
                    if (v.Of(line) is "inet" or "inet6") { if (!Value(line, words, ref i, lineNo, report, out v)) break; }
                    if (!IpAddress.TryParse(v.Of(line), out var gw)) { report.Warning(lineNo, v.Column, $"\"{v.Of(line).ToString()}\" is not a gateway address; ignored"); (d.Unknown ??= new()).Add("via " + v.Of(line).ToString()); break; }
                    if (d.InNextHop) d.NhGateway = gw; else d.Gateway = gw;
                    break;
                }
                case "dev" or "oif":
                    if (!Value(line, words, ref i, lineNo, report, out var dv)) break;
                    if (d.InNextHop) d.NhDevice = strings.Get(dv.Of(line)); else d.Device = strings.Get(dv.Of(line));
                    break;
                case "weight":
                    if (!Value(line, words, ref i, lineNo, report, out var wv)) break;
                    if (Num.TryDec(wv.Of(line), out var weight) && weight >= 1) d.NhWeight = weight;
                    else report.Warning(lineNo, wv.Column, $"\"{wv.Of(line).ToString()}\" is not a nexthop weight; ignored");
                    break;
                case "onlink":
                    if (d.InNextHop) d.NhOnLink = true; else d.OnLink = true;
                    break;
                case "table":
                    if (!Value(line, words, ref i, lineNo, report, out var tv)) break;
                    if (RouteTableId.TryParse(tv.Of(line), out var t)) d.Table = t;
                    else report.Warning(lineNo, tv.Column, $"\"{tv.Of(line).ToString()}\" is not a routing table; route taken as in table main");
                    break;
                case "proto" or "protocol":
                    if (Value(line, words, ref i, lineNo, report, out var pv)) d.Protocol = strings.Get(pv.Of(line));
                    break;
                case "scope":
                    if (!Value(line, words, ref i, lineNo, report, out var sv)) break;
                    if (ScopeNames.TryParse(sv.Of(line), out var sc)) d.Scope = sc;
                    else report.Warning(lineNo, sv.Column, $"\"{sv.Of(line).ToString()}\" is not a scope; ignored");
                    break;
                case "src":
                    if (!Value(line, words, ref i, lineNo, report, out var srcv)) break;
                    if (IpAddress.TryParse(srcv.Of(line), out var src)) d.PreferredSource = src;
                    else report.Warning(lineNo, srcv.Column, $"\"{srcv.Of(line).ToString()}\" is not a source address; ignored");
                    break;
                case "from":
                    if (!Value(line, words, ref i, lineNo, report, out var fv)) break;
                    if (IpPrefix.TryParse(fv.Of(line), out var fp)) d.SourcePrefix = fp;
                    else report.Warning(lineNo, fv.Column, $"\"{fv.Of(line).ToString()}\" is not a source prefix; ignored");
                    break;
                case "metric" or "priority" or "preference":
                    if (!Value(line, words, ref i, lineNo, report, out var mv)) break;
                    if (Num.TryU32(mv.Of(line), out var metric)) d.Metric = metric;
                    else report.Warning(lineNo, mv.Column, $"\"{mv.Of(line).ToString()}\" is not a metric; ignored");
                    break;
                case "tos" or "dsfield":
                    if (!Value(line, words, ref i, lineNo, report, out var tosv)) break;
                    if (Num.TryHexByte(tosv.Of(line), out var tos)) d.Tos = tos;
                    else report.Warning(lineNo, tosv.Column, $"\"{tosv.Of(line).ToString()}\" is not a TOS value; ignored");
                    break;
                case "pref":
                    if (Value(line, words, ref i, lineNo, report, out var prefv)) d.Preference = strings.Get(prefv.Of(line));
                    d.HintFamily ??= IpFamily.V6;
                    break;
                case "nhid":
                    if (Value(line, words, ref i, lineNo, report, out var nv) && Num.TryU32(nv.Of(line), out var nhid)) d.NhId = nhid;
                    break;
                case "lock":
                    break;
                default:
                {
                    var str = s.ToString();
                    if (RouteFlags.Contains(str))
                    {
                        if (d.InNextHop) (d.NhFlags ??= new()).Add(strings.Get(s));
                        else (d.Flags ??= new()).Add(strings.Get(s));
                        break;
                    }
                    if (Metrics.Contains(str))
                    {
                        if (i + 1 < words.Count && words[i + 1].Of(line) is "lock") i++;
                        if (i + 1 < words.Count) { i++; str += " " + words[i].Of(line).ToString(); }
                        (d.Attributes ??= new()).Add(str);
                        break;
                    }
                    if (str == "cache") { (d.Attributes ??= new()).Add(str); break; }
                    if (i + 1 < words.Count && !IsRouteKeyword(words[i + 1].Of(line))) str += " " + words[++i].Of(line).ToString();
                    (d.Unknown ??= new()).Add(str);
                    report.Warning(lineNo, w.Column, $"ip route: \"{str}\" is not an attribute nfwalk knows; kept and ignored");
                    break;
                }
            }
        }
    }

    private static bool Value(ReadOnlySpan<char> line, List<Word> words, ref int i, int lineNo, Reporter report, out Word value)
    {
        if (i + 1 < words.Count) { value = words[++i]; return true; }
        report.Warning(lineNo, words[i].Column, $"\"{words[i].Of(line).ToString()}\" needs a value; ignored");
        value = default;
        return false;
    }

    private static bool IsRouteKeyword(ReadOnlySpan<char> s) => s is "nexthop" or "via" or "dev" or "weight" or "onlink" or "table" or "proto" or "scope" or "src"
        or "from" or "metric" or "tos" or "pref" or "nhid" or "mtu" or "advmss" or "expires";

    private static Route? Build(Draft d, ref IpFamily lastFamily, Reporter report)
    {
        IpFamily? fam = d.Destination?.Family ?? d.Gateway?.Family ?? d.PreferredSource?.Family ?? d.NextHops?.FirstOrDefault(n => n.Gateway is not null)?.Gateway?.Family;
        // a v4 route can have an IPv6 gateway ("via inet6"), so the destination decides when it is known
        if (d.Destination is null)
        {
            var f = d.PreferredSource?.Family ?? d.HintFamily ?? (d.Gateway?.Family) ?? d.NextHops?.FirstOrDefault(n => n.Gateway is not null)?.Gateway?.Family ?? lastFamily;
            fam = f;
            d.Destination = new IpPrefix(f == IpFamily.V4 ? IpAddress.AnyV4 : IpAddress.AnyV6, 0);
        }
        lastFamily = fam ?? lastFamily;
        var dst = d.Destination.Value;
        if (d.Type is RouteType.Unicast or RouteType.Local or RouteType.Broadcast or RouteType.Anycast or RouteType.Multicast
            && d.Device is null && d.NextHops is null && d.NhId is null)
            report.Warning(d.Location.Line, d.Location.Column, $"{d.Type.Name()} route {dst} has no device; it cannot be used for forwarding");
        return new Route
        {
            Table = d.Table,
            Type = d.Type,
            Destination = dst,
            SourcePrefix = d.SourcePrefix,
            Tos = d.Tos,
            Gateway = d.Gateway,
            Device = d.Device,
            OnLink = d.OnLink,
            Scope = d.Scope,
            Protocol = d.Protocol,
            PreferredSource = d.PreferredSource,
            Metric = d.Metric,
            NextHops = (IReadOnlyList<NextHop>?)d.NextHops ?? [],
            Flags = (IReadOnlyList<string>?)d.Flags ?? [],
            Preference = d.Preference,
            NextHopId = d.NhId,
            Attributes = (IReadOnlyList<string>?)d.Attributes ?? [],
            UnknownWords = (IReadOnlyList<string>?)d.Unknown ?? [],
            Location = d.Location,
        };
    }

    private static readonly HashSet<string> KnownJsonKeys = new(StringComparer.Ordinal)
    {
        "type", "dst", "src", "from", "tos", "dsfield", "gateway", "via", "dev", "table", "protocol", "scope", "prefsrc", "metric", "flags", "nexthops",
        "pref", "nhid", "metrics", "flow", "expires", "cache", "encap", "family", "uid", "mark", "iif", "error", "ttl-propagate", "rta_table",
    };

    /// <summary>
    /// Routes of <c>ip -j route show table all</c>: {"type":"local","dst":"10.0.0.1","dev":"vA","table":"local","protocol":"kernel",
    /// "scope":"host","prefsrc":"10.0.0.1","flags":[]}, {"dst":"10.5.0.0/16","nexthops":[{"gateway":"172.18.0.5","dev":"eth0","weight":2,"flags":[]}]}.
    /// </summary>
    public static IReadOnlyList<Route> ParseJson(string json, string file, DiagnosticBag diagnostics, IpFamily? family = null)
    {
        var report = new Reporter(file, diagnostics);
        var routes = new List<Route>();
        var strings = new StringCache();
        IpFamily lastFamily = family ?? IpFamily.V4;
        foreach (var o in LocatedJson.TopArray(json, report, "ip -j route"))
        {
            if (o.Kind != System.Text.Json.JsonValueKind.Object) { report.Warning(o.Line, o.Column, "expected a route object; skipped"); continue; }
            var d = new Draft { Location = report.At(o.Line, o.Column), HintFamily = family };
            void Bad(string key, string expected)
            {
                var p = o.Property(key)!;
                report.Warning(p.Value.Line, p.Value.Column, $"\"{key}\": \"{p.Value.Text}\" is not {expected}; ignored");
                (d.Unknown ??= new()).Add($"{key} {p.Value.Text}");
            }
            if (o.Str("type") is { } typeText)
            {
                if (RouteTypeNames.TryParse(typeText, out var type)) d.Type = type; else Bad("type", "a route type");
            }
            var dst = o.Str("dst");
            if (dst is null or "default" or "all" or "any") d.DefaultWithoutFamily = true;
            else if (IpPrefix.TryParse(dst, out var p)) d.Destination = new IpPrefix(p.Network, p.Length);
            else { var pp = o.Property("dst")!; report.Error(pp.Value.Line, pp.Value.Column, $"\"{dst}\" is not a route destination; route skipped"); continue; }
            if ((o.Str("tos") ?? o.Str("dsfield")) is { } tos) { if (Num.TryHexByte(tos, out var t)) d.Tos = t; else Bad(o.Has("tos") ? "tos" : "dsfield", "a TOS value"); }
            if (o.Str("from") is { } from) { if (IpPrefix.TryParse(from, out var fp)) d.SourcePrefix = fp; else Bad("from", "a prefix"); }
            else if (o.Str("src") is { } srcPrefix && o.Has("srclen")) { if (IpPrefix.TryParse(srcPrefix, out var sp)) d.SourcePrefix = sp; }
            if (o.Str("gateway") is { } gw) { if (IpAddress.TryParse(gw, out var g)) d.Gateway = g; else Bad("gateway", "an address"); }
            else if (o["via"] is { } via && via.Str("host") is { } vh) { if (IpAddress.TryParse(vh, out var g)) d.Gateway = g; else Bad("via", "an address"); }
            if (o.Str("dev") is { } dev) d.Device = strings.Get(dev);
            if (o.Str("table") is { } table) { if (RouteTableId.TryParse(table, out var t)) d.Table = t; else Bad("table", "a routing table"); }
            if (o.Str("protocol") is { } proto) d.Protocol = strings.Get(proto);
            if (o.Str("scope") is { } scope) { if (ScopeNames.TryParse(scope, out var sc)) d.Scope = sc; else Bad("scope", "a scope"); }
            if (o.Str("prefsrc") is { } prefsrc) { if (IpAddress.TryParse(prefsrc, out var ps)) d.PreferredSource = ps; else Bad("prefsrc", "an address"); }
            if (o.Str("metric") is { } metric) { if (Num.TryU32(metric, out var m)) d.Metric = m; else Bad("metric", "a metric"); }
            if (o.Str("pref") is { } pref) { d.Preference = pref; d.HintFamily ??= IpFamily.V6; }
            if (o.Long("nhid") is { } nhid) d.NhId = (uint)nhid;
            foreach (var f in o.Strings("flags"))
            {
                if (f == "onlink") d.OnLink = true;
                else (d.Flags ??= new()).Add(strings.Get(f));
            }
            if (o["nexthops"] is { Items: { } nhs })
            {
                foreach (var nh in nhs)
                {
                    d.InNextHop = true;
                    if (nh.Str("gateway") is { } ng && IpAddress.TryParse(ng, out var nga)) d.NhGateway = nga;
                    else if (nh["via"] is { } nvia && nvia.Str("host") is { } nvh && IpAddress.TryParse(nvh, out var nva)) d.NhGateway = nva;
                    if (nh.Str("dev") is { } nd) d.NhDevice = strings.Get(nd);
                    if (nh.Long("weight") is { } w) d.NhWeight = (int)w;
                    foreach (var f in nh.Strings("flags")) { if (f == "onlink") d.NhOnLink = true; else (d.NhFlags ??= new()).Add(f); }
                    d.CloseNextHop();
                }
            }
            if (o["metrics"] is { Items: { } ms })
                foreach (var m in ms)
                    if (m.Properties is { } props)
                        foreach (var p2 in props) (d.Attributes ??= new()).Add($"{p2.Name} {p2.Value.Text}");
            if (o.Str("expires") is { } exp) (d.Attributes ??= new()).Add("expires " + exp);
            foreach (var p3 in o.Properties!)
            {
                if (KnownJsonKeys.Contains(p3.Name)) continue;
                (d.Unknown ??= new()).Add(p3.Value.Text is { } v ? $"{p3.Name} {v}" : p3.Name);
                report.Warning(p3.Line, p3.Column, $"ip route: \"{p3.Name}\" is not an attribute nfwalk knows; kept and ignored");
            }
            var r = Build(d, ref lastFamily, report);
            if (r is not null) routes.Add(r);
        }
        return routes;
    }
}
