using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m comment: always true; carries a note (kernel xt_comment.c).</summary>
public sealed class CommentMatch(string comment) : Match
{
    public string Comment { get; } = comment;
    public override string Name => "comment";
    public override void Print(StringBuilder sb) { sb.Append(" -m comment --comment"); Values.AppendSaveString(sb, Comment); }
    public override string Explain() => $"comment \"{Comment}\" (always true)";

    /// <summary>xt_comment.c comment_mt: always true.</summary>
    public override bool Evaluate(IPacketContext ctx) => true;

    internal sealed class Parser : MatchParser
    {
        private string? _c;
        internal override bool Reset() { _c = null; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (option is not "--comment") return false;
            ctx.NoInvert(negated);
            if (ctx.TryString(out var c, out var at))
            {
                if (c.Length > 255) ctx.Error(at, $"--comment: comment is {c.Length} characters long, the limit is 255");
                _c = c;
            }
            return true;
        }
        public override Match? Build(OptionContext ctx)
        {
            if (_c is null) { if (!ctx.Failed) ctx.Error("the comment match needs --comment"); return null; }
            return new CommentMatch(_c);
        }
    }
}
