using System.Globalization;
using System.Text;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m icmp / -m icmp6: ICMP type and code range (kernel icmp_match / icmp6_match). Type 0xff means any.</summary>
public sealed class IcmpMatch : Match
{
    public bool IsV6 { get; init; }
    public byte Type { get; init; }
    public byte CodeMin { get; init; }
    public byte CodeMax { get; init; } = 0xff;
    public bool Negated { get; init; }
    public bool IsAny => Type == 0xff && !IsV6;
    public override string Name => IsV6 ? "icmp6" : "icmp";

    public override void Print(StringBuilder sb)
    {
        sb.Append(IsV6 ? " -m icmp6" : " -m icmp");
        if (Negated) sb.Append(" !");
        sb.Append(IsV6 ? " --icmpv6-type " : " --icmp-type ");
        if (IsAny) { sb.Append("any"); return; }
        sb.Append(Type.ToString(CultureInfo.InvariantCulture));
        if (CodeMin != 0 || CodeMax != 0xff) sb.Append('/').Append(CodeMin.ToString(CultureInfo.InvariantCulture));
    }

    public override string Explain()
    {
        var proto = IsV6 ? "ICMPv6" : "ICMP";
        if (IsAny) return Negated ? $"is not an {proto} packet of any type (never true)" : $"is any {proto} packet";
        var name = IcmpTypes.NameOf(IsV6, Type, CodeMin, CodeMax);
        var code = CodeMin == 0 && CodeMax == 0xff ? "any code" : $"code {CodeMin}";
        return $"{proto} type {Type}{(name is null ? "" : $" ({name})")}, {code}{(Negated ? " — negated: any other ICMP type/code" : "")}";
    }

    /// <summary>icmp_match / icmp_type_code_match: type 0xff ("any") matches every type; else type equal and code in range; XOR "!".</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        if (ctx.IsFragment) return false;
        if (ctx.Protocol != (IsV6 ? Protocols.Icmpv6 : Protocols.Icmp)) return false;
        bool m = (Type == 0xff && !IsV6) || (ctx.IcmpType == Type && ctx.IcmpCode >= CodeMin && ctx.IcmpCode <= CodeMax);
        return m ^ Negated;
    }

    internal sealed class Parser(bool v6) : MatchParser
    {
        private (byte t, byte lo, byte hi)? _v; private bool _neg;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (!(v6 ? option is "--icmpv6-type" : option is "--icmp-type")) return false;
            negated |= ctx.TakeOldStyleBang();
            if (!ctx.TryValue(out var s, out var at)) return true;
            if (IcmpTypes.TryParse(v6, s, out var t, out var lo, out var hi)) { _v = (t, lo, hi); _neg = negated; }
            else ctx.Error(at, $"{ctx.OptionName}: invalid ICMP{(v6 ? "v6" : "")} type \"{Values.Trunc(s)}\"");
            return true;
        }

        public override Match? Build(OptionContext ctx)
        {
            byte want = v6 ? Protocols.Icmpv6 : Protocols.Icmp;
            if (ctx.Protocol != want || ctx.ProtocolNegated)
                ctx.Error($"the {(v6 ? "icmp6" : "icmp")} match needs \"-p {(v6 ? "icmpv6" : "icmp")}\"");
            if (_v is null) { ctx.Error($"the {(v6 ? "icmp6" : "icmp")} match needs {(v6 ? "--icmpv6-type" : "--icmp-type")}"); return null; }
            var (t, lo, hi) = _v.Value;
            return new IcmpMatch { IsV6 = v6, Type = t, CodeMin = lo, CodeMax = hi, Negated = _neg };
        }
    }
}

/// <summary>ICMP type names as libipt_icmp.c / libip6t_icmp6.c know them (name → type, code range).</summary>
public static class IcmpTypes
{
    private static readonly (string Name, byte Type, byte Lo, byte Hi)[] V4 =
    [
        ("any", 0xff, 0, 0xff), ("echo-reply", 0, 0, 0xff), ("pong", 0, 0, 0xff),
        ("destination-unreachable", 3, 0, 0xff), ("network-unreachable", 3, 0, 0), ("host-unreachable", 3, 1, 1),
        ("protocol-unreachable", 3, 2, 2), ("port-unreachable", 3, 3, 3), ("fragmentation-needed", 3, 4, 4),
        ("source-route-failed", 3, 5, 5), ("network-unknown", 3, 6, 6), ("host-unknown", 3, 7, 7),
        ("network-prohibited", 3, 9, 9), ("host-prohibited", 3, 10, 10), ("TOS-network-unreachable", 3, 11, 11),
        ("TOS-host-unreachable", 3, 12, 12), ("communication-prohibited", 3, 13, 13), ("host-precedence-violation", 3, 14, 14),
        ("precedence-cutoff", 3, 15, 15), ("source-quench", 4, 0, 0xff), ("redirect", 5, 0, 0xff),
        ("network-redirect", 5, 0, 0), ("host-redirect", 5, 1, 1), ("TOS-network-redirect", 5, 2, 2), ("TOS-host-redirect", 5, 3, 3),
        ("echo-request", 8, 0, 0xff), ("ping", 8, 0, 0xff), ("router-advertisement", 9, 0, 0xff), ("router-solicitation", 10, 0, 0xff),
        ("time-exceeded", 11, 0, 0xff), ("ttl-exceeded", 11, 0, 0xff), ("ttl-zero-during-transit", 11, 0, 0), ("ttl-zero-during-reassembly", 11, 1, 1),
        ("parameter-problem", 12, 0, 0xff), ("ip-header-bad", 12, 0, 0), ("required-option-missing", 12, 1, 1),
        ("timestamp-request", 13, 0, 0xff), ("timestamp-reply", 14, 0, 0xff), ("address-mask-request", 17, 0, 0xff), ("address-mask-reply", 18, 0, 0xff),
    ];

    private static readonly (string Name, byte Type, byte Lo, byte Hi)[] V6 =
    [
        ("destination-unreachable", 1, 0, 0xff), ("no-route", 1, 0, 0), ("communication-prohibited", 1, 1, 1),
        ("beyond-scope", 1, 2, 2), ("address-unreachable", 1, 3, 3), ("port-unreachable", 1, 4, 4),
        ("failed-policy", 1, 5, 5), ("reject-route", 1, 6, 6), ("packet-too-big", 2, 0, 0xff),
        ("time-exceeded", 3, 0, 0xff), ("ttl-exceeded", 3, 0, 0xff), ("ttl-zero-during-transit", 3, 0, 0), ("ttl-zero-during-reassembly", 3, 1, 1),
        ("parameter-problem", 4, 0, 0xff), ("bad-header", 4, 0, 0), ("unknown-header-type", 4, 1, 1), ("unknown-option", 4, 2, 2),
        ("echo-request", 128, 0, 0xff), ("ping", 128, 0, 0xff), ("echo-reply", 129, 0, 0xff), ("pong", 129, 0, 0xff),
        ("mld-listener-query", 130, 0, 0xff), ("mld-listener-report", 131, 0, 0xff), ("mld-listener-done", 132, 0, 0xff),
        ("mld-listener-reduction", 132, 0, 0xff), ("router-solicitation", 133, 0, 0xff), ("router-advertisement", 134, 0, 0xff),
        ("neighbour-solicitation", 135, 0, 0xff), ("neighbor-solicitation", 135, 0, 0xff),
        ("neighbour-advertisement", 136, 0, 0xff), ("neighbor-advertisement", 136, 0, 0xff), ("redirect", 137, 0, 0xff),
    ];

    public static bool TryParse(bool v6, ReadOnlySpan<char> s, out byte type, out byte lo, out byte hi)
    {
        type = 0; lo = 0; hi = 0xff;
        foreach (var e in v6 ? V6 : V4)
            if (s.Equals(e.Name, StringComparison.OrdinalIgnoreCase)) { (type, lo, hi) = (e.Type, e.Lo, e.Hi); return true; }
        int slash = s.IndexOf('/');
        var tp = slash < 0 ? s : s[..slash];
        if (!byte.TryParse(tp, NumberStyles.None, CultureInfo.InvariantCulture, out type)) return false;
        if (slash >= 0)
        {
            if (!byte.TryParse(s[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out lo)) return false;
            hi = lo;
        }
        return true;
    }

    public static string? NameOf(bool v6, byte type, byte lo, byte hi)
    {
        foreach (var e in v6 ? V6 : V4) if (e.Type == type && e.Lo == lo && e.Hi == hi) return e.Name;
        foreach (var e in v6 ? V6 : V4) if (e.Type == type && e.Hi == 0xff) return e.Name;
        return null;
    }
}
