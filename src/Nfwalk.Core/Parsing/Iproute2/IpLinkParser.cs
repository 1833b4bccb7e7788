using System.Globalization;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;

namespace Nfwalk.Parsing.Iproute2;

/// <summary>
/// Reads interfaces as iproute2 prints them: the text of <c>ip addr</c>, <c>ip -d addr</c>, <c>ip link</c> and <c>ip -d link</c>
/// ("9: eth0@if10: &lt;BROADCAST,MULTICAST,UP,LOWER_UP&gt; mtu 1500 ...", "    link/ether 02:42:ac:12:00:03 brd ... link-netnsid 0",
/// "    geneve id 1000 remote 10.244.1.4 ttl auto dstport 6081", "    inet 172.18.0.3/16 brd 172.18.255.255 scope global eth0"),
/// and the JSON of <c>ip -j [-d] addr</c> / <c>ip -j [-d] link</c>.
/// Link statistics and driver details that do not change routing are skipped without remark; address words it does not
/// know are reported as warnings (file:line:column) and kept in the address's flags.
/// </summary>
public static class IpLinkParser
{
    private sealed class Draft
    {
        public string Name = "";
        public int Index;
        public string? KindName;
        public string? LinkType;
        public int? Mtu;
        public List<string> Flags = new();
        public string? OperState;
        public string? Mac;
        public List<InterfaceAddress> Addresses = new();
        public string? LinkName; public int? LinkIndex; public string? LinkNetns; public int? LinkNetnsId;
        public TunnelInfo? Tunnel;
        public string? Master;
        public uint? VrfTable;
        public string? Group;
        public SourceLocation Location;

        public Interface Build() => new(
            Name, Index, InterfaceKinds.FromKernel(KindName, LinkType), KindName ?? LinkType, Mtu,
            Flags.Contains("UP"), Flags.Contains("LOWER_UP"), OperState, Flags, Mac, Addresses,
            LinkName is null && LinkIndex is null && LinkNetns is null && LinkNetnsId is null ? null : new PeerLink(LinkName, LinkIndex, LinkNetns, LinkNetnsId),
            Tunnel, Master, VrfTable, Group, Location);
    }

    private static readonly HashSet<string> AddressFlags = new(StringComparer.Ordinal)
    {
        "secondary", "temporary", "dynamic", "noprefixroute", "deprecated", "tentative", "dadfailed", "optimistic", "home", "nodad",
        "mngtmpaddr", "autojoin", "stable-privacy", "permanent", "primary",
    };

    private static readonly HashSet<string> GenericDetailWords = new(StringComparer.Ordinal)
    {
        "promiscuity", "allmulti", "minmtu", "maxmtu", "addrgenmode", "numtxqueues", "numrxqueues", "gso_max_size", "gso_max_segs",
        "tso_max_size", "tso_max_segs", "gro_max_size", "parentbus", "parentdev", "portid", "portname", "switchid", "vf", "prop", "alias",
    };

    public static IReadOnlyList<Interface> ParseText(string text, string file, DiagnosticBag diagnostics)
    {
        var report = new Reporter(file, diagnostics);
        var result = new List<Interface>();
        Draft? cur = null;
        var words = new List<Word>();
        TextLines.ForEach(text, (lineNo, span) =>
        {
            if (TextLines.IsBlankOrComment(span)) return;
            var line = span.ToString();
            TextLines.Words(line, words);
            if (char.IsAsciiDigit(line[0]))
            {
                if (cur is not null) result.Add(cur.Build());
                cur = Header(line, words, lineNo, report);
                return;
            }
            if (cur is null)
            {
                report.Warning(lineNo, words[0].Column, "line before the first interface (\"N: NAME: <FLAGS> ...\"); skipped");
                return;
            }
            if (line[0] != ' ' && line[0] != '\t')
            {
                report.Warning(lineNo, 1, "neither an interface line (\"N: NAME: <FLAGS> ...\") nor an indented detail of one; skipped");
                return;
            }
            var first = words[0].Of(line).ToString();
            if (first.StartsWith("link/", StringComparison.Ordinal)) { LinkLine(cur, line, words, first); return; }
            switch (first)
            {
                case "inet" or "inet6":
                    var a = AddressLine(cur, line, words, lineNo, report);
                    if (a is not null) cur.Addresses.Add(a);
                    return;
                case "valid_lft" or "preferred_lft" or "altname":
                    return;
            }
            if (first.EndsWith(':') || char.IsAsciiDigit(first[0]) || GenericDetailWords.Contains(first)) return; // statistics, generic details
            if (first.EndsWith("_slave", StringComparison.Ordinal))
            {
                if (first == "vrf_slave") for (int i = 1; i + 1 < words.Count; i++) if (words[i].Of(line) is "table" && Num.TryU32(words[i + 1].Of(line), out var t)) cur.VrfTable ??= t;
                return;
            }
            if (IsKindWord(first) && cur.KindName is null)
            {
                cur.KindName = first;
                KindLine(cur, line, words, lineNo, report);
                return;
            }
            if (!IsKindWord(first)) report.Warning(lineNo, words[0].Column, $"interface line \"{first} ...\" not understood; skipped");
        });
        if (cur is not null) result.Add(cur.Build());
        return result;
    }

    private static bool IsKindWord(string w)
    {
        foreach (var c in w) if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_' || c == '-')) return false;
        return w.Length > 0 && char.IsAsciiLetterLower(w[0]);
    }

    private static Draft? Header(string line, List<Word> words, int lineNo, Reporter report)
    {
        // IDX: NAME[@LINK]: <FLAGS> mtu N qdisc Q [master M] state S [mode M] group G [qlen N]
        int c1 = line.IndexOf(':');
        if (c1 < 0 || !Num.TryDec(line.AsSpan(0, c1), out var idx))
        {
            report.Error(lineNo, 1, "expected \"INDEX: NAME: <FLAGS>\"; interface skipped");
            return null;
        }
        int ns = c1 + 1;
        while (ns < line.Length && line[ns] == ' ') ns++;
        int c2 = line.IndexOf(':', ns);
        if (c2 < 0) { report.Error(lineNo, ns + 1, "interface name not followed by \":\"; interface skipped"); return null; }
        var full = line[ns..c2];
        var d = new Draft { Index = idx, Location = report.At(lineNo, 1) };
        int at = full.IndexOf('@');
        if (at > 0)
        {
            d.Name = full[..at];
            var link = full[(at + 1)..];
            if (link.StartsWith("if", StringComparison.Ordinal) && Num.TryDec(link.AsSpan(2), out var li)) d.LinkIndex = li;
            else if (link != "NONE") d.LinkName = link;
        }
        else d.Name = full;
        if (d.Name.Length == 0) { report.Error(lineNo, ns + 1, "empty interface name; interface skipped"); return null; }
        int lt = line.IndexOf('<', c2);
        int gt = lt < 0 ? -1 : line.IndexOf('>', lt);
        int rest = c2 + 1;
        if (lt >= 0 && gt > lt)
        {
            foreach (var f in line[(lt + 1)..gt].Split(',', StringSplitOptions.RemoveEmptyEntries)) d.Flags.Add(f);
            rest = gt + 1;
        }
        var tail = new List<Word>();
        TextLines.Words(line.AsSpan(rest), tail);
        for (int i = 0; i + 1 < tail.Count; i++)
        {
            var k = tail[i].Of(line.AsSpan(rest));
            var v = tail[i + 1].Of(line.AsSpan(rest)).ToString();
            switch (k)
            {
                case "mtu": if (Num.TryDec(v, out var mtu)) d.Mtu = mtu; i++; break;
                case "master": d.Master = v; i++; break;
                case "state": d.OperState = v; i++; break;
                case "group": d.Group = v; i++; break;
                case "qdisc" or "mode" or "qlen" or "link-netnsid": i++; break;
            }
        }
        return d;
    }

    private static void LinkLine(Draft d, string line, List<Word> words, string first)
    {
        d.LinkType = first["link/".Length..];
        for (int i = 1; i < words.Count; i++)
        {
            var w = words[i].Of(line);
            string? Next() => i + 1 < words.Count ? words[++i].Of(line).ToString() : null;
            switch (w)
            {
                case "brd" or "peer" or "permaddr": Next(); break;
                case "link-netns": d.LinkNetns = Next(); break;
                case "link-netnsid": if (Next() is { } id && Num.TryDec(id, out var nid)) d.LinkNetnsId = nid; break;
                default:
                    if (i == 1 && d.Mac is null && w.IndexOf(':') > 0) d.Mac = w.ToString();
                    break;
            }
        }
    }

    private static void KindLine(Draft d, string line, List<Word> words, int lineNo, Reporter report)
    {
        switch (d.KindName)
        {
            case "vxlan" or "geneve":
            {
                uint? vni = null; IpAddress? remote = null, local = null, group = null; int? port = null; string? ttl = null, dev = null; bool external = false;
                (ushort, ushort)? srcports = null;
                bool learning = true;
                for (int i = 1; i < words.Count; i++)
                {
                    var w = words[i].Of(line);
                    string? Next() => i + 1 < words.Count ? words[++i].Of(line).ToString() : null;
                    IpAddress? Addr(string key)
                    {
                        var col = i + 1 < words.Count ? words[i + 1].Column : words[i].Column;
                        var v = Next();
                        if (v is not null && IpAddress.TryParse(v, out var a)) return a;
                        report.Warning(lineNo, col, $"{d.KindName} {key}: \"{v}\" is not an address; ignored");
                        return null;
                    }
                    switch (w)
                    {
                        case "id" or "vni": if (Next() is { } v && Num.TryU32(v, out var id)) vni = id; break;
                        case "remote": remote = Addr("remote"); break;
                        case "local": local = Addr("local"); break;
                        case "group": group = Addr("group"); break;
                        case "dstport": if (Next() is { } p && Num.TryDec(p, out var dp)) port = dp; break;
                        case "ttl": ttl = Next(); break;
                        case "dev": dev = Next(); break;
                        case "srcport":
                            if (Next() is { } lo && Next() is { } hi && ushort.TryParse(lo, out var l) && ushort.TryParse(hi, out var h) && (l | h) != 0) srcports = (l, h); // "srcport 0 0": not set
                            break;
                        case "external": external = true; break;
                        case "nolearning": learning = false; break;
                    }
                }
                d.Tunnel = new TunnelInfo(d.KindName, external && vni is 0 ? null : vni, remote, local, group, port, ttl, dev, external) { SourcePorts = srcports, NoLearning = !learning };
                break;
            }
            case "vrf":
                for (int i = 1; i + 1 < words.Count; i++)
                    if (words[i].Of(line) is "table" && Num.TryU32(words[i + 1].Of(line), out var t)) d.VrfTable = t;
                break;
        }
    }

    private static InterfaceAddress? AddressLine(Draft d, string line, List<Word> words, int lineNo, Reporter report)
    {
        bool v6 = words[0].Of(line) is "inet6";
        if (words.Count < 2) { report.Warning(lineNo, words[0].Column, "address line without an address; skipped"); return null; }
        var first = words[1].Of(line);
        int slash = first.IndexOf('/');
        if (!IpAddress.TryParse(slash < 0 ? first : first[..slash], out var local) || local.IsV4 == v6)
        {
            report.Warning(lineNo, words[1].Column, $"\"{first.ToString()}\" is not an {(v6 ? "IPv6" : "IPv4")} address; skipped");
            return null;
        }
        int len = local.Bits;
        if (slash >= 0 && (!Num.TryDec(first[(slash + 1)..], out len) || len > local.Bits))
        {
            report.Warning(lineNo, words[1].Column + slash + 1, $"\"{first[(slash + 1)..].ToString()}\" is not a prefix length; address skipped");
            return null;
        }
        IpAddress? peer = null, brd = null; Scope scope = Scope.Global; bool secondary = false; string? label = null; uint? metric = null;
        var flags = new List<string>();
        for (int i = 2; i < words.Count; i++)
        {
            var w = words[i].Of(line).ToString();
            string? Next() => i + 1 < words.Count ? words[++i].Of(line).ToString() : null;
            switch (w)
            {
                case "peer":
                {
                    var col = i + 1 < words.Count ? words[i + 1].Column : words[i].Column;
                    var v = Next();
                    if (v is not null && IpPrefix.TryParse(v, out var pp)) { peer = pp.Address; len = pp.Length; }
                    else report.Warning(lineNo, col, $"peer \"{v}\" is not a prefix; ignored");
                    break;
                }
                case "brd":
                {
                    var v = Next();
                    if (v is not null && IpAddress.TryParse(v, out var b)) brd = b;
                    break;
                }
                case "any": Next(); break;
                case "scope":
                {
                    var col = i + 1 < words.Count ? words[i + 1].Column : words[i].Column;
                    var v = Next();
                    if (v is null || !ScopeNames.TryParse(v, out scope)) report.Warning(lineNo, col, $"\"{v}\" is not a scope; taken as global");
                    break;
                }
                case "metric": if (Next() is { } m && Num.TryU32(m, out var mv)) metric = mv; break;
                case "proto": Next(); break;
                case "label": label = Next(); break;
                default:
                    if (AddressFlags.Contains(w))
                    {
                        if (w == "secondary" && !v6) secondary = true;
                        else flags.Add(w);
                    }
                    else if (!v6 && i == words.Count - 1 && (w == d.Name || w.StartsWith(d.Name + ":", StringComparison.Ordinal) || !w.Contains('=')))
                        label = w;
                    else
                    {
                        report.Warning(lineNo, words[i].Column, $"address attribute \"{w}\" not understood; kept as a flag");
                        flags.Add(w);
                    }
                    break;
            }
        }
        return new InterfaceAddress(local, len, peer, brd, scope, secondary, label, flags, metric, report.At(lineNo, words[0].Column));
    }

    /// <summary>
    /// Interfaces of <c>ip -j [-d] addr</c> or <c>ip -j [-d] link</c>: {"ifindex":9,"ifname":"eth0","link_index":10,"link_netnsid":0,
    /// "flags":["BROADCAST","UP"],"mtu":1500,"address":"02:42:ac:12:00:03","linkinfo":{"info_kind":"geneve","info_data":{"id":1000,
    /// "remote":"10.244.1.4","port":6081}},"addr_info":[{"family":"inet","local":"172.18.0.3","prefixlen":16,"broadcast":"172.18.255.255",
    /// "scope":"global","secondary":true,"label":"eth0"}]}.
    /// </summary>
    public static IReadOnlyList<Interface> ParseJson(string json, string file, DiagnosticBag diagnostics)
    {
        var report = new Reporter(file, diagnostics);
        var result = new List<Interface>();
        foreach (var o in LocatedJson.TopArray(json, report, "ip -j addr"))
        {
            if (o.Kind != System.Text.Json.JsonValueKind.Object) { report.Warning(o.Line, o.Column, "expected an interface object; skipped"); continue; }
            var name = o.Str("ifname");
            if (name is null)
            {
                // "ip -j addr" prints {} for interfaces filtered out of the dump; nothing to read
                if (o.Properties!.Count > 0) report.Warning(o.Line, o.Column, "interface without \"ifname\"; skipped");
                continue;
            }
            var d = new Draft { Name = name, Index = (int)(o.Long("ifindex") ?? 0), Location = report.At(o.Line, o.Column) };
            d.Flags.AddRange(o.Strings("flags"));
            d.Mtu = (int?)o.Long("mtu");
            d.OperState = o.Str("operstate");
            d.Mac = o.Str("address");
            d.LinkType = o.Str("link_type");
            d.Master = o.Str("master");
            d.Group = o.Str("group");
            d.LinkName = o.Str("link");
            d.LinkIndex = (int?)o.Long("link_index");
            d.LinkNetnsId = (int?)o.Long("link_netnsid");
            d.LinkNetns = o.Str("link_netns");
            if (o["linkinfo"] is { } li)
            {
                d.KindName = li.Str("info_kind");
                if (li["info_data"] is { } data)
                {
                    if (d.KindName is "vxlan" or "geneve")
                    {
                        IpAddress? A(string k) => (data.Str(k) ?? data.Str(k + "6")) is { } s && IpAddress.TryParse(s, out var a) ? a : null;
                        var vni = data.Long("id") is { } id ? (uint)id : (uint?)null;
                        bool external = data.Has("external") || data.Bool("external") == true || data.Bool("collect_metadata") == true;
                        d.Tunnel = new TunnelInfo(d.KindName, external && vni is 0 ? null : vni, A("remote"), A("local"), A("group"),
                            (int?)data.Long("port"), data.Str("ttl"), data.Str("link"), external)
                        {
                            SourcePorts = data["port_range"] is { } pr && pr.Long("low") is { } lo && pr.Long("high") is { } hi && (lo | hi) != 0
                                ? ((ushort)lo, (ushort)hi) : null,
                            NoLearning = data.Bool("learning") == false,
                        };
                    }
                    else if (d.KindName == "vrf" && data.Long("table") is { } vt) d.VrfTable = (uint)vt;
                }
                if (li.Str("info_slave_kind") == "vrf" && li["info_slave_data"]?.Long("table") is { } st) d.VrfTable ??= (uint)st;
            }
            if (o["addr_info"] is { Items: { } addrs })
            {
                foreach (var a in addrs)
                {
                    if (a.Str("local") is not { } localText) continue;
                    if (!IpAddress.TryParse(localText, out var local))
                    {
                        var p = a.Property("local")!;
                        report.Warning(p.Value.Line, p.Value.Column, $"\"{localText}\" is not an address; skipped");
                        continue;
                    }
                    var len = (int)(a.Long("prefixlen") ?? local.Bits);
                    IpAddress? peer = a.Str("address") is { } pa && IpAddress.TryParse(pa, out var pav) && pav != local ? pav : null;
                    IpAddress? brd = a.Str("broadcast") is { } b && IpAddress.TryParse(b, out var bv) ? bv : null;
                    var scope = a.Str("scope") is { } sc && ScopeNames.TryParse(sc, out var s) ? s : Scope.Global;
                    var flags = new List<string>();
                    bool secondary = false;
                    foreach (var p in a.Properties!)
                    {
                        if (p.Value.Kind != System.Text.Json.JsonValueKind.True) continue;
                        if (p.Name == "secondary" && local.IsV4) secondary = true;
                        else if (p.Name == "secondary") flags.Add("temporary");
                        else flags.Add(p.Name);
                    }
                    d.Addresses.Add(new InterfaceAddress(local, len, peer, brd, scope, secondary, a.Str("label"), flags, a.Long("metric") is { } m ? (uint)m : null, report.At(a.Line, a.Column)));
                }
            }
            result.Add(d.Build());
        }
        return result;
    }
}
