using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m u32: raw byte tests. Kept as written; nfwalk does not evaluate it (reported as unknown in walks).</summary>
public sealed class U32Match(string expression, bool negated) : Match
{
    public string Expression { get; } = expression;
    public bool Negated { get; } = negated;
    public override string Name => "u32";
    public override bool IsUnknown => true;
    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m u32"); if (Negated) sb.Append(" !");
        sb.Append(" --u32 \"").Append(Expression).Append('"');
    }
    public override string Explain() => $"{(Negated ? "NOT " : "")}raw byte test \"{Expression}\" (not modelled by nfwalk)";

    public override bool Evaluate(IPacketContext ctx) => ctx.Assume(this, !Negated, "the u32 match is not modelled");

    internal sealed class Parser : MatchParser
    {
        private string? _e; private bool _n;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (option is not "--u32") return false;
            if (ctx.TryString(out var e)) { _e = e; _n = negated; }
            return true;
        }
        public override Match? Build(OptionContext ctx)
        {
            if (_e is null) { if (!ctx.Failed) ctx.Error("the u32 match needs --u32"); return null; }
            return new U32Match(_e, _n);
        }
    }
}
