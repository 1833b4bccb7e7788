using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m length: the IP total length including headers (kernel xt_length.c).</summary>
public sealed class LengthMatch(ushort min, ushort max, bool negated) : Match
{
    public ushort Min { get; } = min;
    public ushort Max { get; } = max;
    public bool Negated { get; } = negated;
    public override string Name => "length";
    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m length"); if (Negated) sb.Append(" !");
        sb.Append(" --length ").Append(Min);
        if (Max != Min) sb.Append(':').Append(Max);
    }
    public override string Explain() => $"IP total length (headers included) is{(Negated ? " not" : "")} {(Min == Max ? $"{Min}" : $"between {Min} and {Max}")} bytes";

    /// <summary>xt_length.c length_mt: the IP total length, inclusive range, XOR "!".</summary>
    public override bool Evaluate(IPacketContext ctx) => (ctx.Length >= Min && ctx.Length <= Max) ^ Negated;

    internal sealed class Parser : MatchParser
    {
        private (ushort, ushort)? _r; private bool _n;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (option is not "--length") return false;
            negated |= ctx.TakeOldStyleBang();
            if (ctx.TryPortRange(out var r)) { _r = (r.First, r.Last); _n = negated; }
            return true;
        }
        public override Match? Build(OptionContext ctx)
        {
            if (_r is not { } r) { if (!ctx.Failed) ctx.Error("the length match needs --length"); return null; }
            return new LengthMatch(r.Item1, r.Item2, _n);
        }
    }
}
