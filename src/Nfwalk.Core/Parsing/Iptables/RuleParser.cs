using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nfwalk.Diagnostics;
using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Model.Targets;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// Parses the words of one rule the way iptables does: base options, "-m" modules with their options
/// (in any order; an option goes to the module that knows it), "!" before an option or, old style, before its value,
/// "-j"/"-g" targets with their options. Never throws; problems become diagnostics.
/// </summary>
internal sealed class RuleParser
{
    private readonly DiagnosticBag _diags;
    private readonly StringPool _pool;
    private readonly IpFamily _family;

    private readonly OptionContext _ctx;
    private readonly ScratchList<Match> _baseMatches = new(6);
    private readonly ScratchList<ModuleSlot> _modules = new(6);
    private readonly ExtensionParserCache _parsers;

    // The last base matches, jump and verdict this parser made, for the rules after it: matches and targets are immutable, so when
    // a rule says the same at the same column (kube-proxy's "-p tcp", "! -s 10.244.0.0/16" and "-j KUBE-MARK-MASQ" come
    // back rule after rule, its chain names all of one length), it gets the same object. On a 10,000-service dump that is
    // 3 MB less allocated and 3-13% less time parsing its lines (native check, alternating runs). The tcp and udp parsers
    // do the same. Only objects with nothing per rule are shared: not a statistic match, whose nth counter is the rule's.
    private ProtocolMatch? _lastProtocol;
    private AddressMatch? _lastSource, _lastDestination;
    // jumps are kept by more than the last one: a kube-proxy SEP chain's "-j KUBE-MARK-MASQ" comes every other rule, after
    // a comment whose length varies (16 columns on the 10,000-service dump), so the last jump was that one for 7,000 of its
    // 40,000; kept by column and name here, 33,000 more rules share one (1.3 MB). A slot holds the last jump of its hash
    private readonly JumpTarget?[] _jumps = new JumpTarget?[16];
    private VerdictTarget? _lastVerdict;

    private AddressMatch Address(Direction direction, IpPrefix prefix, bool negated, int column)
    {
        ref var last = ref direction == Direction.Source ? ref _lastSource : ref _lastDestination;
        if (last is { } l && l.Column == column && l.Is(direction, prefix, negated)) return l;
        return last = new AddressMatch(direction, prefix, negated) { Column = column };
    }

    public RuleParser(DiagnosticBag diags, StringPool pool, IpFamily family)
    {
        _diags = diags; _pool = pool; _family = family;
        _ctx = new OptionContext(diags, pool, family);
        _parsers = new ExtensionParserCache(family);
    }

    private struct ModuleSlot(string name, int column, MatchParser? parser, bool implicitProto)
    {
        public string Name = name; public int Column = column; public MatchParser? Parser = parser; public bool Implicit = implicitProto;
        public List<string>? UnknownWords = parser is null ? new List<string>() : null;
        public bool HadError;
    }

    /// <summary>
    /// Parses tokens[start..] of a rule whose chain name is already known. The rule's number is set when its chain is assembled.
    /// <paramref name="ascii"/>: the line is ASCII (its characters' positions are its bytes').
    /// </summary>
    public Rule Parse(char[] text, List<Token> tokens, int start, string chain, int chainColumn, SourceLine line, Counters? counters, bool ascii)
    {
        try { return ParseRule(text, tokens, start, chain, chainColumn, line, counters, ascii); }
        finally { _parsers.EndRule(); }
    }

    private Rule ParseRule(char[] text, List<Token> tokens, int start, string chain, int chainColumn, SourceLine line, Counters? counters, bool ascii)
    {
        var ctx = _ctx;
        ctx.Reset(text, tokens, line, start, ascii);
        var baseMatches = _baseMatches; baseMatches.Clear();
        var modules = _modules; modules.Clear();
        bool hasImplicit = false;
        TargetParser? targetParser = null; string? targetName = null; int targetCol = 0; bool isGoto = false;
        // a -j/-g to a user chain whose name is left in the line, no string made for it (see JumpTarget): the name's word
        int chainWord = -1;
        List<string>? unknownTargetWords = null;
        bool targetHadError = false;
        bool negate = false; int negCol = 0;

        while (!ctx.AtEnd)
        {
            var tok = ctx.Current;
            var word = ctx.CurrentSpan;
            // the word's place as its column: a SourceLocation (file, line, column) is made only for a message
            int col = tok.Column;

            if (!tok.Quoted && word.SequenceEqual("!"))
            {
                if (negate) ctx.Error(ctx.Line.At(col), "multiple \"!\" flags are not allowed");
                negate = true; negCol = col; ctx.Pos++;
                continue;
            }
            if (tok.Quoted || word.Length < 2 || word[0] != '-')
            {
                ctx.Error(ctx.Line.At(col), $"unexpected word \"{Values.Trunc(word)}\": expected an option such as -s, -m or -j (iptables: Bad argument)");
                ctx.Pos++;
                continue;
            }
            ctx.SetOption(ctx.Pos, col);
            ctx.Pos++;

            switch (word)
            {
                case "-s" or "--source" or "--src":
                case "-d" or "--destination" or "--dst":
                {
                    bool src = word[1] == 's' || word.StartsWith("--s");
                    negate |= ctx.TakeOldStyleBang();
                    if (ctx.TryPrefix(out var p))
                    {
                        foreach (var bm in baseMatches.AsSpan())
                            if (bm is AddressMatch am && am.Direction == (src ? Direction.Source : Direction.Destination))
                                ctx.Error(ctx.Line.At(col), $"multiple {(src ? "-s" : "-d")} flags not allowed");
                        baseMatches.Add(Address(src ? Direction.Source : Direction.Destination, p, negate, negate ? negCol : col));
                    }
                    negate = false;
                    continue;
                }
                case "-i" or "--in-interface":
                case "-o" or "--out-interface":
                {
                    bool input = word[1] == 'i' || word.StartsWith("--i");
                    negate |= ctx.TakeOldStyleBang();
                    if (ctx.TryString(out var name, out var vat))
                    {
                        if (name.Length > 15) ctx.Error(vat, $"interface name \"{Values.Trunc(name)}\" is longer than 15 characters");
                        else if (name.Length == 0) ctx.Error(vat, "empty interface name");
                        else if (HasInterface(baseMatches.AsSpan(), input)) ctx.Error(ctx.Line.At(col), $"multiple {(input ? "-i" : "-o")} flags not allowed");
                        else if (name == "+" && !negate) { /* "-i +" matches everything; iptables-save omits it */ }
                        else baseMatches.Add(new InterfaceMatch(input, name, negate) { Column = negate ? negCol : col });
                    }
                    negate = false;
                    continue;
                }
                case "-p" or "--protocol":
                {
                    negate |= ctx.TakeOldStyleBang();
                    if (ctx.TryValue(out var v, out var vat))
                    {
                        if (!Protocols.TryParse(v, out var proto, out var all)) ctx.Error(vat, $"unknown protocol \"{Values.Trunc(v)}\" specified");
                        else if (!all)
                        {
                            int pcol = negate ? negCol : col;
                            baseMatches.Add(_lastProtocol is { } lp && lp.Protocol == proto && lp.Negated == negate && lp.Column == pcol
                                ? lp : _lastProtocol = new ProtocolMatch(proto, negate) { Column = pcol });
                            ctx.Protocol = proto; ctx.ProtocolNegated = negate;
                        }
                    }
                    negate = false;
                    continue;
                }
                case "-f" or "--fragment":
                    if (_family == IpFamily.V6) ctx.Error(ctx.Line.At(col), "-f is not available in ip6tables (use -m frag)");
                    else baseMatches.Add(new FragmentMatch(negate) { Column = negate ? negCol : col });
                    negate = false;
                    continue;
                case "-m" or "--match":
                {
                    if (negate) { ctx.Error(ctx.Line.At(negCol), "\"!\" cannot be used before -m"); negate = false; }
                    if (!ctx.TryName(out var name, out var nat)) continue;
                    var parser = _parsers.Match(name);
                    modules.Add(new ModuleSlot(name, col, parser, false));
                    if (parser is null) CollectUnknownWords(ctx, modules[modules.Count - 1].UnknownWords!);
                    continue;
                }
                case "-j" or "--jump":
                case "-g" or "--goto":
                {
                    if (negate) { ctx.Error(ctx.Line.At(negCol), "\"!\" cannot be used before -j"); negate = false; }
                    if (targetName is not null || chainWord >= 0) ctx.Error(ctx.Line.At(col), "multiple -j/-g flags not allowed");
                    bool jumpIsGoto = word[1] == 'g' || word.StartsWith("--g");
                    if (ctx.TryChainWord(out int chainToken))
                    {
                        chainWord = chainToken; targetName = null; targetParser = null; unknownTargetWords = null;
                        isGoto = jumpIsGoto; targetCol = col;
                        continue;
                    }
                    if (!ctx.TryName(out var name, out _)) continue;
                    isGoto = jumpIsGoto;
                    targetName = name; targetCol = col; chainWord = -1;
                    targetParser = isGoto ? null : _parsers.Target(name);
                    if (targetParser is null && !isGoto && Extensions.IsOtherKnownTarget(name) && name is not ("TRACE"))
                    { unknownTargetWords = new List<string>(); CollectUnknownWords(ctx, unknownTargetWords); }
                    continue;
                }
                case "-c" or "--set-counters":
                {
                    if (ctx.TryValue(out var pk, out var pat) && ctx.TryValue(out var by, out var bat))
                    {
                        if (ulong.TryParse(pk, out var p) && ulong.TryParse(by, out var b)) counters = new Counters(p, b);
                        else ctx.Error(pat, "-c needs two numbers: packets and bytes");
                    }
                    continue;
                }
                case "-4" or "--ipv4" or "-6" or "--ipv6":
                    continue;
            }

            // An extension option: offer it to the modules (latest first), the target, then an implicit protocol module.
            bool taken = false;
            int errs = ctx.ErrorCount;
            for (int i = modules.Count - 1; i >= 0 && !taken; i--)
            {
                var mp = modules[i].Parser;
                if (mp is not null && mp.Accept(word, negate, ctx))
                {
                    taken = true;
                    if (ctx.ErrorCount != errs) { var slot = modules[i]; slot.HadError = true; modules[i] = slot; }
                }
            }
            if (!taken && targetParser is not null && targetParser.Accept(word, negate, ctx)) { taken = true; targetHadError |= ctx.ErrorCount != errs; }
            if (!taken && ctx.Protocol != 0 && !hasImplicit)
            {
                var implicitParser = _parsers.ProtocolMatch(ctx.Protocol);
                if (implicitParser is not null && implicitParser.Accept(word, negate, ctx))
                {
                    modules.Add(new ModuleSlot(Extensions.ProtocolModuleName(ctx.Protocol, _family), col, implicitParser, true));
                    taken = hasImplicit = true;
                }
            }
            // options after "-j CHAIN" make it an extension target nfwalk does not know, below: then its name is a string
            if (!taken && chainWord >= 0 && !isGoto) { targetName = ctx.Word(tokens[chainWord]); chainWord = -1; }
            if (!taken && targetName is not null && targetParser is null && !isGoto && !Extensions.TryVerdict(targetName, out _))
            {
                // options after an unknown -j NAME: an extension target nfwalk does not model
                unknownTargetWords ??= new List<string>();
                if (negate) unknownTargetWords.Add("!");
                unknownTargetWords.Add(ctx.Word(tok));
                CollectUnknownWords(ctx, unknownTargetWords);
                taken = true;
            }
            if (!taken)
            {
                var hint = modules.Count == 0 && targetName is null && chainWord < 0 ? " (is a \"-m\" module or \"-p\" missing before it?)" : "";
                ctx.Error(ctx.Line.At(col), $"unknown option \"{Values.Trunc(word)}\"{hint}");
                // skip its value words so one mistake gives one message
                while (ctx.HasValue) ctx.Pos++;
            }
            negate = false;
        }
        if (negate) ctx.Error(ctx.Line.At(negCol), "\"!\" at the end of the rule negates nothing");

        // Build: base fields in save order, then modules in the order given.
        var matches = new Match[baseMatches.Count + modules.Count];
        int mi = 0;
        if (baseMatches.Count > 1) SortByBaseOrder(baseMatches.AsSpan());
        for (int i = 0; i < baseMatches.Count; i++) Put(matches, mi++, baseMatches[i]);
        for (int i = 0; i < modules.Count; i++)
        {
            var slot = modules[i];
            ctx.SetOptionText("-m ", slot.Name, slot.Column); ctx.Failed = slot.HadError;
            if (slot.Parser is null)
            {
                Put(matches, mi++, new UnknownMatch(slot.Name, slot.UnknownWords!) { Column = slot.Column });
                continue;
            }
            var m = slot.Parser.Build(ctx);
            if (m is not null) { SetColumn(m, slot.Column); Put(matches, mi++, m); }
        }
        if (mi != matches.Length) Array.Resize(ref matches, mi);

        Target? target = null;
        if (chainWord >= 0)
        {
            var word = tokens[chainWord];
            target = ChainJump(ctx, text.AsSpan(word.Start, word.Length), isGoto, targetCol, null, line.Offset + word.Start);
        }
        else if (targetName is not null)
        {
            ctx.SetOptionText("-j ", targetName, targetCol); ctx.Failed = targetHadError;
            if (isGoto) target = ChainJump(ctx, targetName, true, targetCol, targetName, 0);
            else if (Extensions.TryVerdict(targetName, out var verdict))
            {
                if (unknownTargetWords is { Count: > 0 }) ctx.Error(ctx.Line.At(targetCol), $"{targetName} takes no options");
                target = targetName == "RETURN" || targetName == "ACCEPT" || targetName == "DROP" || targetName == "QUEUE"
                    ? _lastVerdict is { } lv && lv.Verdict == verdict && lv.Column == targetCol ? lv : _lastVerdict = new VerdictTarget(verdict) { Column = targetCol }
                    : null;
            }
            else if (targetName == "TRACE") target = new TraceTarget { Column = targetCol };
            else if (targetParser is not null)
            {
                target = targetParser.Build(ctx);
                if (target is not null) SetColumn(target, targetCol);
            }
            else if (unknownTargetWords is not null) target = new UnknownTarget(targetName, unknownTargetWords) { Column = targetCol };
            else
                target = ChainJump(ctx, targetName, false, targetCol, targetName, 0);
        }

        bool plain = true;
        foreach (var m in matches)
            if (m.HasLoadTimeChecks) { plain = false; break; }
        return new Rule { ChainName = chain, ChainColumn = chainColumn, Matches = matches.Length == 0 ? Array.Empty<Match>() : matches, Target = target, Counters = counters, Source = line, OnlyPlainMatches = plain };
    }

    /// <summary>
    /// The jump or goto to user chain <paramref name="name"/>, at <paramref name="column"/>: named by <paramref name="asString"/>,
    /// or, when that is null, by the ASCII bytes of the rule's line at file offset <paramref name="offset"/> (see JumpTarget).
    /// A -j gets the jump of an earlier rule when it names the same chain at the same column (kube-proxy's "-j KUBE-MARK-MASQ"
    /// comes back every other rule), and has its name's length checked.
    /// </summary>
    private JumpTarget ChainJump(OptionContext ctx, ReadOnlySpan<char> name, bool isGoto, int column, string? asString, int offset)
    {
        if (!isGoto)
        {
            if (name.Length > 28) ctx.Error(ctx.Line.At(column), $"chain name \"{Values.Trunc(name)}\" is longer than 28 characters");
            if (name.IsEmpty) return NewJump(ctx, name, false, column, asString, offset);
            ref var slot = ref _jumps[(int)(((uint)column * 0x9E3779B1u ^ (uint)name.Length * 0x85EBCA77u ^ name[^1]) >> 28)];
            if (slot is { } lj && lj.Column == column && lj.NameIs(name)) return lj;
            return slot = NewJump(ctx, name, false, column, asString, offset);
        }
        return NewJump(ctx, name, true, column, asString, offset);
    }

    private static JumpTarget NewJump(OptionContext ctx, ReadOnlySpan<char> name, bool isGoto, int column, string? asString, int offset)
    {
        var jump = asString is not null ? new JumpTarget(asString, isGoto) : new JumpTarget(ctx.Line.File!, offset, name.Length, isGoto);
        jump.Column = column;
        return jump;
    }

    private static void SetColumn(Match m, int column) { if (m.Column == 0) m.Column = column; }

    /// <summary>
    /// <c>a[i] = m</c> without the element type check a store into an array of an abstract class makes (a call per match, as
    /// the array could be of a subclass): <paramref name="a"/> is made here as exactly a Match[]. The index is still checked.
    /// </summary>
    private static void Put(Match[] a, int i, Match m)
    {
        if ((uint)i >= (uint)a.Length) throw new IndexOutOfRangeException();
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(a), i) = m;
    }

    private static void SetColumn(Target t, int column) { if (t.Column == 0) t.Column = column; }

    /// <summary>
    /// The base matches in save order (<see cref="Match.BaseOrder"/>), sorted as List.Sort sorted them (for two or three
    /// items, swaps of the pairs (0,1), (0,2), (1,2) where the first is greater; for up to 16, insertion), so that matches of
    /// equal order (a repeated -s, reported) stay as they were; each one's order is read once (List.Sort with a comparison
    /// delegate was a delegate call and two virtual calls per comparison).
    /// </summary>
    internal static void SortByBaseOrder(Span<Match> ms)
    {
        if (ms.Length < 2) return;
        if (ms.Length > 16) { ms.Sort(static (a, b) => a.BaseOrder.CompareTo(b.BaseOrder)); return; } // List.Sort's own sort
        Span<int> order = stackalloc int[ms.Length];
        for (int i = 0; i < ms.Length; i++) order[i] = ms[i].BaseOrder;
        if (ms.Length <= 3)
        {
            SwapIfGreater(ms, order, 0, 1);
            if (ms.Length == 3) { SwapIfGreater(ms, order, 0, 2); SwapIfGreater(ms, order, 1, 2); }
            return;
        }
        for (int i = 1; i < ms.Length; i++)
        {
            var m = ms[i]; int o = order[i], j = i - 1;
            for (; j >= 0 && order[j] > o; j--) { ms[j + 1] = ms[j]; order[j + 1] = order[j]; }
            ms[j + 1] = m; order[j + 1] = o;
        }
    }

    private static void SwapIfGreater(Span<Match> ms, Span<int> order, int i, int j)
    {
        if (order[i] <= order[j]) return;
        (ms[i], ms[j]) = (ms[j], ms[i]);
        (order[i], order[j]) = (order[j], order[i]);
    }

    private static bool HasInterface(ReadOnlySpan<Match> ms, bool input)
    {
        foreach (var m in ms) if (m is InterfaceMatch im && im.IsInput == input) return true;
        return false;
    }

    private static bool IsBaseOrStructural(ReadOnlySpan<char> w) => w switch
    {
        "-m" or "--match" or "-j" or "--jump" or "-g" or "--goto" or "-s" or "--source" or "--src" or "-d" or "--destination" or "--dst"
            or "-i" or "--in-interface" or "-o" or "--out-interface" or "-p" or "--protocol" or "-f" or "--fragment" or "-c" or "--set-counters" => true,
        _ => false,
    };

    /// <summary>Takes the words of an unknown module or target verbatim, up to the next structural option.</summary>
    private static void CollectUnknownWords(OptionContext ctx, List<string> words)
    {
        while (!ctx.AtEnd)
        {
            var t = ctx.Current;
            var w = ctx.CurrentSpan;
            if (!t.Quoted && IsBaseOrStructural(w)) break;
            if (!t.Quoted && w.SequenceEqual("!") && ctx.Pos + 1 < int.MaxValue)
            {
                // "!" followed by a base option belongs to that option
                int save = ctx.Pos; ctx.Pos++;
                bool stop = !ctx.AtEnd && !ctx.Current.Quoted && IsBaseOrStructural(ctx.CurrentSpan);
                ctx.Pos = save;
                if (stop) break;
            }
            words.Add(ctx.Word(t));
            ctx.Pos++;
        }
    }
}
