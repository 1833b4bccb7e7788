using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Targets;

namespace Nfwalk.Semantics.Analysis;

/// <summary>What a rule (or a chain it jumps to) can change in the packet state that later rules test.</summary>
public readonly record struct Effects(uint SkbMarkBits, uint CtMarkBits, bool Sets, bool Anything)
{
    public static readonly Effects None = default;
    public Effects Union(Effects o) => new(SkbMarkBits | o.SkbMarkBits, CtMarkBits | o.CtMarkBits, Sets || o.Sets, Anything || o.Anything);
    public bool IsNone => SkbMarkBits == 0 && CtMarkBits == 0 && !Sets && !Anything;
}

/// <summary>Computes the effects of targets and of whole chains (transitively through jumps).</summary>
public sealed class RuleEffects(ChainGraph graph)
{
    private readonly Dictionary<string, Effects> _chainMemo = new(StringComparer.Ordinal);

    public Effects Of(Rule rule) => rule.Target switch
    {
        null => Effects.None,
        MarkTarget m => new Effects(m.ChangedBits, 0, false, false),
        ConnmarkTarget { Mode: ConnmarkMode.Restore } c => new Effects(c.NfMask, 0, false, false),
        ConnmarkTarget c => new Effects(0, c.CtMask | c.Shift(c.CtMark) | c.CtMark, false, false),
        SetTarget => new Effects(0, 0, true, false),
        JumpTarget { IsGoto: false } j => OfChain(j.Chain),
        UnknownTarget => new Effects(0, 0, false, true),
        _ => Effects.None,
    };

    public Effects OfChain(string name)
    {
        if (_chainMemo.TryGetValue(name, out var e)) return e;
        _chainMemo[name] = new Effects(0, 0, false, true); // cycle guard: assume anything
        var chain = graph[name];
        if (chain is null) { _chainMemo[name] = new Effects(0, 0, false, true); return _chainMemo[name]; }
        var acc = Effects.None;
        foreach (var r in chain.Rules)
        {
            acc = acc.Union(Of(r));
            if (r.Target is JumpTarget { IsGoto: true } g) acc = acc.Union(OfChain(g.Chain));
        }
        _chainMemo[name] = acc;
        return acc;
    }

    /// <summary>Whether the outcome of <paramref name="m"/> could differ after <paramref name="e"/>; null when the match is not deterministic.</summary>
    public static bool? Affects(Match m, Effects e)
    {
        switch (m)
        {
            case StatisticMatch or LimitMatch or RecentMatch: return null;
            case var _ when m.IsUnknown: return null;
            case MarkMatch { IsConnmark: false } mm: return e.Anything || (mm.Mask & e.SkbMarkBits) != 0;
            case MarkMatch mm: return e.Anything || (mm.Mask & e.CtMarkBits) != 0;
            case SetMatch: return e.Anything || e.Sets;
            default: return e.Anything;
        }
    }
}
