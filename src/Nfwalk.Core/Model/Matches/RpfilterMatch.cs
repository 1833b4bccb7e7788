using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m rpfilter: reverse-path check, a FIB lookup with source and destination swapped (kernel ipt_rpfilter.c).</summary>
public sealed class RpfilterMatch : Match
{
    public bool Loose { get; init; }
    public bool ValidMark { get; init; }
    public bool AcceptLocal { get; init; }
    public bool Invert { get; init; }
    public override string Name => "rpfilter";
    public override HookSet AllowedHooks => HookSet.Prerouting;

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m rpfilter");
        if (Loose) sb.Append(" --loose");
        if (ValidMark) sb.Append(" --validmark");
        if (AcceptLocal) sb.Append(" --accept-local");
        if (Invert) sb.Append(" --invert");
    }

    public override string Explain()
        => $"{(Invert ? "the reverse-path check FAILS" : "the reverse-path check passes")}: a route back to the source exists {(Loose ? "via any interface" : "via the interface the packet came in on")}"
           + (ValidMark ? ", using the packet mark in that lookup" : "") + (AcceptLocal ? ", local source addresses allowed" : "");

    /// <summary>ipt_rpfilter.c rpfilter_mt: a reverse FIB lookup; nfwalk assumes the reverse path is valid.</summary>
    public override bool Evaluate(IPacketContext ctx)
        => ctx.Assume(this, !Invert, "reverse-path lookup not modelled: assumed the source is reachable back through the input interface");

    internal sealed class Parser : MatchParser
    {
        private bool _l, _v, _a, _i;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--loose": _l = true; return true;
                case "--validmark": _v = true; return true;
                case "--accept-local": _a = true; return true;
                case "--invert": _i = true; return true;
            }
            return false;
        }
        public override Match? Build(OptionContext ctx) => new RpfilterMatch { Loose = _l, ValidMark = _v, AcceptLocal = _a, Invert = _i };
    }
}
