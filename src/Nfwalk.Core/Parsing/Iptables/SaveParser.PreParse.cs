using System.Globalization;
using Nfwalk.Diagnostics;
using Nfwalk.Model;
using Nfwalk.Model.Net;

namespace Nfwalk.Parsing.Iptables;

public static partial class SaveParser
{
    /// <summary>
    /// A line read ahead: where it starts, and either a rule (with "-I" or not; a rule whose parse gave diagnostics comes with
    /// them, as a <see cref="WithDiagnostics"/>) or, for a well-formed ":NAME POLICY [p:b]" line, the <see cref="ChainDraft"/>
    /// it names, made but in no table yet (the builder adds it, or finds the chain there already and drops this one) and
    /// carrying what the line says. 24 bytes: the pieces' arrays of them were 1.4-2.9 MB of a parse of a 10,000-service
    /// kube-proxy dump at 32 bytes an entry, with the diagnostics (nearly always none) in each.
    /// </summary>
    /// <remarks>
    /// A rule of an ASCII line is made without its chain's name (the builder names it with the string of its chain, see
    /// <see cref="TableDraft.RunChain"/>): <paramref name="ChainOffset"/> and <paramref name="ChainLength"/> are where the
    /// name is in the file, and <paramref name="SameChain"/> says that the line before was a rule read ahead of the same chain.
    /// ChainLength -1: the rule has its name already (a line that is not ASCII).
    /// </remarks>
    private readonly record struct PreParsedLine(int Offset, object Parsed, bool Insert,
        int ChainOffset = 0, int ChainLength = -1, bool SameChain = false);

    /// <summary>A rule read ahead whose parse gave diagnostics, and those (in <see cref="PreParsedLine.Parsed"/>).</summary>
    private sealed record WithDiagnostics(Rule Rule, Diagnostic[] Diagnostics);

    /// <summary>
    /// The rule lines of a two-thread parse, parsed ahead of the builder. The text from a line start to its end is cut into
    /// pieces at line starts. The second thread parses one piece after another, ahead of the builder; the builder reads
    /// every line in order and takes each pre-parsed rule where it would have parsed the line itself. When it reaches a
    /// piece that nobody has started, it parses that piece itself (the second thread carries on after it); when it
    /// reaches the piece the second thread is parsing, it parses a later piece that nobody has started meanwhile. So
    /// neither waits for the other for more than the end of a piece, whatever their speeds (on a shared machine the second core is
    /// sometimes half as fast as the first, or busy; with a fixed split, the builder waited for it).
    /// Only lines that the sequential parser would hand to <see cref="RuleParser"/> are parsed ahead ("-A"/"-I" lines
    /// that pass the same checks), and chain declarations as far as they need no table, each thread with its own parser,
    /// string pool and diagnostics; every other line, and what was read ahead in a skipped table, is the builder's.
    /// </summary>
    private sealed class PreParse
    {
        private readonly SourceFile _file;
        private readonly IpFamily _family;
        private readonly CultureInfo _culture = CultureInfo.CurrentCulture; // numbers parsed ahead as on the builder's thread
        private readonly int[] _start;        // piece k is [_start[k], _start[k + 1])
        private readonly int[] _linesBefore;  // lines before piece k
        private readonly int[] _state;        // 0 free, 1 being parsed, 2 done
        private readonly PreParsedLine[][] _entries;
        private readonly int[] _counts;       // piece k's rules are _entries[k][.._counts[k]]

        public PreParse(SourceFile file, IpFamily family, int from)
        {
            _file = file; _family = family;
            var bytes = file.Bytes;
            // about 256 pieces: a wait for the other thread's piece is short, and a piece is worth a claim
            int size = Math.Max(512, (bytes.Length - from) / 256);
            var starts = new List<int>(260) { from };
            for (int at = from + size; at < bytes.Length;)
            {
                int nl = bytes.Slice(at).IndexOf((byte)'\n');
                if (nl < 0 || at + nl + 1 >= bytes.Length) break;
                starts.Add(at + nl + 1);
                at += nl + 1 + size;
            }
            starts.Add(bytes.Length);
            _start = starts.ToArray();
            _linesBefore = new int[_start.Length - 1];
            _state = new int[_linesBefore.Length];
            _entries = new PreParsedLine[_linesBefore.Length][];
            _counts = new int[_linesBefore.Length];
        }

        // the arrays of the pieces the builder has read, for the next pieces to be parsed into: a few are in use at a time,
        // not one per piece (3.6 MB of fresh memory on a 10,000-service kube-proxy dump, and a copy of each)
        private readonly Stack<PreParsedLine[]> _free = new();

        /// <summary>The builder has read the piece that was parsed into <paramref name="entries"/>.</summary>
        public void Recycle(PreParsedLine[] entries)
        {
            if (entries.Length == 0) return;
            lock (_free) _free.Push(entries);
        }

        /// <summary>An array for a piece of <paramref name="lines"/> lines (0: not known): one given back, or a new one of that length.</summary>
        private PreParsedLine[] Rent(int lines)
        {
            lock (_free)
                if (_free.TryPop(out var a) && a.Length >= lines) return a;
            return lines > 0 ? new PreParsedLine[lines] : [];
        }

        // the lines before each piece, counted by the second thread first thing (the builder, which reads every line,
        // knows the count for the piece it is at; it needs the others only to parse pieces ahead)
        private volatile bool _counted;
        private int _totalLines;

        private void CountLines()
        {
            var bytes = _file.Bytes;
            int lines = bytes.Slice(_file.Start, _start[0] - _file.Start).Count((byte)'\n');
            for (int k = 0; k < _linesBefore.Length; k++)
            {
                _linesBefore[k] = lines;
                lines += bytes.Slice(_start[k], _start[k + 1] - _start[k]).Count((byte)'\n');
            }
            // a last line without a newline is a line too
            _totalLines = lines + (bytes.Length > _file.Start && bytes[^1] != (byte)'\n' ? 1 : 0);
            _counted = true;
        }

        public int Pieces => _state.Length;
        public int From => _start[0];

        /// <summary>The piece a line start at or after <see cref="From"/> is in (pieces are asked for in increasing order).</summary>
        public int PieceOf(int offset, int hint)
        {
            while (hint + 1 < Pieces && offset >= _start[hint + 1]) hint++;
            return hint;
        }

        private int _second;             // 0 not started, 1 started, 2 given up by the builder before it started
        private volatile bool _secondDone;
        private int _builderAt = -1;     // the piece the builder is reading: the second thread goes on after it

        /// <summary>The second thread: the pieces ahead of the builder, one after another, skipping those it took.</summary>
        public void RunSecond()
        {
            if (Interlocked.CompareExchange(ref _second, 1, 0) != 0) return;
            try
            {
                CultureInfo.CurrentCulture = _culture;
                CountLines();
                var parser = new PieceParser(_file, _family);
                for (int k = 0; k < Pieces; k++)
                {
                    k = Math.Max(k, Volatile.Read(ref _builderAt) + 1);
                    if (k < Pieces) TryParse(k, parser, _linesBefore[k]);
                }
            }
            finally { _secondDone = true; }
        }

        /// <summary>
        /// Called by the builder when it has read every line: false when the second thread never started (a busy thread
        /// pool: the builder parsed every piece itself, and the thread will find nothing to do); true when it started,
        /// once it has finished.
        /// </summary>
        public bool WaitForSecond()
        {
            if (Interlocked.CompareExchange(ref _second, 2, 0) == 0) return false;
            var spin = new SpinWait();
            while (!_secondDone) spin.SpinOnce(sleep1Threshold: -1);
            return true;
        }

        private bool TryParse(int k, PieceParser parser, int linesBefore)
        {
            if (Interlocked.CompareExchange(ref _state[k], 1, 0) != 0) return false;
            // sized by the piece's lines when they are counted (a rule per line at most): not grown through 256, 512 and 1,024
            var entries = Rent(_counted ? (k + 1 < _linesBefore.Length ? _linesBefore[k + 1] : _totalLines) - _linesBefore[k] : 0);
            int count = 0;
            try { count = parser.Parse(_start[k], _start[k + 1], linesBefore, ref entries); }
            finally
            {
                // also when the parse failed: the builder then parses the piece's lines itself
                _entries[k] = entries; _counts[k] = count;
                Volatile.Write(ref _state[k], 2);
            }
            return true;
        }

        private PieceParser? _builderParser;

        /// <summary>
        /// For the builder, reading piece <paramref name="k"/>, which has <paramref name="linesBefore"/> lines before it: its
        /// rules in line order (the first <paramref name="count"/> of the array) — parsed here and now when the second thread
        /// has not started it, waited for while that thread is still parsing it.
        /// </summary>
        public PreParsedLine[] Entry(int k, int linesBefore, out int count)
        {
            Volatile.Write(ref _builderAt, k);
            var parser = _builderParser ??= new PieceParser(_file, _family);
            if (TryParse(k, parser, linesBefore)) { count = _counts[k]; return _entries[k]; }
            // the second thread is on it: rather than wait, parse a piece further on that nobody has started
            _help = Math.Max(_help, k + 1);
            var spin = new SpinWait();
            while (Volatile.Read(ref _state[k]) != 2)
            {
                while (_help < Pieces && Volatile.Read(ref _state[_help]) != 0) _help++;
                if (_help < Pieces && _counted) TryParse(_help, parser, _linesBefore[_help]);
                else spin.SpinOnce(sleep1Threshold: -1); // nothing left to parse: the piece is nearly done
            }
            count = _counts[k];
            return _entries[k];
        }

        private int _help; // the builder's search for a piece nobody has started (only moves forward)
    }

    /// <summary>Parses the rule lines of one piece after another, for one thread (its parser, pool, tokens and diagnostics).</summary>
    private sealed class PieceParser
    {
        private readonly SourceFile _file;
        private readonly DiagnosticBag _diags = new();
        private readonly StringPool _pool = new();
        private readonly RuleParser _parser;
        private readonly List<Token> _tokens = new(32);
        private readonly LineBuffer _line = new();
        private PreParsedLine[] _out = [];
        private int _count;

        // the chain name of the line before when it was a rule read ahead (its length; -1: it was not), and its characters
        private int _lastChainLength = -1;
        private char[] _lastChain = new char[32];

        public PieceParser(SourceFile file, IpFamily family)
        {
            _file = file;
            _parser = new RuleParser(_diags, _pool, family);
        }

        /// <summary>
        /// The rules of the lines that start in [<paramref name="from"/>, <paramref name="to"/>), written from the start of
        /// <paramref name="entries"/> (replaced by a longer array when it is too short); their count is returned.
        /// </summary>
        public int Parse(int from, int to, int linesBefore, ref PreParsedLine[] entries)
        {
            _out = entries; _count = 0;
            _lastChainLength = -1; // the line before this piece is not this thread's
            try
            {
                var lines = new LineCursor(_file, from, linesBefore);
                while (lines.Next(out var line) && line.Offset < to) TryRule(line, _parser);
                entries = _out;
                return _count;
            }
            finally { _out = []; }
        }

        private void Add(in PreParsedLine entry)
        {
            if (_count == _out.Length) Array.Resize(ref _out, Math.Max(256, _out.Length * 2));
            _out[_count++] = entry;
        }

        // the checks of Builder.ParseLine in its order, up to the RuleParser call; any other outcome leaves the line alone
        private void TryRule(SourceLine line, RuleParser parser)
        {
            int lastChainLength = _lastChainLength;
            _lastChainLength = -1; // this line is a rule read ahead only when it says so below
            _line.Load(line);
            var text = _line.Chars;
            int s = 0, e = _line.Length;
            while (s < e && (text[s] == ' ' || text[s] == '\t')) s++;
            if (s == e) return;
            char c = text[s];
            if (c == '#' || Builder.HasBinary(text, s, e) || c == '*') return;
            if (c == ':') { TryDeclaration(line); return; }
            if (text.AsSpan(s, e - s).TrimEnd().SequenceEqual("COMMIT")) return;
            Counters? counters = null;
            if (c == '[')
            {
                int close = Array.IndexOf(text, ']', s, e - s);
                if (close < 0 || !Builder.TryCounters(text.AsSpan(s + 1, close - s - 1), out var ct)) return;
                counters = ct;
                s = close + 1;
                while (s < e && (text[s] == ' ' || text[s] == '\t')) s++;
            }
            var tokens = _tokens;
            if (!LineLexer.Split(text.AsSpan(0, e), tokens, out _)) return;
            int first = 0;
            while (first < tokens.Count && tokens[first].Start < s) first++;
            if (first >= tokens.Count) return;
            var cmd = text.AsSpan(tokens[first].Start, tokens[first].Length);
            if (cmd is not ("-A" or "--append" or "-I" or "--insert")) return;
            if (first + 1 >= tokens.Count) return;
            var chainTok = tokens[first + 1];
            var chainText = text.AsSpan(chainTok.Start, chainTok.Length);
            int next = first + 2;
            bool insert = cmd is "-I" or "--insert";
            // "-I CHAIN N" needs the chain's rules so far (the builder's): left to the builder
            if (insert && next < tokens.Count && int.TryParse(text.AsSpan(tokens[next].Start, tokens[next].Length), NumberStyles.None, CultureInfo.InvariantCulture, out _)) return;
            // the chain's name is the builder's to give (the string of the table's chain): no string is made for it here, a
            // copy of the name per chain that the builder then compared with its own and dropped (40,000 of them, 3 MB, in a
            // 10,000-service kube-proxy dump). Only a line that is not ASCII, whose character positions are not its bytes', has one
            bool ascii = _line.IsAscii;
            bool same = ascii && lastChainLength == chainText.Length && chainText.SequenceEqual(_lastChain.AsSpan(0, lastChainLength));
            int d0 = _diags.Items.Count;
            var rule = parser.Parse(text, tokens, next, ascii ? "" : chainText.ToString(), chainTok.Column, line, counters, ascii);
            object parsed = rule;
            if (_diags.Items.Count > d0)
            {
                var ds = new Diagnostic[_diags.Items.Count - d0];
                for (int i = 0; i < ds.Length; i++) ds[i] = _diags.Items[d0 + i];
                parsed = new WithDiagnostics(rule, ds);
            }
            if (!ascii) { Add(new PreParsedLine(line.Offset, parsed, insert)); return; }
            Add(new PreParsedLine(line.Offset, parsed, insert, line.Offset + chainTok.Start, chainTok.Length, same));
            if (_lastChain.Length < chainText.Length) _lastChain = new char[chainText.Length];
            chainText.CopyTo(_lastChain);
            _lastChainLength = chainText.Length;
        }

        // what Builder.Declare reads from the line before it looks at the table, when the line has no mistake
        private void TryDeclaration(SourceLine line)
        {
            var tokens = _tokens;
            var text = _line.Span;
            if (!LineLexer.Split(text, tokens, out _) || tokens.Count < 2 || tokens[0].Length < 2) return;
            Counters? counters = null;
            if (tokens.Count >= 3)
            {
                if (!Builder.TryBracketedCounters(text.Slice(tokens[2].Start, tokens[2].Length), out var ct)) return;
                counters = ct;
            }
            var policy = text.Slice(tokens[1].Start, tokens[1].Length);
            if (!ChainDraft.IsReadAheadPolicy(policy)) return; // a policy the builder will have something to say about
            var chain = ChainDraft.MadeAhead(text.Slice(tokens[0].Start + 1, tokens[0].Length - 1).ToString(), policy, tokens[0].Start + 2, counters);
            Add(new PreParsedLine(line.Offset, chain, false));
        }
    }
}
