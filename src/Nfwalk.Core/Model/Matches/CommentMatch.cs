using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m comment: always true; carries a note (kernel xt_comment.c).</summary>
public sealed class CommentMatch : Match
{
    // a parsed comment stays a word of its file until it is read: checking or walking a ruleset never reads one, and
    // a string per rule was 5 of the 75 MB a parse of a 10,000-service kube-proxy dump allocated. The word is kept as its
    // file and the place where it starts: _text is the comment itself (a string), or the SourceFile whose bytes from
    // _offset on begin with the word as written (quotes and escapes still in it). Where the word ends is found again when it
    // is read, by the lexer that found it (a word's extent depends only on where it starts), so that its length is not kept:
    // 32 bytes a comment (it was 56 with the line's place and the decoded comment kept, 40 with the length); each read
    // decodes the word again (explaining or printing a rule reads it once)
    private readonly object _text;
    private readonly int _offset;

    public CommentMatch(string comment) { _text = comment; }

    /// <summary>
    /// A comment that is the word <paramref name="word"/> of <paramref name="line"/> (quotes and escapes still in it):
    /// <paramref name="text"/> is the line's characters, <paramref name="ascii"/> whether the line is ASCII (a word of a line that is
    /// not, whose characters are not its bytes, is decoded now).
    /// </summary>
    internal CommentMatch(SourceLine line, ReadOnlySpan<char> text, Token word, bool ascii)
    {
        if (!ascii || line.File is null) { _text = LineLexer.Value(text, word); return; }
        _text = line.File; _offset = line.Offset + word.Start;
    }

    public string Comment
    {
        get
        {
            if (_text is string s) return s;
            // the rest of the line from the word on, split as the line was: its first word is the comment
            var file = (SourceFile)_text;
            int nl = file.Bytes[_offset..].IndexOf((byte)'\n');
            var rest = file.Decode(_offset, nl < 0 ? file.Bytes.Length - _offset : nl);
            var words = new List<Token>(4);
            if (!LineLexer.Split(rest, words, out _) || words.Count == 0 || words[0].Start != 0)
                throw new InvalidOperationException("a comment's word is no longer where it was parsed"); // the file's bytes never change
            return LineLexer.Value(rest, words[0]);
        }
    }
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
            return new CommentMatch(ctx.Line, ctx.Text, _word, ctx.LineIsAscii);
        }
    }
}
