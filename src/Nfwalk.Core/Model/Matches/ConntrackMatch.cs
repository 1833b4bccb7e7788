using System.Globalization;
using System.Text;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>Conntrack "states" as -m conntrack --ctstate / -m state --state understand them (xt_conntrack.h bits).</summary>
[Flags]
public enum CtState : byte { None = 0, Invalid = 1, New = 2, Related = 4, Established = 8, Untracked = 16, Snat = 32, Dnat = 64 }

/// <summary>Conntrack status bits for --ctstatus.</summary>
[Flags]
public enum CtStatus : byte { None = 0, Expected = 1, SeenReply = 2, Assured = 4, Confirmed = 8 }

public static class CtStateNames
{
    private static readonly (string Name, CtState Bit)[] Order =
    [
        ("INVALID", CtState.Invalid), ("NEW", CtState.New), ("RELATED", CtState.Related), ("ESTABLISHED", CtState.Established),
        ("UNTRACKED", CtState.Untracked), ("SNAT", CtState.Snat), ("DNAT", CtState.Dnat),
    ];
    private static readonly (string Name, CtStatus Bit)[] StatusOrder =
        [("EXPECTED", CtStatus.Expected), ("SEEN_REPLY", CtStatus.SeenReply), ("ASSURED", CtStatus.Assured), ("CONFIRMED", CtStatus.Confirmed)];

    public static string Format(CtState s) => string.Join(',', Order.Where(o => (s & o.Bit) != 0).Select(o => o.Name));
    public static string Format(CtStatus s) => s == 0 ? "NONE" : string.Join(',', StatusOrder.Where(o => (s & o.Bit) != 0).Select(o => o.Name));

    public static bool TryParse(ReadOnlySpan<char> s, bool allowNat, out CtState st)
    {
        st = 0;
        foreach (var r in s.Split(','))
        {
            var p = s[r]; bool ok = false;
            foreach (var (n, b) in Order)
                if (p.Equals(n, StringComparison.OrdinalIgnoreCase) && (allowNat || b < CtState.Snat)) { st |= b; ok = true; }
            if (!ok) return false;
        }
        return true;
    }

    public static bool TryParseStatus(ReadOnlySpan<char> s, out CtStatus st)
    {
        st = 0;
        foreach (var r in s.Split(','))
        {
            var p = s[r]; bool ok = p.Equals("NONE", StringComparison.OrdinalIgnoreCase);
            foreach (var (n, b) in StatusOrder)
                if (p.Equals(n, StringComparison.OrdinalIgnoreCase)) { st |= b; ok = true; }
            if (!ok) return false;
        }
        return true;
    }

    public static string Explain(CtState s)
    {
        var words = new List<string>();
        if ((s & CtState.Invalid) != 0) words.Add("INVALID (no usable conntrack entry)");
        if ((s & CtState.New) != 0) words.Add("NEW (original direction, no reply seen yet)");
        if ((s & CtState.Related) != 0) words.Add("RELATED (e.g. an ICMP error about a tracked flow)");
        if ((s & CtState.Established) != 0) words.Add("ESTABLISHED (a reply was seen)");
        if ((s & CtState.Untracked) != 0) words.Add("UNTRACKED (NOTRACK/CT --notrack in raw)");
        if ((s & CtState.Snat) != 0) words.Add("SNAT (the connection's source is translated)");
        if ((s & CtState.Dnat) != 0) words.Add("DNAT (the connection's destination is translated)");
        return string.Join(" or ", words);
    }
}

/// <summary>-m conntrack: tests on the packet's conntrack entry (kernel xt_conntrack.c conntrack_mt).</summary>
public sealed class ConntrackMatch : Match
{
    public sealed record AddrTest(IpPrefix Prefix, bool Negated);
    public sealed record PortTest(PortRange Ports, bool Negated);

    public CtState? State { get; init; }
    public bool StateNegated { get; init; }
    public byte? Proto { get; init; }
    public bool ProtoNegated { get; init; }
    public AddrTest? OrigSrc { get; init; }
    public AddrTest? OrigDst { get; init; }
    public AddrTest? ReplSrc { get; init; }
    public AddrTest? ReplDst { get; init; }
    public PortTest? OrigSrcPort { get; init; }
    public PortTest? OrigDstPort { get; init; }
    public PortTest? ReplSrcPort { get; init; }
    public PortTest? ReplDstPort { get; init; }
    public CtStatus? Status { get; init; }
    public bool StatusNegated { get; init; }
    public (uint Min, uint Max)? Expire { get; init; }
    public bool ExpireNegated { get; init; }
    /// <summary>true = ORIGINAL, false = REPLY.</summary>
    public bool? DirectionOriginal { get; init; }
    public override string Name => "conntrack";

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m conntrack");
        if (State is { } st) { if (StateNegated) sb.Append(" !"); sb.Append(" --ctstate ").Append(CtStateNames.Format(st)); }
        if (Proto is { } p) { if (ProtoNegated) sb.Append(" !"); sb.Append(" --ctproto ").Append(p); }
        Addr(sb, "--ctorigsrc", OrigSrc); Addr(sb, "--ctorigdst", OrigDst); Addr(sb, "--ctreplsrc", ReplSrc); Addr(sb, "--ctrepldst", ReplDst);
        Port(sb, "--ctorigsrcport", OrigSrcPort); Port(sb, "--ctorigdstport", OrigDstPort); Port(sb, "--ctreplsrcport", ReplSrcPort); Port(sb, "--ctrepldstport", ReplDstPort);
        if (Status is { } s) { if (StatusNegated) sb.Append(" !"); sb.Append(" --ctstatus ").Append(CtStateNames.Format(s)); }
        if (Expire is { } e)
        {
            if (ExpireNegated) sb.Append(" !");
            sb.Append(" --ctexpire ").Append(e.Min);
            if (e.Max != e.Min) sb.Append(':').Append(e.Max);
        }
        if (DirectionOriginal is { } d) sb.Append(" --ctdir ").Append(d ? "ORIGINAL" : "REPLY");
    }

    private static void Addr(StringBuilder sb, string opt, AddrTest? a)
    {
        if (a is null) return;
        if (a.Negated) sb.Append(" !");
        sb.Append(' ').Append(opt).Append(' ').Append(a.Prefix.Network.ToString());
        if (!a.Prefix.IsHost) sb.Append('/').Append(a.Prefix.Length);
    }

    private static void Port(StringBuilder sb, string opt, PortTest? p)
    {
        if (p is null) return;
        if (p.Negated) sb.Append(" !");
        sb.Append(' ').Append(opt).Append(' ').Append(p.Ports.ToString());
    }

    public override string Explain()
    {
        var parts = new List<string>();
        if (State is { } st) parts.Add($"conntrack state is {(StateNegated ? "NOT " : "")}{CtStateNames.Explain(st)}");
        if (Proto is { } p) parts.Add($"connection protocol is{(ProtoNegated ? " not" : "")} {Protocols.Name(p)}");
        void A(string what, AddrTest? a) { if (a is not null) parts.Add($"{what} is{(a.Negated ? " not" : "")} {(a.Prefix.IsHost ? a.Prefix.Address.ToString() : "in " + a.Prefix)}"); }
        void P(string what, PortTest? t) { if (t is not null) parts.Add($"{what} is{(t.Negated ? " not" : "")} {(t.Ports.IsSingle ? t.Ports.First.ToString() : $"{t.Ports.First}-{t.Ports.Last}")}"); }
        A("the connection's original source", OrigSrc); A("the connection's original destination (before DNAT)", OrigDst);
        A("the reply source (the real server after DNAT)", ReplSrc); A("the reply destination (after SNAT)", ReplDst);
        P("original source port", OrigSrcPort); P("original destination port", OrigDstPort); P("reply source port", ReplSrcPort); P("reply destination port", ReplDstPort);
        if (Status is { } s) parts.Add($"conntrack status {(StatusNegated ? "has none of" : "includes")} {CtStateNames.Format(s)}");
        if (Expire is { } e) parts.Add($"remaining lifetime {(ExpireNegated ? "outside" : "within")} {e.Min}-{e.Max}s");
        if (DirectionOriginal is { } d) parts.Add(d ? "packet travels in the connection's original direction" : "packet is a reply (reply direction)");
        var text = string.Join("; ", parts);
        if (State is null) text += " (for a packet without a conntrack entry this match is false)";
        return text;
    }

    /// <summary>
    /// xt_conntrack.c conntrack_mt: the state bit (INVALID without an entry, UNTRACKED, else NEW/RELATED/ESTABLISHED, plus SNAT/DNAT
    /// from the status) is tested first; without an entry the result is "was --ctstate given and did it pass"; then the tuple tests.
    /// </summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        var ct = ctx.Conntrack;
        var bit = ctx.CtInfo switch
        {
            CtInfo.New => CtState.New, CtInfo.Related => CtState.Related, CtInfo.Established => CtState.Established,
            CtInfo.Untracked => CtState.Untracked, _ => CtState.Invalid,
        };
        if (State is { } want)
        {
            var bits = bit;
            if (ct is not null) { if (ct.SourceNatted) bits |= CtState.Snat; if (ct.DestinationNatted) bits |= CtState.Dnat; }
            if (!(((want & bits) != 0) ^ StateNegated)) return false;
        }
        if (ct is null || ctx.CtInfo == CtInfo.Untracked) return State is not null;
        if (DirectionOriginal is { } d && d == ct.IsReplyDirection) return false;
        if (Proto is { } p && !((ct.Protocol == p) ^ ProtoNegated)) return false;
        if (!Addr(OrigSrc, ct.OrigSource) || !Addr(OrigDst, ct.OrigDestination) || !Addr(ReplSrc, ct.ReplySource) || !Addr(ReplDst, ct.ReplyDestination)) return false;
        if (!Port(OrigSrcPort, ct.OrigSourcePort) || !Port(OrigDstPort, ct.OrigDestinationPort) || !Port(ReplSrcPort, ct.ReplySourcePort) || !Port(ReplDstPort, ct.ReplyDestinationPort)) return false;
        if (Status is { } st && !(((ct.Status & st) != 0) ^ StatusNegated)) return false;
        if (Expire is { } e)
        {
            var left = ct.SecondsLeft;
            bool inRange = left is { } l ? l >= e.Min && l <= e.Max : ctx.Assume(this, !ExpireNegated, "the connection's remaining lifetime is not modelled");
            if (!(inRange ^ ExpireNegated) && left is not null) return false;
        }
        return true;
    }

    private static bool Addr(AddrTest? t, IpAddress a) => t is null || (t.Prefix.Contains(a) ^ t.Negated);
    private static bool Port(PortTest? t, ushort p) => t is null || (t.Ports.Contains(p) ^ t.Negated);

    internal sealed class Parser : MatchParser
    {
        private CtState? _st; private bool _stn; private byte? _pr; private bool _prn;
        private AddrTest? _os, _od, _rs, _rd; private PortTest? _osp, _odp, _rsp, _rdp;
        private CtStatus? _status; private bool _statusn; private (uint, uint)? _exp; private bool _expn; private bool? _dir;
        internal override bool Reset()
        {
            _st = null; _stn = false; _pr = null; _prn = false; _os = _od = _rs = _rd = null; _osp = _odp = _rsp = _rdp = null;
            _status = null; _statusn = false; _exp = null; _expn = false; _dir = null;
            return true;
        }

        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--ctstate":
                {
                    negated |= ctx.TakeOldStyleBang();
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    if (CtStateNames.TryParse(s, true, out var st)) { _st = st; _stn = negated; }
                    else ctx.Error(at, $"--ctstate: bad state \"{Values.Trunc(s)}\" (INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED, SNAT, DNAT)");
                    return true;
                }
                case "--ctproto":
                {
                    negated |= ctx.TakeOldStyleBang();
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    if (Protocols.TryParse(s, out var n, out var all) && !all) { _pr = n; _prn = negated; }
                    else ctx.Error(at, $"--ctproto: bad protocol \"{Values.Trunc(s)}\"");
                    return true;
                }
                case "--ctorigsrc": _os = Addr(negated, ctx); return true;
                case "--ctorigdst": _od = Addr(negated, ctx); return true;
                case "--ctreplsrc": _rs = Addr(negated, ctx); return true;
                case "--ctrepldst": _rd = Addr(negated, ctx); return true;
                case "--ctorigsrcport": _osp = Port(negated, ctx); return true;
                case "--ctorigdstport": _odp = Port(negated, ctx); return true;
                case "--ctreplsrcport": _rsp = Port(negated, ctx); return true;
                case "--ctrepldstport": _rdp = Port(negated, ctx); return true;
                case "--ctstatus":
                {
                    negated |= ctx.TakeOldStyleBang();
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    if (CtStateNames.TryParseStatus(s, out var st)) { _status = st; _statusn = negated; }
                    else ctx.Error(at, $"--ctstatus: bad status \"{Values.Trunc(s)}\" (NONE, EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED)");
                    return true;
                }
                case "--ctexpire":
                {
                    negated |= ctx.TakeOldStyleBang();
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    int c = s.IndexOf(':');
                    uint lo = 0, hi = 0;
                    bool ok = c < 0 ? Values.TryUInt(s, out lo) : Values.TryUInt(s[..c], out lo) & Values.TryUInt(s[(c + 1)..], out hi);
                    if (c < 0) hi = lo;
                    if (ok && lo <= hi) { _exp = (lo, hi); _expn = negated; }
                    else ctx.Error(at, $"--ctexpire: bad range \"{Values.Trunc(s)}\"");
                    return true;
                }
                case "--ctdir":
                {
                    if (!ctx.NoInvert(negated)) { }
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    if (s.Equals("ORIGINAL", StringComparison.OrdinalIgnoreCase)) _dir = true;
                    else if (s.Equals("REPLY", StringComparison.OrdinalIgnoreCase)) _dir = false;
                    else ctx.Error(at, $"--ctdir: expected ORIGINAL or REPLY, not \"{Values.Trunc(s)}\"");
                    return true;
                }
            }
            return false;
        }

        private static AddrTest? Addr(bool negated, OptionContext ctx)
        {
            negated |= ctx.TakeOldStyleBang();
            return ctx.TryPrefix(out var p) ? new AddrTest(new IpPrefix(p.Network, p.Length), negated) : null;
        }

        private static PortTest? Port(bool negated, OptionContext ctx)
        {
            negated |= ctx.TakeOldStyleBang();
            if (!ctx.TryValue(out var s, out var at)) return null;
            if (Values.TryPortRange(s, out var r, out var err)) return new PortTest(r, negated);
            ctx.Error(at, $"{ctx.OptionName}: {err}");
            return null;
        }

        public override Match? Build(OptionContext ctx)
        {
            if (_st is null && _pr is null && _os is null && _od is null && _rs is null && _rd is null && _osp is null && _odp is null
                && _rsp is null && _rdp is null && _status is null && _exp is null && _dir is null)
            { if (!ctx.Failed) ctx.Error("the conntrack match needs at least one option (e.g. --ctstate)"); return null; }
            return new ConntrackMatch
            {
                State = _st, StateNegated = _stn, Proto = _pr, ProtoNegated = _prn, OrigSrc = _os, OrigDst = _od, ReplSrc = _rs, ReplDst = _rd,
                OrigSrcPort = _osp, OrigDstPort = _odp, ReplSrcPort = _rsp, ReplDstPort = _rdp, Status = _status, StatusNegated = _statusn,
                Expire = _exp, ExpireNegated = _expn, DirectionOriginal = _dir,
            };
        }
    }
}

/// <summary>-m state --state: the older spelling of --ctstate (same kernel test, no SNAT/DNAT).</summary>
public sealed class StateMatch : Match
{
    public CtState States { get; init; }
    public bool Negated { get; init; }
    public override string Name => "state";
    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m state");
        if (Negated) sb.Append(" !");
        sb.Append(" --state ").Append(CtStateNames.Format(States));
    }
    public override string Explain() => $"conntrack state is {(Negated ? "NOT " : "")}{CtStateNames.Explain(States)}";

    /// <summary>xt_state.c state_mt: the same state bit as --ctstate (no SNAT/DNAT bits).</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        var bit = ctx.CtInfo switch
        {
            CtInfo.New => CtState.New, CtInfo.Related => CtState.Related, CtInfo.Established => CtState.Established,
            CtInfo.Untracked => CtState.Untracked, _ => CtState.Invalid,
        };
        return ((States & bit) != 0) ^ Negated;
    }

    internal sealed class Parser : MatchParser
    {
        private CtState? _st; private bool _neg;
        internal override bool Reset() { _st = null; _neg = false; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (option is not "--state") return false;
            negated |= ctx.TakeOldStyleBang();
            if (!ctx.TryValue(out var s, out var at)) return true;
            if (CtStateNames.TryParse(s, false, out var st)) { _st = st; _neg = negated; }
            else ctx.Error(at, $"--state: bad state \"{Values.Trunc(s)}\" (INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED)");
            return true;
        }
        public override Match? Build(OptionContext ctx)
        {
            if (_st is null) { if (!ctx.Failed) ctx.Error("the state match needs --state"); return null; }
            return new StateMatch { States = _st.Value, Negated = _neg };
        }
    }
}
