using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m physdev: bridge ports of a bridged packet (kernel xt_physdev.c). Routed packets carry no bridge info.</summary>
public sealed class PhysdevMatch : Match
{
    public (string Name, bool Negated)? In { get; init; }
    public (string Name, bool Negated)? Out { get; init; }
    public bool? IsIn { get; init; }
    public bool? IsOut { get; init; }
    public bool? IsBridged { get; init; }
    public override string Name => "physdev";

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m physdev");
        if (In is { } i) { if (i.Negated) sb.Append(" !"); sb.Append(" --physdev-in ").Append(i.Name); }
        if (Out is { } o) { if (o.Negated) sb.Append(" !"); sb.Append(" --physdev-out ").Append(o.Name); }
        if (IsIn is { } ii) sb.Append(ii ? " --physdev-is-in" : " ! --physdev-is-in");
        if (IsOut is { } io) sb.Append(io ? " --physdev-is-out" : " ! --physdev-is-out");
        if (IsBridged is { } b) sb.Append(b ? " --physdev-is-bridged" : " ! --physdev-is-bridged");
    }

    public override string Explain()
    {
        var p = new List<string>();
        if (In is { } i) p.Add($"bridged in through port {(i.Negated ? "other than " : "")}{i.Name}");
        if (Out is { } o) p.Add($"bridged out through port {(o.Negated ? "other than " : "")}{o.Name}");
        if (IsIn is { } ii) p.Add(ii ? "entered through a bridge port" : "did not enter through a bridge port");
        if (IsOut is { } io) p.Add(io ? "leaves through a bridge port" : "does not leave through a bridge port");
        if (IsBridged is { } b) p.Add(b ? "is being bridged" : "is not being bridged");
        return string.Join("; ", p) + " (routed packets have no bridge ports: every plain physdev test is false for them, every negated one true)";
    }

    /// <summary>xt_physdev.c physdev_mt: packets that are not bridged carry no bridge ports: every plain test is false, every negated one true.</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        bool ok = true;
        if (In is { } i) ok &= i.Negated;
        if (Out is { } o) ok &= o.Negated;
        if (IsIn is { } ii) ok &= !ii;
        if (IsOut is { } io) ok &= !io;
        if (IsBridged is { } b) ok &= !b;
        return ok;
    }

    internal sealed class Parser : MatchParser
    {
        private (string, bool)? _in, _out; private bool? _isIn, _isOut, _br;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--physdev-in": negated |= ctx.TakeOldStyleBang(); if (ctx.TryString(out var i)) _in = (i, negated); return true;
                case "--physdev-out": negated |= ctx.TakeOldStyleBang(); if (ctx.TryString(out var o)) _out = (o, negated); return true;
                case "--physdev-is-in": _isIn = !negated; return true;
                case "--physdev-is-out": _isOut = !negated; return true;
                case "--physdev-is-bridged": _br = !negated; return true;
            }
            return false;
        }
        public override Match? Build(OptionContext ctx)
        {
            if (_in is null && _out is null && _isIn is null && _isOut is null && _br is null) { if (!ctx.Failed) ctx.Error("physdev needs at least one option"); return null; }
            return new PhysdevMatch { In = _in, Out = _out, IsIn = _isIn, IsOut = _isOut, IsBridged = _br };
        }
    }
}
