using System.Text;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m iprange: inclusive address ranges (kernel xt_iprange.c).</summary>
public sealed class IprangeMatch : Match
{
    public (IpAddress From, IpAddress To, bool Negated)? Source { get; init; }
    public (IpAddress From, IpAddress To, bool Negated)? Destination { get; init; }
    public override string Name => "iprange";

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m iprange");
        if (Source is { } s) { if (s.Negated) sb.Append(" !"); sb.Append(" --src-range ").Append(s.From).Append('-').Append(s.To); }
        if (Destination is { } d) { if (d.Negated) sb.Append(" !"); sb.Append(" --dst-range ").Append(d.From).Append('-').Append(d.To); }
    }

    public override string Explain()
    {
        var p = new List<string>();
        if (Source is { } s) p.Add($"source address is{(s.Negated ? " not" : "")} between {s.From} and {s.To} inclusive");
        if (Destination is { } d) p.Add($"destination address is{(d.Negated ? " not" : "")} between {d.From} and {d.To} inclusive");
        return string.Join("; ", p);
    }

    /// <summary>xt_iprange.c iprange_mt4: inclusive numeric comparison, XOR "!".</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        if (Source is { } s && !((ctx.Source.CompareTo(s.From) >= 0 && ctx.Source.CompareTo(s.To) <= 0) ^ s.Negated)) return false;
        if (Destination is { } d && !((ctx.Destination.CompareTo(d.From) >= 0 && ctx.Destination.CompareTo(d.To) <= 0) ^ d.Negated)) return false;
        return true;
    }

    internal sealed class Parser : MatchParser
    {
        private (IpAddress, IpAddress, bool)? _s, _d;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--src-range": negated |= ctx.TakeOldStyleBang(); _s = Range(negated, ctx); return true;
                case "--dst-range": negated |= ctx.TakeOldStyleBang(); _d = Range(negated, ctx); return true;
            }
            return false;
        }
        private static (IpAddress, IpAddress, bool)? Range(bool neg, OptionContext ctx)
        {
            if (!ctx.TryValue(out var s, out var at)) return null;
            int dash = s.IndexOf('-');
            var a = dash < 0 ? s : s[..dash];
            var b = dash < 0 ? s : s[(dash + 1)..];
            if (IpAddress.TryParse(a, out var x) && IpAddress.TryParse(b, out var y) && x.Family == ctx.Family && y.Family == ctx.Family) return (x, y, neg);
            ctx.Error(at, $"{ctx.OptionName}: bad range \"{Values.Trunc(s)}\" (expected FROM-TO addresses)");
            return null;
        }
        public override Match? Build(OptionContext ctx)
        {
            if (_s is null && _d is null) { if (!ctx.Failed) ctx.Error("iprange needs --src-range or --dst-range"); return null; }
            return new IprangeMatch { Source = _s, Destination = _d };
        }
    }
}
