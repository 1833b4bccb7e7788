using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m comment: always true; carries a note (kernel xt_comment.c).</summary>
public sealed class CommentMatch : Match
{
    private string? _comment;
    // a parsed comment stays a word of its line until it is read: checking or walking a ruleset never reads one, and
    // a string per rule was 5 of the 75 MB a parse of a 10,000-service kube-proxy dump allocated. The line is kept as
    // its file and place, not as a SourceLine (the rule has its line number): 56 bytes a comment, not 72
    private readonly SourceFile? _file;
    private readonly int _lineOffset, _lineLength, _wordStart, _wordLength; // _wordLength < 0: the word is quoted (~length)

    public CommentMatch(string comment) { _comment = comment; }

    /// <summary>A comment that is the word <paramref name="word"/> of <paramref name="line"/> (quotes and escapes still in it).</summary>
    internal CommentMatch(SourceLine line, Token word)
    {
        _file = line.File; _lineOffset = line.Offset; _lineLength = line.Length;
        _wordStart = word.Start; _wordLength = word.Quoted ? ~word.Length : word.Length;
    }

    public string Comment => _comment ??= LineLexer.Value(new SourceLine(_file, _lineOffset, _lineLength, 0).Text,
        new Token(_wordStart, _wordLength < 0 ? ~_wordLength : _wordLength, _wordLength < 0));
    public override string Name => "comment";
    public override void Print(StringBuilder sb) { sb.Append(" -m comment --comment"); Values.AppendSaveString(sb, Comment); }
    public override string Explain() => $"comment \"{Comment}\" (always true)";

    /// <summary>xt_comment.c comment_mt: always true.</summary>
    public override bool Evaluate(IPacketContext ctx) => true;

    internal sealed class Parser : MatchParser
    {
        private bool _given; private Token _word;
        internal override bool Reset() { _given = false; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (option is not "--comment") return false;
            ctx.NoInvert(negated);
            if (ctx.TryWord(out _word, out var at))
            {
                int length = ctx.ValueLength(_word);
                if (length > 255) ctx.Error(at, $"--comment: comment is {length} characters long, the limit is 255");
                _given = true;
            }
            return true;
        }
        public override Match? Build(OptionContext ctx)
        {
            if (!_given) { if (!ctx.Failed) ctx.Error("the comment match needs --comment"); return null; }
            return new CommentMatch(ctx.Line, _word);
        }
    }
}
