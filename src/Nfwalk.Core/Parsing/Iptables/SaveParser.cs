using System.Buffers;
using System.Globalization;
using System.Text;
using Nfwalk.Diagnostics;
using Nfwalk.Hosting;
using Nfwalk.Model;
using Nfwalk.Model.Net;

namespace Nfwalk.Parsing.Iptables;

/// <summary>The result of parsing: the ruleset (always, even with errors) and every diagnostic.</summary>
public sealed record ParseResult(Ruleset Ruleset, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);
}

/// <summary>
/// Reads iptables-save / ip6tables-save output (with or without counters, legacy or nf_tables), restore input
/// (-N/-P/-I lines), and headerless fragments such as "iptables-save | grep X". A bad line is reported with
/// file:line:column and skipped; the rest of the file is still read.
/// </summary>
public static partial class SaveParser
{
    public const int MaxChainName = 28;

    public static ParseResult ParseFile(string path, IpFamily? family = null) => ParseFile(path, family, map: true);

    /// <summary>For the tests: <paramref name="map"/> false reads a large file as a small one is read, instead of mapping it.</summary>
    internal static ParseResult ParseFile(string path, IpFamily? family, bool map)
    {
        SourceFile file;
        try { file = ReadFile(path, map); PhaseClock.Mark("read"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var d = new DiagnosticBag();
            d.Error(new SourceLocation(path, 0, 0), $"cannot read file: {e.Message}");
            return new ParseResult(Empty(family ?? IpFamily.V4), d.Items);
        }
        return Parse(file, family);
    }

    /// <summary>
    /// The file as its bytes, for the parser to decode line by line (<see cref="LineBuffer"/>): UTF-8, a UTF-8 byte order
    /// mark skipped. A UTF-16 or UTF-32 byte order mark: the text as File.ReadAllText decodes it, kept as UTF-8.
    /// Kept as bytes, a 16 MB dump is 16 MB of memory, not the 32 MB of its text as a string, and it is not widened.
    /// A file of a megabyte or more is mapped (<see cref="MappedFile"/>): the page cache's own pages, with no fresh memory
    /// to fault in and no copy (16.3 MB kube-proxy dump, native check A/B x20: read 6.9 -> 1.3 ms, 18,100 -> 14,300 page
    /// faults, whole process 94.0 -> 88.6 ms). Where it cannot be mapped (not a regular file, NFWALK_MMAP=0), a large
    /// file is read in parts on two threads (<see cref="TwoThreads"/>).
    /// </summary>
    private static SourceFile ReadFile(string path, bool map)
    {
        byte[]? bytes = null;
        using (var handle = File.OpenHandle(path))
        {
            long length = RandomAccess.GetLength(handle);
            if (map && length >= MapFrom && length < 1 << 30 && MappedFile.TryMap(handle, (int)length) is { } mapped)
            {
                int start = TextStart(mapped.Span);
                if (start >= 0) return new SourceFile(path, mapped, start);
                mapped.Dispose(); // UTF-16 or UTF-32: decoded below
            }
            if (length > 0 && length < 1 << 30) bytes = TryRead(handle, (int)length);
        }
        bytes ??= File.ReadAllBytes(path); // the length was unknown (a pipe, /proc) or changed while being read
        int at = TextStart(bytes);
        return at >= 0 ? new SourceFile(path, bytes, at) : new SourceFile(path, File.ReadAllText(path));
    }

    /// <summary>Where the UTF-8 text starts (3 after a UTF-8 byte order mark, else 0); -1 for a UTF-16 or UTF-32 byte order mark.</summary>
    private static int TextStart(ReadOnlySpan<byte> b)
    {
        if (b.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return 3;
        if (b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || b.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || b.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF])) return -1;
        return 0;
    }

    /// <summary>Files at least this long are mapped into memory (<see cref="MappedFile"/>) rather than read.</summary>
    private const int MapFrom = 1 << 20;

    /// <summary>Files at least this long are read on two threads, in parts of <see cref="ReadPart"/> bytes, when there are two cores.</summary>
    private const int TwoThreadRead = 4 << 20;
    private const int ReadPart = 1 << 20;

    /// <summary>The whole file when it is exactly <paramref name="length"/> bytes long; null otherwise.</summary>
    private static byte[]? TryRead(Microsoft.Win32.SafeHandles.SafeFileHandle handle, int length)
    {
        // written first by the reads below. Pinned, it is in a heap of its own (the pinned-object heap), not among the large
        // arrays a parse makes (dictionaries of 40,000 chains, long chains' rule lists): nfwalk check budgets the collector's
        // large-object space for those alone (ParseHeap), and a budget that fits its first region is committed in one piece
        var bytes = GC.AllocateUninitializedArray<byte>(length, pinned: true);
        bool ok;
        if (length >= TwoThreadRead)
        {
            // in parts of a megabyte, each thread taking the next (ReadPart): on this VM one vCPU is often slower than the other
            int parts = (length + ReadPart - 1) / ReadPart;
            var read = new bool[parts];
            TwoThreads.ForEachPart(parts, k => read[k] = ReadRange(handle, bytes, k * ReadPart, (int)Math.Min(length, (long)(k + 1) * ReadPart)));
            ok = Array.TrueForAll(read, r => r);
        }
        else ok = ReadRange(handle, bytes, 0, length);
        Span<byte> one = stackalloc byte[1];
        if (ok && RandomAccess.Read(handle, one, length) != 0) ok = false; // the file grew
        return ok ? bytes : null;
    }

    /// <summary>Bytes [<paramref name="from"/>, <paramref name="to"/>) of the file; false when it became shorter.</summary>
    private static bool ReadRange(Microsoft.Win32.SafeHandles.SafeFileHandle handle, byte[] bytes, int from, int to)
    {
        for (int offset = from; offset < to;)
        {
            int n = RandomAccess.Read(handle, bytes.AsSpan(offset, Math.Min(1 << 20, to - offset)), offset);
            if (n <= 0) return false;
            offset += n;
        }
        return true;
    }

    private static Ruleset Empty(IpFamily f) => new() { Family = f, Tables = [], Items = [] };

    /// <summary>
    /// Inputs at least this long (bytes) parse their rule lines on two threads when the machine has two cores or more.
    /// Measured on the shared 2-core machine (kube-proxy dumps, bench "measure"), with the fixed split the two-thread parse
    /// had before its pieces: 13 MB and 16 MB were faster on two threads (median 169 vs 127 MB/s, 166–173 vs 132–137 MB/s),
    /// but 4.9 MB and 9.8 MB were slower (e.g. 82 vs 129 MB/s, 130 vs 177 MB/s), so smaller inputs stay on one thread;
    /// not measured again since.
    /// </summary>
    public const int ParallelThreshold = 12 << 20;

    /// <summary>Whether <see cref="Parse"/> uses two threads for an input of <paramref name="length"/> bytes when not told.</summary>
    internal static bool UsesTwoThreads(int length) => length >= ParallelThreshold && Environment.ProcessorCount >= 2;

    /// <summary>
    /// Parses <paramref name="text"/>. <paramref name="parallel"/>: null decides by size and core count, false forces the
    /// sequential parser, true forces the two-thread path even for a tiny input (the equivalence tests use both). The
    /// result — model, diagnostics and their order — is the same either way.
    /// </summary>
    public static ParseResult Parse(string text, string fileName = "<input>", IpFamily? family = null, bool? parallel = null)
        => Parse(new SourceFile(fileName, text), family, parallel);

    /// <summary>Parses a file as read (see <see cref="Parse(string, string, IpFamily?, bool?)"/>).</summary>
    public static ParseResult Parse(SourceFile file, IpFamily? family = null, bool? parallel = null)
    {
        bool par = parallel ?? UsesTwoThreads(file.ByteLength);
        return ParseSplit(file, family, par ? file.Start : -1);
    }

    /// <summary>For the equivalence tests: the two-thread parse with the rules parsed ahead from the first line start at or after <paramref name="fraction"/> of the text.
    /// <paramref name="startSecondThread"/> false: as when the thread pool never gets to the second thread's work.</summary>
    internal static ParseResult ParseSplitAt(string text, string fileName, double fraction, bool startSecondThread = true)
    {
        var file = new SourceFile(fileName, text);
        return ParseSplit(file, null, ParallelSplit(file, fraction), startSecondThread);
    }

    /// <summary>For the tests: the parse with every chain put in the table's dictionary as it comes (<see cref="TableDraft.Declared"/>'s reference).</summary>
    internal static ParseResult ParseIndexingEveryChain(string text, string fileName, bool parallel)
    {
        var file = new SourceFile(fileName, text);
        return ParseSplit(file, null, parallel ? file.Start : -1, lazyIndex: false);
    }

    private static ParseResult ParseSplit(SourceFile file, IpFamily? family, int split, bool startSecondThread = true, bool lazyIndex = true)
    {
        var fam = family ?? DetectFamily(file);
        var diags = new DiagnosticBag();
        var builder = new Builder(file, fam, diags, lazyIndex);
        builder.Run(split, startSecondThread);
        PhaseClock.Mark("lines");
        var ruleset = builder.Result();
        PhaseClock.Mark("tables");
        return new ParseResult(ruleset, diags.Items);
    }

    /// <summary>The start of the first line at or after <paramref name="fraction"/> of the file (its start for 0), or -1 for none.</summary>
    private static int ParallelSplit(SourceFile file, double fraction)
    {
        var bytes = file.Bytes;
        int at = file.Start + (int)(file.ByteLength * fraction);
        if (at == file.Start) return at;
        if (at < file.Start || at >= bytes.Length) return -1;
        int nl = bytes.Slice(at).IndexOf((byte)'\n');
        return nl < 0 || at + nl + 1 >= bytes.Length ? -1 : at + nl + 1;
    }

    private static IpFamily DetectFamily(SourceFile file)
        => DetectFamily(file.Decode(file.Start, Math.Min(file.ByteLength, 4096)), file.Name);

    /// <summary>ip6tables-save names itself in its header; otherwise look for IPv6 addresses or the file name.</summary>
    public static IpFamily DetectFamily(string text, string fileName)
    {
        var head = text.AsSpan(0, Math.Min(text.Length, 4096));
        if (head.Contains("ip6tables", StringComparison.Ordinal)) return IpFamily.V6;
        if (Path.GetFileName(fileName).StartsWith("ip6", StringComparison.Ordinal)) return IpFamily.V6;
        if (head.Contains("iptables", StringComparison.Ordinal)) return IpFamily.V4;
        // the first address after -s or -d decides (the word ends at any blank, including the end of the line)
        foreach (var opt in new[] { " -s ", " -d " })
        {
            int i = head.IndexOf(opt);
            if (i < 0) continue;
            var rest = head[(i + opt.Length)..];
            int end = rest.IndexOfAny(" \n\r\t");
            var word = end < 0 ? rest : rest[..end];
            return word.Contains(':') ? IpFamily.V6 : IpFamily.V4;
        }
        return IpFamily.V4;
    }

    private sealed class Builder(SourceFile file, IpFamily family, DiagnosticBag diags, bool lazyIndex = true)
    {
        private readonly List<object> _items = new();
        private readonly List<TableDraft> _drafts = new();
        private readonly StringPool _pool = new();
        private readonly List<Token> _tokens = new(32);
        private readonly LineBuffer _line = new();
        private TableDraft? _current;
        private RuleParser? _ruleParser;

        // the rules parsed ahead (two-thread parse only), the piece of the line being read, the next rule of that piece
        private PreParse? _ahead;
        private int _piece = -1, _pieceNext;
        private PreParsedLine[] _pieceRules = [];
        private int _pieceCount;
        // the chain of the line before when it was a rule read ahead and appended (what PreParsedLine.SameChain refers to)
        private ChainDraft? _aheadChain;

        /// <summary>
        /// Reads every line in order. With <paramref name="split"/> ≥ 0 (the start of a line), the rule lines from there
        /// on are first parsed ahead on two threads (<see cref="PreParse"/>); reading them, this thread takes each parsed
        /// rule and its diagnostics at the point where it would have parsed the line itself, so the model and the
        /// diagnostics (text, location, order) are those of the sequential parse.
        /// </summary>
        public void Run(int split = -1, bool startSecondThread = true)
        {
            _ruleParser = new RuleParser(diags, _pool, family);
            Task? worker = null;
            if (split >= 0)
            {
                var ahead = _ahead = new PreParse(file, family, split);
                worker = new Task(ahead.RunSecond);
                if (startSecondThread) worker.Start(TaskScheduler.Default);
            }
            var lines = new LineCursor(file);
            try
            {
                while (lines.Next(out var line))
                {
                    // the line read ahead is passed down, not kept in a field: storing its references in this object cost a
                    // write barrier each, twice a line
                    object? pre = null;
                    int at = 0;
                    if (_ahead is { } a && line.Offset >= a.From)
                    {
                        int k = a.PieceOf(line.Offset, Math.Max(_piece, 0));
                        if (k != _piece)
                        {
                            a.Recycle(_pieceRules);
                            _piece = k; _pieceRules = a.Entry(k, lines.LineNumber - 1, out _pieceCount); _pieceNext = 0;
                        }
                        if (_pieceNext < _pieceCount && _pieceRules[_pieceNext].Offset == line.Offset) { at = _pieceNext++; pre = _pieceRules[at].Parsed; }
                    }
                    if (pre is null) ParseLine(line, null, default);
                    else ParseLine(line, pre, in _pieceRules[at]);
                }
            }
            finally
            {
                // never leave the second thread running past the parse, even when this one failed; when it has not even
                // started (a busy thread pool), this thread parsed every piece and there is nothing to wait for
                if (_ahead is { } a && !a.WaitForSecond()) worker = null;
            }
            worker?.GetAwaiter().GetResult(); // what the second thread threw (the pieces it left were parsed here)
            if (_current is { Headerless: false } open)
                diags.Error(new SourceLocation(file.Name, lines.LineNumber, 1), $"table {open.Name?.Name() ?? "?"} (line {open.Header?.Number}) has no COMMIT before the end of the file; iptables-restore would apply nothing of it");
        }

        /// <summary>One line; <paramref name="read"/>: what was read ahead of it (the rule or chain of <paramref name="entry"/>), or null.</summary>
        private void ParseLine(SourceLine line, object? read, in PreParsedLine entry)
        {
            // a rule read ahead: the checks below that come before it (blank, '#', binary, '*') were made on the same line
            // by the thread that parsed it, so only the table's state is left to look at, and the line is not decoded again
            if (read is ChainDraft made)
            {
                // what the ":" case below does, with the line read ahead (not decoded again)
                if (_current is { Skip: true }) return; // a line of a skipped table
                AddDeclaration(line, made.Name, made.ReadAheadPolicy, made.DeclaredCounters?.Value, made.DeclarationColumn, made);
                return;
            }
            Diagnostic[]? aheadDiagnostics = null;
            if (read is WithDiagnostics w) { read = w.Rule; aheadDiagnostics = w.Diagnostics; }
            var aheadChain = _aheadChain;
            _aheadChain = null; // a rule read ahead of the same chain as this line's comes right after it, or not at all
            if (read is Rule r)
            {
                if (_current is { Skip: true }) return; // not COMMIT: a line of a skipped table
                // what the "-A"/"-I" case below does, with the rule and diagnostics read ahead
                var target = CurrentDraft();
                target.RulesStarted = true;
                if (aheadDiagnostics is not null) foreach (var d in aheadDiagnostics) diags.Add(d);
                if (entry.ChainLength >= 0)
                {
                    // named here: the chain of the rule before when the line before was one of its rules read ahead
                    var chain = entry.SameChain && aheadChain is not null ? aheadChain
                        : target.RunChain(file.Bytes.Slice(entry.ChainOffset, entry.ChainLength));
                    r.NameChain(chain.Name);
                    if (entry.Insert) target.Insert(r);
                    else { target.Append(r, chain); _aheadChain = chain; }
                    return;
                }
                if (entry.Insert) target.Insert(r);
                else target.Append(r);
                return;
            }
            _line.Load(line);
            var text = _line.Chars;
            int s = 0, e = _line.Length;
            while (s < e && (text[s] == ' ' || text[s] == '\t')) s++;
            if (s == e) return;
            int col = s + 1;
            char c = text[s];

            if (c == '#') { _items.Add(new CommentLine(new string(text, s, e - s), line)); return; }
            if (HasBinary(text, s, e))
            {
                diags.Error(line.At(col), "binary data where a line of iptables-save output was expected; line skipped");
                return;
            }
            if (c == '*') { StartTable(line, text.AsSpan(s + 1, e - s - 1), col); return; }
            if (_current is { Skip: true })
            {
                if (text.AsSpan(s, e - s).Trim().SequenceEqual("COMMIT")) { _current = null; }
                return;
            }
            if (c == ':') { Declare(line, col); return; }
            if (text.AsSpan(s, e - s).TrimEnd().SequenceEqual("COMMIT"))
            {
                if (_current is null || _current.Headerless) diags.Error(line.At(col), "COMMIT without a \"*table\" line before it");
                else { _current.Commit = line; _current = null; }
                return;
            }
            Counters? counters = null;
            if (c == '[')
            {
                int close = Array.IndexOf(text, ']', s, e - s);
                if (close < 0 || !TryCounters(text.AsSpan(s + 1, close - s - 1), out var ct))
                { diags.Error(line.At(col), "bad counter prefix: expected [packets:bytes]"); return; }
                counters = ct;
                s = close + 1;
                while (s < e && (text[s] == ' ' || text[s] == '\t')) s++;
            }
            if (!LineLexer.Split(text.AsSpan(0, e), _tokens, out var badCol))
            {
                diags.Error(line.At(badCol), "unterminated quoted string (a \" has no closing \"); line skipped");
                return;
            }
            // drop the counter token(s) already consumed
            int first = 0;
            while (first < _tokens.Count && _tokens[first].Start < s) first++;
            if (first >= _tokens.Count) { diags.Error(line.At(col), "counters without a rule"); return; }
            var cmd = text.AsSpan(_tokens[first].Start, _tokens[first].Length);
            var cmdAt = line.At(_tokens[first].Column);
            switch (cmd)
            {
                case "-A" or "--append" or "-I" or "--insert":
                {
                    if (first + 1 >= _tokens.Count) { diags.Error(cmdAt, $"{cmd.ToString()} needs a chain name"); return; }
                    var ct = _tokens[first + 1];
                    int next = first + 2;
                    bool insert = cmd is "-I" or "--insert";
                    // "-I CHAIN N": the rule goes in at position N (1 without a number), as iptables-restore puts it; a word
                    // with a sign is no number to it ("-1" is an unknown option), so none is taken here either
                    int position = 1;
                    SourceLocation positionAt = default;
                    if (insert && next < _tokens.Count && int.TryParse(text.AsSpan(_tokens[next].Start, _tokens[next].Length), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                    {
                        position = n;
                        positionAt = line.At(_tokens[next++].Column);
                    }
                    var draft = CurrentDraft();
                    draft.RulesStarted = true;
                    var chain = draft.Named(text.AsSpan(ct.Start, ct.Length));
                    var rule = _ruleParser!.Parse(text, _tokens, next, chain.Name, ct.Column, line, counters, _line.IsAscii);
                    if (!insert) { draft.Append(rule, chain); return; }
                    if (position < 1)
                    {
                        diags.Error(positionAt, $"-I {chain.Name} {position}: rule positions start at 1 (iptables: \"Invalid rule number\"); the rule is put first");
                        position = 1;
                    }
                    else if (position > chain.RuleCount + 1)
                    {
                        diags.Error(positionAt, $"-I {chain.Name} {position}: the chain has {chain.RuleCount} rule{(chain.RuleCount == 1 ? "" : "s")} at this line, so there is no position {position}; iptables-restore fails to load it (\"Index of insertion too big\"; iptables-nft's --test does not check this, legacy's does); the rule is put last");
                        position = chain.RuleCount + 1;
                    }
                    draft.Insert(rule, position);
                    return;
                }
                case "-N" or "--new-chain":
                {
                    if (first + 1 >= _tokens.Count) { diags.Error(cmdAt, "-N needs a chain name"); return; }
                    var ct = _tokens[first + 1];
                    AddDeclaration(line, text.AsSpan(ct.Start, ct.Length), "-", null, ct.Column);
                    return;
                }
                case "-P" or "--policy":
                {
                    if (first + 2 >= _tokens.Count) { diags.Error(cmdAt, "-P needs a chain and a policy"); return; }
                    var ct = _tokens[first + 1]; var pt = _tokens[first + 2];
                    AddDeclaration(line, text.AsSpan(ct.Start, ct.Length), text.AsSpan(pt.Start, pt.Length), null, ct.Column);
                    return;
                }
                default:
                    diags.Error(cmdAt, $"unrecognised line starting with \"{Values.Trunc(cmd, 40)}\": expected \"*table\", \":CHAIN POLICY\", \"-A CHAIN ...\", \"COMMIT\" or a # comment");
                    return;
            }
        }

        // control characters other than tab, and the replacement character a failed UTF-8 decode leaves
        private static readonly SearchValues<char> BinaryChars = SearchValues.Create(
            "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\n\u000B\f\r\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\uFFFD");

        internal static bool HasBinary(char[] text, int s, int e)
        {
            // a control character among the first characters means this is not text; the rest is checked by the lexer's rules
            int n = Math.Min(e, s + 24);
            return text.AsSpan(s, n - s).ContainsAny(BinaryChars);
        }

        /// <summary>"[packets:bytes]", brackets included (a chain declaration's policy counters).</summary>
        internal static bool TryBracketedCounters(ReadOnlySpan<char> s, out Counters c)
        {
            c = default;
            return s.Length >= 2 && s[0] == '[' && s[^1] == ']' && TryCounters(s[1..^1], out c);
        }

        internal static bool TryCounters(ReadOnlySpan<char> s, out Counters c)
        {
            c = default;
            int colon = s.IndexOf(':');
            if (colon < 0) return false;
            if (!ulong.TryParse(s[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var p)) return false;
            if (!ulong.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var b)) return false;
            c = new Counters(p, b);
            return true;
        }

        private void StartTable(SourceLine line, ReadOnlySpan<char> rest, int col)
        {
            var name = rest.Trim();
            if (_current is { Headerless: false } open)
                diags.Error(line.At(col), $"table {open.Name?.Name()} (line {open.Header?.Number}) was not closed with COMMIT before this table starts");
            if (!TableNames.TryParse(name, out var t))
            {
                diags.Error(line.At(col + 1), $"unknown table \"{Values.Trunc(name)}\" (raw, mangle, nat, filter or security); its lines are skipped up to COMMIT");
                _current = new TableDraft { Skip = true };
                return;
            }
            foreach (var d in _drafts)
                if (!d.Headerless && d.Name == t)
                    diags.Warning(line.At(col), $"table {t.Name()} appears a second time (first at line {d.Header?.Number}); iptables-restore would replace the first with this one");
            _current = new TableDraft(lazyIndex) { Name = t, Header = line };
            // iptables-save writes a table's chain declarations right after its header: counted ahead, the chain
            // dictionary and lists are made once at their size instead of growing through every size
            // on the way (which allocated about twice the final size: 6 MB of 65 for a 10,000-service kube-proxy dump)
            int declarations = DeclarationsAfter(line);
            if (declarations > 16) _current.Reserve(declarations);
            _drafts.Add(_current);
            _items.Add(_current);
        }

        /// <summary>How many lines starting with ':' directly follow <paramref name="header"/> (a size hint only).</summary>
        private int DeclarationsAfter(SourceLine header)
        {
            var bytes = file.Bytes;
            int count = 0, pos = header.Offset + header.Length;
            while (true)
            {
                int nl = bytes.Slice(pos).IndexOf((byte)'\n');
                if (nl < 0 || pos + nl + 1 >= bytes.Length || bytes[pos + nl + 1] != ':') return count;
                count++;
                pos += nl + 1;
            }
        }

        /// <summary>The table a line belongs to; outside "*table" blocks, the current headerless block.</summary>
        private TableDraft CurrentDraft()
        {
            if (_current is not null) return _current;
            _current = new TableDraft(lazyIndex) { Headerless = true };
            _drafts.Add(_current);
            _items.Add(_current);
            return _current;
        }

        private void Declare(SourceLine line, int col)
        {
            // ":NAME POLICY [p:b]"
            var text = _line.Span;
            if (!LineLexer.Split(text, _tokens, out _) || _tokens.Count < 2)
            {
                diags.Error(line.At(col), "chain declaration needs a name and a policy: \":NAME POLICY [packets:bytes]\"");
                return;
            }
            var t0 = _tokens[0];
            var name = text.Slice(t0.Start + 1, t0.Length - 1);
            var policy = text.Slice(_tokens[1].Start, _tokens[1].Length);
            Counters? counters = null;
            if (_tokens.Count >= 3)
            {
                var cs = text.Slice(_tokens[2].Start, _tokens[2].Length);
                if (TryBracketedCounters(cs, out var ct)) counters = ct;
                else diags.Error(line.At(_tokens[2].Column), "bad policy counters: expected [packets:bytes]");
            }
            AddDeclaration(line, name, policy, counters, col + 1);
        }

        /// <summary><paramref name="made"/>: the chain as read ahead (its name is <paramref name="nameSpan"/>), added if the table has none of that name.</summary>
        private void AddDeclaration(SourceLine line, ReadOnlySpan<char> nameSpan, ReadOnlySpan<char> policyText, Counters? counters, int column, ChainDraft? made = null)
        {
            var at = line.At(column);
            if (nameSpan.Length == 0) { diags.Error(at, "empty chain name"); return; }
            var draft = _current;
            // In a headerless paste, a declaration after rules, or a repeated name, starts the next table's block.
            if (draft is { Headerless: true } && (draft.RulesStarted || draft.Find(nameSpan) is { IsDeclared: true })) { _current = null; draft = null; }
            draft ??= CurrentDraft();
            var chain = draft.Declared(nameSpan, made);
            var name = chain.Name;
            if (name.Length > MaxChainName) diags.Error(at, $"chain name \"{Values.Trunc(name)}\" is {name.Length} characters long; the limit is {MaxChainName}");
            if (chain.IsDeclared) { diags.Error(at, $"chain {name} is declared twice in table {draft.Name?.Name() ?? "?"}"); return; }
            Policy policy;
            bool builtin = Hooks.TryParseChain(name, out _);
            switch (policyText)
            {
                case "ACCEPT": policy = Policy.Accept; break;
                case "DROP": policy = Policy.Drop; break;
                case "-": policy = Policy.None; break;
                default:
                    diags.Error(at.WithColumn(at.Column + name.Length + 1), $"bad policy \"{Values.Trunc(policyText)}\" for chain {name}: a builtin chain's policy is ACCEPT or DROP, a user chain's is \"-\"");
                    policy = Policy.None; break;
            }
            if (!builtin && policy != Policy.None)
                diags.Error(at, $"chain {name} is not a builtin chain, so it cannot have a policy (write \"-\")");
            draft.Declare(chain, line, column, policy, counters);
        }

        public Ruleset Result()
        {
            var tables = new List<Table>();
            var byDraft = new Dictionary<TableDraft, Table>();
            var inference = TableInferrer.Infer(_drafts.Where(d => d.Headerless).ToList(), diags);
            foreach (var d in _drafts)
            {
                if (d.Skip) continue;
                TableInference? inf = null;
                TableName name;
                if (d.Headerless) { (name, inf) = inference[d]; }
                else name = d.Name!.Value;
                var table = TableAssembler.Assemble(d, name, inf, diags);
                tables.Add(table);
                byDraft[d] = table;
            }
            var items = new List<object>(_items.Count);
            foreach (var it in _items)
            {
                if (it is TableDraft td) { if (byDraft.TryGetValue(td, out var t)) items.Add(t); }
                else items.Add(it);
            }
            return new Ruleset { Family = family, Tables = tables, Items = items, Source = file };
        }
    }
}
