using System.Globalization;
using Nfwalk.Model;
using Nfwalk.Model.Matches;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// A "-m statistic --mode random" test as a rule head runs it (<see cref="RuleHead.TakeDraw"/>): what
/// <see cref="StatisticMatch.Evaluate"/> gives in an outcome-only fast walk. The head keeps the probability and decides
/// alone when no rule is flipped; this object then only writes the assumption's text, when the walk's assumptions are read
/// (<see cref="TextFor"/>). With flips it decides (<see cref="Take"/>), from the texts kept from the last time, so that
/// the walk through kube-proxy's load-balancing rules reads neither the rule, its match list, the match nor its reason.
/// </summary>
/// <remarks>
/// The kernel (statistic_mt): ret = invert; if ((prandom_u32() &amp; 0x7FFFFFFF) &lt; probability) ret = !ret. A probability
/// of 2^31 or more always passes and 0 never does; anything between is a random draw, which a walk assumes to fall below
/// (and says so) unless --flip names the rule. The first draw at a hook and table, and any change of culture or flips,
/// goes through the match itself (<see cref="WalkContext.Assume"/>), whose texts are then kept for the next.
/// </remarks>
internal sealed class RandomDraw(StatisticMatch match, CompiledRule rule)
{
    // the texts of the last assumption (with the culture they were written in), replaced as one: walks may share this
    private AssumeText? _kept;

    public uint Probability { get; } = match.RawProbability;
    public bool Negated { get; } = match.Negated;

    /// <summary>Whether a statistic match with these options can be run this way (the nth mode counts packets: it is not).</summary>
    public static bool Covers(StatisticMatch m) => !m.IsNth;

    /// <summary>The draw in a walk with flips (<see cref="RuleHead.TakeDraw"/> has seen a probability strictly between 0 and 1).</summary>
    public bool Take(WalkContext ctx)
    {
        var culture = CultureInfo.CurrentCulture;
        if (_kept is { } t && Fits(t, ctx.Hook, ctx.Table, culture))
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

    /// <summary>Whether kept texts were written at this hook and table, in this culture.</summary>
    private static bool Fits(AssumeText t, Hook hook, TableName table, CultureInfo culture)
        => ReferenceEquals(t.Culture, culture) && t.Hook == hook && t.Table == table;

    /// <summary>
    /// The text <see cref="WalkContext.Assume"/> writes for this draw, unflipped, at this hook and table, in this culture
    /// (the walk's): the one kept from the last time when it fits.
    /// </summary>
    public string TextFor(Hook hook, TableName table, CultureInfo culture)
    {
        if (_kept is { } t && Fits(t, hook, table, culture) && !t.Flipped) return t.Text;
        var r = rule.Rule;
        var at = AssumeText.LocationOf(match, r);
        var key = AssumeText.KeyOf(at);
        var why = match.RandomWhy(culture);
        var text = AssumeText.Format(key, hook, table, r, why, match, !Negated, false, culture);
        _kept = new AssumeText(match, hook, table, !Negated, why, key, at.ToString(), false, text, culture);
        return text;
    }
}
