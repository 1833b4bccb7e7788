using System.Globalization;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;

namespace Nfwalk.Parsing.Iproute2;

/// <summary>
/// Reads policy-routing rules as iproute2 prints them: <c>ip rule show</c> text ("100:\tfrom all fwmark 0x200/0x200 goto 32766")
/// and <c>ip -j rule</c> JSON. Never throws on bad input: words it does not know are kept on the rule
/// (<see cref="RoutingRule.UnknownWords"/>) and reported as warnings with file:line:column; the rest of the file is read.
/// The family of rules without addresses comes from <c>family</c>, else from the addresses elsewhere in the file, else IPv4.
/// </summary>
public static class IpRuleParser
{
    public static IReadOnlyList<RoutingRule> ParseText(string text, string file, DiagnosticBag diagnostics, IpFamily? family = null)
    {
        var report = new Reporter(file, diagnostics);
        var rules = new List<RoutingRule>();
        var words = new List<Word>();
        TextLines.ForEach(text, (lineNo, line) =>
        {
            if (TextLines.IsBlankOrComment(line)) return;
            TextLines.Words(line, words);
            var r = ParseLine(line.ToString(), words, lineNo, report);
            if (r is not null) rules.Add(r);
        });
        return AssignFamily(rules, family, report);
    }

    private static RoutingRule? ParseLine(string line, List<Word> words, int lineNo, Reporter report)
    {
        // "PREF:" — iproute2 prints the priority, a colon and a tab
        var first = words[0].Of(line);
        int colon = first.IndexOf(':');
        if (colon <= 0 || !Num.TryU32(first[..colon], out var pref) || !char.IsAsciiDigit(first[0]))
        {
            report.Error(lineNo, words[0].Column, "expected \"PREF:\" at the start of an \"ip rule\" line; line skipped");
            return null;
        }
        var rule = new RoutingRule { Priority = pref, Location = report.At(lineNo, words[0].Column) };
        int i = 1;
        // the rest of the first word, if the tab was missing ("100:from")
        var restOfFirst = colon + 1 < first.Length ? words[0] with { Start = words[0].Start + colon + 1, Length = first.Length - colon - 1 } : (Word?)null;
        var ws = new List<Word>(words.Count);
        if (restOfFirst is { } rf) ws.Add(rf);
        for (int k = 1; k < words.Count; k++) ws.Add(words[k]);

        var unknown = new List<string>();
        var problems = new List<string>();
        bool sawAction = false;
        i = 0;
        string Str(Word w) => w.Of(line).ToString();
        bool Next(out Word w, string keyword, Word at)
        {
            if (i + 1 < ws.Count) { w = ws[++i]; return true; }
            report.Warning(lineNo, at.Column, $"\"{keyword}\" needs a value; ignored");
            problems.Add($"{keyword} without a value");
            w = default;
            return false;
        }
        void Bad(Word w, string keyword, string expected)
        {
            report.Warning(lineNo, w.Column, $"{keyword}: \"{Str(w)}\" is not {expected}; selector ignored");
            problems.Add($"{keyword} {Str(w)}");
        }

        for (; i < ws.Count; i++)
        {
            var w = ws[i];
            var s = w.Of(line);
            switch (s)
            {
                case "not": rule = rule with { Not = true }; break;
                case "from" or "to":
                {
                    var kw = s.ToString();
                    if (!Next(out var v, kw, w)) break;
                    var vs = v.Of(line);
                    if (vs is "all" or "any" or "default") break;
                    if (!TryPrefix(vs, out var p)) { Bad(v, kw, "an address or prefix"); break; }
                    rule = kw == "from" ? rule with { From = p } : rule with { To = p };
                    break;
                }
                case "tos" or "dsfield":
                {
                    var kw = s.ToString();
                    if (!Next(out var v, kw, w)) break;
                    if (!Num.TryHexByte(v.Of(line), out var tos)) { Bad(v, kw, "a TOS value"); break; }
                    rule = rule with { Tos = tos };
                    break;
                }
                case "fwmark":
                {
                    if (!Next(out var v, "fwmark", w)) break;
                    var vs = v.Of(line);
                    int slash = vs.IndexOf('/');
                    uint mask = uint.MaxValue;
                    if (!Num.TryU32(slash < 0 ? vs : vs[..slash], out var mark) || (slash >= 0 && !Num.TryU32(vs[(slash + 1)..], out mask)))
                    { Bad(v, "fwmark", "MARK or MARK/MASK"); break; }
                    rule = rule with { FwMark = mark, FwMask = mask };
                    break;
                }
                case "iif" or "dev" or "oif":
                {
                    var kw = s.ToString();
                    if (!Next(out var v, kw, w)) break;
                    bool detached = i + 1 < ws.Count && ws[i + 1].Of(line) is "[detached]";
                    if (detached) i++;
                    rule = kw == "oif" ? rule with { Oif = Str(v), OifDetached = detached } : rule with { Iif = Str(v), IifDetached = detached };
                    break;
                }
                case "[detached]": break;
                case "l3mdev": rule = rule with { L3mdev = true }; break;
                case "uidrange":
                {
                    if (!Next(out var v, "uidrange", w)) break;
                    if (!Num.TryRange(v.Of(line), uint.MaxValue, out var a, out var b)) { Bad(v, "uidrange", "UID-UID"); break; }
                    rule = rule with { UidRange = new UidRange(a, b) };
                    break;
                }
                case "ipproto":
                {
                    if (!Next(out var v, "ipproto", w)) break;
                    if (!IpProtoNames.TryParse(v.Of(line), out var p)) { Bad(v, "ipproto", "a protocol"); break; }
                    rule = rule with { IpProto = p };
                    break;
                }
                case "sport" or "dport":
                {
                    var kw = s.ToString();
                    if (!Next(out var v, kw, w)) break;
                    if (!Num.TryRange(v.Of(line), 65535, out var a, out var b)) { Bad(v, kw, "PORT or PORT-PORT"); break; }
                    var range = new PortRange((ushort)a, (ushort)b);
                    rule = kw == "sport" ? rule with { SourcePorts = range } : rule with { DestinationPorts = range };
                    break;
                }
                case "tun_id":
                {
                    if (!Next(out var v, "tun_id", w)) break;
                    if (!Num.TryU64(v.Of(line), out var t)) { Bad(v, "tun_id", "a number"); break; }
                    rule = rule with { TunId = t };
                    break;
                }
                case "lookup" or "table":
                {
                    var kw = s.ToString();
                    sawAction = true;
                    if (!Next(out var v, kw, w)) break;
                    var vs = v.Of(line);
                    if (vs is "[l3mdev-table]") { rule = rule with { Action = RuleAction.Lookup, L3mdev = true, Table = null }; break; }
                    if (!RouteTableId.TryParse(vs, out var t)) { Bad(v, kw, "a table"); break; }
                    rule = rule with { Action = RuleAction.Lookup, Table = t };
                    break;
                }
                case "suppress_prefixlength" or "sup_pl":
                {
                    if (!Next(out var v, "suppress_prefixlength", w)) break;
                    if (!int.TryParse(v.Of(line), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) { Bad(v, "suppress_prefixlength", "a number"); break; }
                    rule = rule with { SuppressPrefixLength = n };
                    break;
                }
                case "suppress_ifgroup" or "sup_group":
                    if (Next(out var g, "suppress_ifgroup", w)) rule = rule with { SuppressIfGroup = Str(g) };
                    break;
                case "realms" or "realm":
                    if (Next(out var rv, "realms", w)) rule = rule with { Realms = Str(rv) };
                    break;
                case "goto":
                {
                    sawAction = true;
                    if (!Next(out var v, "goto", w)) break;
                    if (v.Of(line) is "none") { rule = rule with { Action = RuleAction.Goto, GotoTarget = null }; }
                    else if (!Num.TryU32(v.Of(line), out var target)) { Bad(v, "goto", "a rule priority"); break; }
                    else rule = rule with { Action = RuleAction.Goto, GotoTarget = target };
                    if (i + 1 < ws.Count && ws[i + 1].Of(line) is "[unresolved]") { i++; rule = rule with { Unresolved = true }; }
                    break;
                }
                case "[unresolved]": rule = rule with { Unresolved = true }; break;
                case "nop": sawAction = true; rule = rule with { Action = RuleAction.Nop }; break;
                case "unreachable": sawAction = true; rule = rule with { Action = RuleAction.Unreachable }; break;
                case "prohibit": sawAction = true; rule = rule with { Action = RuleAction.Prohibit }; break;
                case "blackhole" or "reject": sawAction = true; rule = rule with { Action = RuleAction.Blackhole }; break;
                case "proto" or "protocol":
                    if (Next(out var pv, "proto", w)) rule = rule with { Protocol = Str(pv) };
                    break;
                default:
                {
                    // an unknown keyword; a following word that is not a keyword is taken as its value
                    var kw = s.ToString();
                    string text = kw;
                    if (i + 1 < ws.Count && !IsKeyword(ws[i + 1].Of(line))) text += " " + Str(ws[++i]);
                    unknown.Add(text);
                    report.Warning(lineNo, w.Column, $"ip rule: \"{text}\" is not a selector or action nfwalk knows; kept and ignored");
                    break;
                }
            }
        }
        if (!sawAction)
        {
            report.Warning(lineNo, words[0].Column, "ip rule without an action (lookup/goto/nop/unreachable/prohibit/blackhole); taken as \"lookup main\"");
            rule = rule with { Table = RouteTableId.Main };
        }
        return rule with { UnknownWords = unknown, Problems = problems };
    }

    private static bool IsKeyword(ReadOnlySpan<char> s) => s is "not" or "from" or "to" or "tos" or "dsfield" or "fwmark" or "iif" or "dev" or "oif" or "l3mdev"
        or "uidrange" or "ipproto" or "sport" or "dport" or "tun_id" or "lookup" or "table" or "suppress_prefixlength" or "suppress_ifgroup" or "realms"
        or "goto" or "nop" or "unreachable" or "prohibit" or "blackhole" or "proto" or "[detached]" or "[unresolved]";

    internal static bool TryPrefix(ReadOnlySpan<char> s, out IpPrefix prefix) => IpPrefix.TryParse(s, out prefix);

    /// <summary>
    /// Rules of <c>ip -j rule</c>: {"priority":100,"src":"all","fwmark":"0x200","fwmask":"0x200","goto":32766},
    /// {"priority":101,"not":null,"src":"10.0.0.0","srclen":8,"iif":"eth0","iif_detached":null,"table":"200"}, ...
    /// </summary>
    public static IReadOnlyList<RoutingRule> ParseJson(string json, string file, DiagnosticBag diagnostics, IpFamily? family = null)
    {
        var report = new Reporter(file, diagnostics);
        var rules = new List<RoutingRule>();
        foreach (var o in LocatedJson.TopArray(json, report, "ip -j rule"))
        {
            if (o.Kind != System.Text.Json.JsonValueKind.Object) { report.Warning(o.Line, o.Column, "expected a rule object; skipped"); continue; }
            var r = JsonRule(o, report);
            if (r is not null) rules.Add(r);
        }
        return AssignFamily(rules, family, report);
    }

    private static readonly HashSet<string> KnownJsonKeys = new(StringComparer.Ordinal)
    {
        "priority", "not", "src", "srclen", "dst", "dstlen", "tos", "dsfield", "fwmark", "fwmask", "iif", "iif_detached", "oif", "oif_detached", "l3mdev",
        "uid_start", "uid_end", "ipproto", "sport", "sport_start", "sport_end", "dport", "dport_start", "dport_end", "tun_id", "table",
        "suppress_prefixlen", "suppress_ifgroup", "flow_to", "flow_from", "realms", "action", "goto", "unresolved", "nop", "protocol", "family",
    };

    private static RoutingRule? JsonRule(JNode o, Reporter report)
    {
        var unknown = new List<string>();
        var problems = new List<string>();
        void Bad(string key, string expected)
        {
            var p = o.Property(key)!;
            report.Warning(p.Value.Line, p.Value.Column, $"\"{key}\": \"{p.Value.Text}\" is not {expected}; selector ignored");
            problems.Add($"{key} {p.Value.Text}");
        }
        if (o.Long("priority") is not { } prio || prio < 0 || prio > uint.MaxValue)
        {
            report.Error(o.Line, o.Column, "rule without a valid \"priority\"; skipped");
            return null;
        }
        var rule = new RoutingRule { Priority = (uint)prio, Location = report.At(o.Line, o.Column), Not = o.Has("not") };
        IpPrefix? Prefix(string key, string lenKey)
        {
            var a = o.Str(key);
            if (a is null or "all" or "any" or "default") return null;
            var len = o.Long(lenKey);
            if (!IpAddress.TryParse(a, out var addr)) { Bad(key, "an address"); return null; }
            if (len is { } l && (l < 0 || l > addr.Bits)) { Bad(lenKey, "a prefix length"); return null; }
            return new IpPrefix(addr, (int)(len ?? addr.Bits));
        }
        rule = rule with { From = Prefix("src", "srclen"), To = Prefix("dst", "dstlen") };
        if ((o.Str("tos") ?? o.Str("dsfield")) is { } tosText)
        {
            if (Num.TryHexByte(tosText, out var tos)) rule = rule with { Tos = tos }; else Bad(o.Has("tos") ? "tos" : "dsfield", "a TOS value");
        }
        if (o.Str("fwmark") is { } fm)
        {
            uint mask = uint.MaxValue;
            if (!Num.TryU32(fm, out var mark)) Bad("fwmark", "a mark");
            else if (o.Str("fwmask") is { } mk && !Num.TryU32(mk, out mask)) Bad("fwmask", "a mask");
            else rule = rule with { FwMark = mark, FwMask = mask };
        }
        if (o.Str("iif") is { } iif) rule = rule with { Iif = iif, IifDetached = o.Has("iif_detached") };
        if (o.Str("oif") is { } oif) rule = rule with { Oif = oif, OifDetached = o.Has("oif_detached") };
        if (o.Has("l3mdev")) rule = rule with { L3mdev = true };
        if (o.Long("uid_start") is { } us && o.Long("uid_end") is { } ue) rule = rule with { UidRange = new UidRange((uint)us, (uint)ue) };
        if (o.Str("ipproto") is { } ipp)
        {
            if (IpProtoNames.TryParse(ipp, out var p)) rule = rule with { IpProto = p }; else Bad("ipproto", "a protocol");
        }
        PortRange? Ports(string k)
        {
            if (o.Long(k) is { } single) return new PortRange((ushort)single, (ushort)single);
            if (o.Long(k + "_start") is { } a && o.Long(k + "_end") is { } b) return new PortRange((ushort)a, (ushort)b);
            return null;
        }
        rule = rule with { SourcePorts = Ports("sport"), DestinationPorts = Ports("dport") };
        if (o.Str("tun_id") is { } tid && Num.TryU64(tid, out var t)) rule = rule with { TunId = t };
        if (o.Str("table") is { } table)
        {
            if (RouteTableId.TryParse(table, out var id)) rule = rule with { Table = id }; else Bad("table", "a table");
        }
        else if (rule.L3mdev) rule = rule with { Table = null };
        if (o.Long("suppress_prefixlen") is { } spl) rule = rule with { SuppressPrefixLength = (int)spl };
        if (o.Str("suppress_ifgroup") is { } sig) rule = rule with { SuppressIfGroup = sig };
        if (o.Str("flow_to") is { } ft) rule = rule with { Realms = (o.Str("flow_from") is { } ff ? ff + "/" : "") + ft };
        if (o.Str("protocol") is { } proto) rule = rule with { Protocol = proto };

        if (o.Has("goto"))
        {
            var g = o.Str("goto");
            rule = rule with { Action = RuleAction.Goto, GotoTarget = g is not null && Num.TryU32(g, out var gt) ? gt : null, Unresolved = o.Has("unresolved") };
        }
        else if (o.Has("nop")) rule = rule with { Action = RuleAction.Nop };
        else if (o.Str("action") is { } action)
        {
            switch (action)
            {
                case "unreachable": rule = rule with { Action = RuleAction.Unreachable }; break;
                case "prohibit": rule = rule with { Action = RuleAction.Prohibit }; break;
                case "blackhole": rule = rule with { Action = RuleAction.Blackhole }; break;
                case "nop": rule = rule with { Action = RuleAction.Nop }; break;
                case "goto": rule = rule with { Action = RuleAction.Goto }; break;
                case "lookup" or "to_tbl": break;
                default:
                    var p = o.Property("action")!;
                    report.Warning(p.Value.Line, p.Value.Column, $"rule action \"{action}\" is not one nfwalk knows; kept and ignored");
                    unknown.Add("action " + action);
                    break;
            }
        }
        else if (rule.Table is null && !rule.L3mdev)
        {
            report.Warning(o.Line, o.Column, "rule without an action or table; taken as \"lookup main\"");
            rule = rule with { Table = RouteTableId.Main };
        }
        foreach (var p in o.Properties!)
        {
            if (KnownJsonKeys.Contains(p.Name)) continue;
            unknown.Add(p.Value.Text is { } v ? $"{p.Name} {v}" : p.Name);
            report.Warning(p.Line, p.Column, $"ip rule: \"{p.Name}\" is not a selector or action nfwalk knows; kept and ignored");
        }
        return rule with { UnknownWords = unknown, Problems = problems };
    }

    private static IReadOnlyList<RoutingRule> AssignFamily(List<RoutingRule> rules, IpFamily? family, Reporter report)
    {
        IpFamily? FamilyOf(RoutingRule r) => r.From?.Family ?? r.To?.Family;
        var fileFamily = family;
        if (fileFamily is null)
        {
            bool v4 = rules.Any(r => FamilyOf(r) == IpFamily.V4), v6 = rules.Any(r => FamilyOf(r) == IpFamily.V6);
            fileFamily = v6 && !v4 ? IpFamily.V6 : IpFamily.V4;
        }
        var result = new List<RoutingRule>(rules.Count);
        foreach (var r in rules)
        {
            var f = FamilyOf(r);
            if (r.From is { } a && r.To is { } b && a.Family != b.Family)
                report.Warning(r.Location.Line, r.Location.Column, "\"from\" and \"to\" are of different address families");
            result.Add(r with { Family = f ?? fileFamily.Value });
        }
        return result;
    }
}
