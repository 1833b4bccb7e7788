using System.Globalization;
using Nfwalk.Model.Matches;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// A "-m statistic --mode random" test as a rule head runs it (<see cref="RuleHead"/>): what <see cref="StatisticMatch.Evaluate"/>
/// gives in an outcome-only fast walk, from the probability copied here and the assumption's texts kept from the last
/// time, so that the walk through kube-proxy's load-balancing rules reads neither the rule, its match list, the match
/// nor its formatted reason (four cache misses of a classification's dozen).
/// </summary>
/// <remarks>
/// The kernel (statistic_mt): ret = invert; if ((prandom_u32() &amp; 0x7FFFFFFF) &lt; probability) ret = !ret. A probability
/// of 2^31 or more always passes and 0 never does; anything between is a random draw, which a walk assumes to fall below
/// (and says so) unless --flip names the rule. The first draw at a hook and table, and any change of culture or flips,
/// goes through the match itself (<see cref="WalkContext.Assume"/>), whose texts are then kept for the next.
/// </remarks>
internal sealed class RandomDraw(StatisticMatch match, CompiledRule rule)
{
    private readonly uint _probability = match.RawProbability;
    private readonly bool _negated = match.Negated;
    // the texts of the last assumption (with the culture they were written in), replaced as one: walks may share this
    private AssumeText? _kept;

    /// <summary>Whether a statistic match with these options can be run this way (the nth mode counts packets: it is not).</summary>
    public static bool Covers(StatisticMatch m) => !m.IsNth;

    public bool Take(WalkContext ctx)
    {
        if (_probability >= 0x80000000u) return !_negated;
        if (_probability == 0) return _negated;
        var culture = CultureInfo.CurrentCulture;
        if (_kept is { } t && ReferenceEquals(t.Culture, culture) && t.Hook == ctx.Hook && t.Table == ctx.Table)
        {
            bool flipped = ctx.Options.FlipAt.Contains(t.Key) || ctx.Options.FlipAt.Contains(t.At);
            if (flipped == t.Flipped)
            {
                ctx.AddAssumption(t.Text);
                return t.Default ^ flipped;
            }
        }
        ctx.CurrentRule = rule.Rule; ctx.CurrentCompiled = rule;
        bool value = match.Evaluate(ctx);
        if (rule.LastAssume is { } made && ReferenceEquals(made.Match, match)) _kept = made;
        return value;
    }
}
