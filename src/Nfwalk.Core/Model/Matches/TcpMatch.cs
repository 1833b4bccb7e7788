using System.Text;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>TCP flag bits as in the TCP header (FIN=0x01 ... URG=0x20).</summary>
[Flags]
public enum TcpFlags : byte { None = 0, Fin = 1, Syn = 2, Rst = 4, Psh = 8, Ack = 16, Urg = 32, All = 63 }

public static class TcpFlagNames
{
    private static readonly (string Name, TcpFlags Flag)[] Order =
        [("FIN", TcpFlags.Fin), ("SYN", TcpFlags.Syn), ("RST", TcpFlags.Rst), ("PSH", TcpFlags.Psh), ("ACK", TcpFlags.Ack), ("URG", TcpFlags.Urg)];

    /// <summary>libxt_tcp print_tcpf: names in FIN,SYN,RST,PSH,ACK,URG order, "NONE" for zero.</summary>
    public static string Format(TcpFlags f)
    {
        if (f == 0) return "NONE";
        var parts = new List<string>(6);
        foreach (var (n, v) in Order) if ((f & v) != 0) parts.Add(n);
        return string.Join(',', parts);
    }

    public static bool TryParse(ReadOnlySpan<char> s, out TcpFlags flags)
    {
        flags = 0;
        foreach (var range in s.Split(','))
        {
            var p = s[range];
            if (p.Equals("ALL", StringComparison.OrdinalIgnoreCase)) flags |= TcpFlags.All;
            else if (p.Equals("NONE", StringComparison.OrdinalIgnoreCase)) { }
            else
            {
                bool found = false;
                foreach (var (n, v) in Order) if (p.Equals(n, StringComparison.OrdinalIgnoreCase)) { flags |= v; found = true; }
                if (!found) return false;
            }
        }
        return true;
    }
}

/// <summary>-m tcp: ports, flags and options of TCP segments (kernel xt_tcpudp.c tcp_mt).</summary>
public sealed class TcpMatch : Match
{
    public PortRange? SourcePorts { get; init; }
    public bool SourceNegated { get; init; }
    public PortRange? DestinationPorts { get; init; }
    public bool DestinationNegated { get; init; }
    public TcpFlags FlagMask { get; init; }
    public TcpFlags FlagCompare { get; init; }
    public bool FlagsNegated { get; init; }
    public bool HasFlags => FlagMask != 0 || FlagsNegated;
    public byte? TcpOption { get; init; }
    public bool OptionNegated { get; init; }
    public override string Name => "tcp";

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m tcp");
        PortPrinting.Append(sb, "--sport", SourcePorts, SourceNegated);
        PortPrinting.Append(sb, "--dport", DestinationPorts, DestinationNegated);
        if (TcpOption is { } o) { if (OptionNegated) sb.Append(" !"); sb.Append(" --tcp-option ").Append(o); }
        if (HasFlags)
        {
            if (FlagsNegated) sb.Append(" !");
            sb.Append(" --tcp-flags ").Append(TcpFlagNames.Format(FlagMask)).Append(' ').Append(TcpFlagNames.Format(FlagCompare));
        }
    }

    public override string Explain()
    {
        var parts = new List<string>();
        PortPrinting.Explain(parts, "TCP", SourcePorts, SourceNegated, DestinationPorts, DestinationNegated);
        if (TcpOption is { } o) parts.Add($"TCP option {o} is{(OptionNegated ? " not" : "")} present");
        if (HasFlags)
        {
            string desc;
            if (FlagMask == (TcpFlags.Fin | TcpFlags.Syn | TcpFlags.Rst | TcpFlags.Ack) && FlagCompare == TcpFlags.Syn)
                desc = "is a connection-opening SYN (SYN set; FIN, RST and ACK clear)";
            else
            {
                var set = FlagCompare & FlagMask;
                var clear = FlagMask & ~FlagCompare;
                var bits = new List<string>();
                if (set != 0) bits.Add($"{TcpFlagNames.Format(set)} set");
                if (clear != 0) bits.Add($"{TcpFlagNames.Format(clear)} clear");
                if ((FlagCompare & ~FlagMask) != 0) bits.Add("(compare bits outside the mask make this impossible)");
                desc = FlagMask == 0 ? "has any flags (mask NONE)" : $"has {string.Join(" and ", bits)}, other flags ignored";
            }
            parts.Add(FlagsNegated ? $"TCP flags do NOT satisfy: {desc}" : $"TCP segment {desc}");
        }
        if (parts.Count == 0) parts.Add("is a TCP packet (no further TCP condition)");
        return string.Join("; ", parts);
    }

    /// <summary>xt_tcpudp.c tcp_mt: non-first fragments never match; ports inclusive; (flags &amp; mask) == cmp; each test XOR its "!".</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        if (ctx.IsFragment || ctx.Protocol != Protocols.Tcp) return false;
        if (!PortOptions.Test(SourcePorts, SourceNegated, ctx.SourcePort) || !PortOptions.Test(DestinationPorts, DestinationNegated, ctx.DestinationPort)) return false;
        if (HasFlags && !((((ctx.TcpFlags & FlagMask) == FlagCompare)) ^ FlagsNegated)) return false;
        if (TcpOption is { } o && !ctx.Assume(this, !OptionNegated, $"TCP option {o}: nfwalk does not model TCP options")) return false;
        return true;
    }

    internal sealed class Parser : MatchParser
    {
        private readonly PortOptions _ports = new(); private bool _fn, _on, _flags; private TcpFlags _mask, _cmp; private byte? _opt;
        private TcpMatch? _last; // the last match built, kept across rules (Reset forgets the options only)
        internal override bool Reset() { _ports.Reset(); _fn = _on = _flags = false; _mask = _cmp = 0; _opt = null; return true; }

        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (_ports.Accept(option, negated, ctx)) return true;
            switch (option)
            {
                case "--syn":
                    _flags = true; _fn = negated;
                    _mask = TcpFlags.Fin | TcpFlags.Syn | TcpFlags.Rst | TcpFlags.Ack; _cmp = TcpFlags.Syn;
                    return true;
                case "--tcp-flags":
                    negated |= ctx.TakeOldStyleBang();
                    if (ctx.TryValue(out var m, out var mat) && ParseFlags(m, mat, ctx, out var mask)
                        && ctx.TryValue(out var c, out var cat) && ParseFlags(c, cat, ctx, out var cmp))
                    { _flags = true; _mask = mask; _cmp = cmp; _fn = negated; }
                    return true;
                case "--tcp-option":
                    negated |= ctx.TakeOldStyleBang();
                    if (ctx.TryUInt(out var o, 255, "TCP option number")) { _opt = (byte)o; _on = negated; }
                    return true;
            }
            return false;
        }

        private static bool ParseFlags(ReadOnlySpan<char> s, Diagnostics.SourceLocation at, OptionContext ctx, out TcpFlags f)
        {
            if (TcpFlagNames.TryParse(s, out f)) return true;
            ctx.Error(at, $"--tcp-flags: unknown TCP flag in \"{Values.Trunc(s)}\" (expected FIN, SYN, RST, PSH, ACK, URG, ALL or NONE)");
            return false;
        }

        public override Match? Build(OptionContext ctx)
        {
            if (ctx.Protocol != Protocols.Tcp || ctx.ProtocolNegated)
                ctx.Error("the tcp match needs \"-p tcp\" (the kernel refuses it for other protocols)");
            PortRange? sp = _ports.Source, dp = _ports.Destination;
            bool spn = _ports.SourceNegated, dpn = _ports.DestinationNegated;
            TcpFlags mask = _flags ? _mask : 0, cmp = _flags ? _cmp : 0;
            byte? option = _opt is 0 && !_on ? null : _opt;
            int column = ctx.OptionColumn;
            // the match of the rule before when it says the same at the same column (see RuleParser: matches are immutable)
            if (_last is { } l && l.Column == column && l.SourcePorts == sp && l.SourceNegated == spn && l.DestinationPorts == dp && l.DestinationNegated == dpn
                && l.FlagMask == mask && l.FlagCompare == cmp && l.FlagsNegated == _fn && l.TcpOption == option && l.OptionNegated == _on)
                return l;
            return _last = new TcpMatch
            {
                SourcePorts = sp, SourceNegated = spn, DestinationPorts = dp, DestinationNegated = dpn,
                FlagMask = mask, FlagCompare = cmp, FlagsNegated = _fn, TcpOption = option, OptionNegated = _on, Column = column,
            };
        }
    }
}

/// <summary>-m udp: UDP ports (kernel xt_tcpudp.c udp_mt).</summary>
public sealed class UdpMatch : Match
{
    public PortRange? SourcePorts { get; init; }
    public bool SourceNegated { get; init; }
    public PortRange? DestinationPorts { get; init; }
    public bool DestinationNegated { get; init; }
    public override string Name => "udp";

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m udp");
        PortPrinting.Append(sb, "--sport", SourcePorts, SourceNegated);
        PortPrinting.Append(sb, "--dport", DestinationPorts, DestinationNegated);
    }

    public override string Explain()
    {
        var parts = new List<string>();
        PortPrinting.Explain(parts, "UDP", SourcePorts, SourceNegated, DestinationPorts, DestinationNegated);
        return parts.Count == 0 ? "is a UDP packet (no further UDP condition)" : string.Join("; ", parts);
    }

    /// <summary>xt_tcpudp.c udp_mt: non-first fragments never match; ports inclusive, XOR "!".</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        return !ctx.IsFragment && ctx.Protocol == Protocols.Udp
            && PortOptions.Test(SourcePorts, SourceNegated, ctx.SourcePort) && PortOptions.Test(DestinationPorts, DestinationNegated, ctx.DestinationPort);
    }

    internal sealed class Parser : MatchParser
    {
        private readonly PortOptions _ports = new();
        private UdpMatch? _last; // the last match built, kept across rules (Reset forgets the options only)
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx) => _ports.Accept(option, negated, ctx);
        internal override bool Reset() { _ports.Reset(); return true; }

        public override Match? Build(OptionContext ctx)
        {
            if (ctx.Protocol != Protocols.Udp || ctx.ProtocolNegated)
                ctx.Error("the udp match needs \"-p udp\" (the kernel refuses it for other protocols)");
            PortRange? sp = _ports.Source, dp = _ports.Destination;
            bool spn = _ports.SourceNegated, dpn = _ports.DestinationNegated;
            int column = ctx.OptionColumn;
            if (_last is { } l && l.Column == column && l.SourcePorts == sp && l.SourceNegated == spn && l.DestinationPorts == dp && l.DestinationNegated == dpn)
                return l;
            return _last = new UdpMatch { SourcePorts = sp, SourceNegated = spn, DestinationPorts = dp, DestinationNegated = dpn, Column = column };
        }
    }
}

/// <summary>--sport/--dport as the tcp and udp modules share them (xt_tcpudp.c port_match: inclusive range XOR "!").</summary>
internal sealed class PortOptions
{
    private PortRange? _sp, _dp; private bool _spn, _dpn;

    public void Reset() { _sp = _dp = null; _spn = _dpn = false; }

    public bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
    {
        bool source;
        switch (option)
        {
            case "--sport" or "--source-port": source = true; break;
            case "--dport" or "--destination-port": source = false; break;
            default: return false;
        }
        negated |= ctx.TakeOldStyleBang();
        if (!ctx.TryPortRange(out var r)) return true;
        if (source) { _sp = r; _spn = negated; } else { _dp = r; _dpn = negated; }
        return true;
    }

    // 0:65535 is the module default and is not printed, so it is not kept as a test
    public PortRange? Source => _sp is { IsAll: false } ? _sp : null;
    public bool SourceNegated => _spn && Source is not null;
    public PortRange? Destination => _dp is { IsAll: false } ? _dp : null;
    public bool DestinationNegated => _dpn && Destination is not null;

    public static bool Test(PortRange? range, bool negated, ushort port) => range is not { } r || (r.Contains(port) ^ negated);
}

internal static class PortPrinting
{
    public static void Append(StringBuilder sb, string opt, PortRange? r, bool neg)
    {
        if (r is not { } p) return;
        if (neg) sb.Append(" !");
        sb.Append(' ').Append(opt).Append(' ').Append(p.ToString());
    }

    public static string Describe(PortRange p) => p.IsSingle ? $"port {p.First}" : $"ports {p.First}-{p.Last}";

    public static void Explain(List<string> parts, string proto, PortRange? sp, bool spn, PortRange? dp, bool dpn)
    {
        if (sp is { } s) parts.Add($"{proto} source {(spn ? "is not " : "")}{Describe(s)}");
        if (dp is { } d) parts.Add($"{proto} destination {(dpn ? "is not " : "")}{Describe(d)}");
    }
}
