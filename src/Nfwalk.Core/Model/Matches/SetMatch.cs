using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>
/// -m set --match-set NAME src,dst: the packet's fields, picked per flag in dimension order, are looked up in an ipset
/// (kernel xt_set.c set_match_v4 → ip_set_test). Extra flags are ignored; too few flags never match.
/// </summary>
public sealed class SetMatch : Match
{
    public required string SetName { get; init; }
    /// <summary>One entry per flag: true = src, false = dst.</summary>
    public required IReadOnlyList<bool> SourceFlags { get; init; }
    public bool Negated { get; init; }
    public bool ReturnNomatch { get; init; }
    public bool NoUpdateCounters { get; init; }
    public bool NoUpdateSubcounters { get; init; }
    public (string Op, bool Negated, ulong Value)? Packets { get; init; }
    public (string Op, bool Negated, ulong Value)? Bytes { get; init; }
    public override string Name => "set";
    public string FlagText => string.Join(',', SourceFlags.Select(f => f ? "src" : "dst"));

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m set");
        if (Negated) sb.Append(" !");
        sb.Append(" --match-set ").Append(SetName).Append(' ').Append(FlagText);
        if (ReturnNomatch) sb.Append(" --return-nomatch");
        if (NoUpdateCounters) sb.Append(" ! --update-counters");
        if (NoUpdateSubcounters) sb.Append(" ! --update-subcounters");
        Counter(sb, "packets", Packets); Counter(sb, "bytes", Bytes);
    }

    private static void Counter(StringBuilder sb, string what, (string Op, bool Negated, ulong Value)? c)
    {
        if (c is not { } v) return;
        if (v.Negated) sb.Append(" !");
        sb.Append(" --").Append(what).Append('-').Append(v.Op).Append(' ').Append(v.Value);
    }

    public override string Explain()
    {
        var fields = SourceFlags.Count == 1
            ? (SourceFlags[0] ? "the source address" : "the destination address")
            : $"the packet's ({string.Join(", ", SourceFlags.Select(f => f ? "source" : "destination"))}) fields, one per set dimension";
        var s = $"{fields} {(Negated ? "is NOT" : "is")} in ipset \"{SetName}\"";
        if (ReturnNomatch) s += " (--return-nomatch: an element flagged nomatch counts as a match, and a normal element as no match)";
        return s;
    }

    /// <summary>xt_set.c set_match_v4 → ip_set_test, answered by the node's ipsets; an unknown set is an assumption.</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        var r = ctx.TestSet(this);
        if (r is null) return ctx.Assume(this, !Negated, $"ipset \"{SetName}\" is not in the input (give its \"ipset save\" output)");
        return r.Value ^ Negated;
    }

    internal sealed class Parser : MatchParser
    {
        private string? _name; private List<bool>? _flags; private bool _neg, _rn, _nuc, _nusc;
        private (string, bool, ulong)? _pk, _by;
        internal override bool Reset() { _name = null; _flags = null; _neg = _rn = _nuc = _nusc = false; _pk = _by = null; return true; }

        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--match-set" or "--set":
                {
                    negated |= ctx.TakeOldStyleBang();
                    if (!ctx.TryString(out var name, out var nat)) return true;
                    if (name.Length > 31) ctx.Error(nat, $"--match-set: set name \"{Values.Trunc(name)}\" is longer than 31 characters");
                    if (!ctx.TryValue(out var fl, out var fat)) return true;
                    var flags = new List<bool>();
                    foreach (var r in fl.Split(','))
                    {
                        var f = fl[r];
                        if (f.SequenceEqual("src")) flags.Add(true);
                        else if (f.SequenceEqual("dst")) flags.Add(false);
                        else { ctx.Error(fat, $"--match-set: bad flag \"{Values.Trunc(f)}\": flags are src or dst, comma-separated"); return true; }
                    }
                    if (flags.Count > 6) { ctx.Error(fat, "--match-set: more than 6 src/dst flags"); return true; }
                    _name = name; _flags = flags; _neg = negated;
                    return true;
                }
                case "--return-nomatch": ctx.NoInvert(negated); _rn = true; return true;
                case "--update-counters": if (negated) _nuc = true; return true;
                case "--update-subcounters": if (negated) _nusc = true; return true;
                case "--packets-eq": _pk = Counter("eq", negated, ctx); return true;
                case "--packets-lt": _pk = Counter("lt", negated, ctx); return true;
                case "--packets-gt": _pk = Counter("gt", negated, ctx); return true;
                case "--bytes-eq": _by = Counter("eq", negated, ctx); return true;
                case "--bytes-lt": _by = Counter("lt", negated, ctx); return true;
                case "--bytes-gt": _by = Counter("gt", negated, ctx); return true;
            }
            return false;
        }

        private static (string, bool, ulong)? Counter(string op, bool neg, OptionContext ctx)
        {
            if (!ctx.TryValue(out var s, out var at)) return null;
            if (ulong.TryParse(s, out var v)) return (op, neg, v);
            ctx.Error(at, $"{ctx.OptionName}: bad number \"{Values.Trunc(s)}\"");
            return null;
        }

        public override Match? Build(OptionContext ctx)
        {
            if (_name is null || _flags is null) { if (!ctx.Failed) ctx.Error("the set match needs --match-set NAME src|dst[,...]"); return null; }
            return new SetMatch
            {
                SetName = _name, SourceFlags = _flags, Negated = _neg, ReturnNomatch = _rn, NoUpdateCounters = _nuc,
                NoUpdateSubcounters = _nusc, Packets = _pk, Bytes = _by,
            };
        }
    }
}
