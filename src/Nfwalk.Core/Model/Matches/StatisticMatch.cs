using System.Globalization;
using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m statistic: random (probability stored as a 31-bit fraction) or every-nth packet (kernel xt_statistic.c).</summary>
public sealed class StatisticMatch : Match
{
    public bool IsNth { get; init; }
    /// <summary>Probability as the kernel stores it: round(p * 2^31).</summary>
    public uint RawProbability { get; init; }
    public double Probability => RawProbability / 2147483648.0;
    public uint Every { get; init; }
    public uint Packet { get; init; }
    public bool Negated { get; init; }
    public override string Name => "statistic";

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m statistic --mode ").Append(IsNth ? "nth" : "random");
        if (Negated) sb.Append(" !");
        if (IsNth) sb.Append(" --every ").Append(Every).Append(" --packet ").Append(Packet);
        else sb.Append(" --probability ").Append(Probability.ToString("F11", CultureInfo.InvariantCulture));
    }

    public override string Explain() => IsNth
        ? $"{(Negated ? "all but " : "")}every {Every}th packet reaching this rule (packet {Packet} of each {Every}, counted from 0)"
        : $"chosen at random with probability {Probability.ToString("0.#####", CultureInfo.InvariantCulture)}{(Negated ? " (negated: with the complementary probability)" : "")}";

    /// <summary>xt_statistic.c statistic_mt: nth counts the packets reaching this rule (matches when count mod every == packet); random is a choice.</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        if (IsNth) return (ctx.NextCount(this) % Every == Packet) ^ Negated;
        // statistic_mt: ret = invert; if ((prandom_u32() & 0x7FFFFFFF) < probability) ret = !ret
        if (RawProbability >= 0x80000000u) return !Negated;
        if (RawProbability == 0) return Negated;
        return ctx.Assume(this, !Negated, RandomWhy(CultureInfo.CurrentCulture));
    }

    /// <summary>Why a random-mode test is an assumption, the probability written in <paramref name="culture"/>.</summary>
    public string RandomWhy(CultureInfo culture)
    {
        var why = _why;
        if (why is null || !ReferenceEquals(why.Culture, culture))
            _why = why = new(culture, string.Create(culture, $"random choice with probability {Probability:0.#####}: the random draw is assumed to fall below it (the rule's {(Negated ? "negated " : "")}test)"));
        return why.Text;
    }

    // the assumption's reason depends only on this match (and the culture the number is written in): formatted once
    private sealed record Why(CultureInfo Culture, string Text);
    private Why? _why;

    internal sealed class Parser : MatchParser
    {
        private string? _mode; private double? _p; private uint? _every, _packet; private bool _neg;
        internal override bool Reset() { _mode = null; _p = null; _every = _packet = null; _neg = false; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            _neg |= negated;
            switch (option)
            {
                case "--mode":
                    if (ctx.TryValue(out var m, out var at))
                    {
                        if (m.SequenceEqual("random")) _mode = "random";
                        else if (m.SequenceEqual("nth")) _mode = "nth";
                        else ctx.Error(at, $"--mode: bad mode \"{Values.Trunc(m)}\" (random or nth)");
                    }
                    _neg |= ctx.TakeOldStyleBang();
                    return true;
                case "--probability":
                    if (ctx.TryValue(out var ps, out var pat))
                    {
                        if (Values.TryDouble(ps, out var p) && p >= 0 && p <= 1) _p = p;
                        else ctx.Error(pat, $"--probability: \"{Values.Trunc(ps)}\" is not a number between 0 and 1");
                    }
                    return true;
                case "--every":
                    if (ctx.TryUInt(out var e, uint.MaxValue, "count")) { if (e == 0) ctx.Error("--every: must be at least 1"); _every = e; }
                    return true;
                case "--packet":
                    if (ctx.TryUInt(out var pk, uint.MaxValue, "packet number")) _packet = pk;
                    return true;
            }
            return false;
        }

        public override Match? Build(OptionContext ctx)
        {
            if (_mode is null) { if (!ctx.Failed) ctx.Error("statistic needs --mode random or --mode nth"); return null; }
            if (_mode == "random")
            {
                if (_every is not null || _packet is not null) ctx.Error("statistic: --every/--packet need --mode nth");
                if (_p is null) { if (!ctx.Failed) ctx.Error("statistic --mode random needs --probability"); return null; }
                // libxt_statistic.c: info->u.random.probability = lround(0x80000000 * prob)
                var raw = (uint)Math.Round(_p.Value * 2147483648.0, MidpointRounding.AwayFromZero);
                return new StatisticMatch { RawProbability = raw, Negated = _neg };
            }
            if (_p is not null) ctx.Error("statistic: --probability needs --mode random");
            if (_every is null) { if (!ctx.Failed) ctx.Error("statistic --mode nth needs --every"); return null; }
            var packet = _packet ?? 0;
            if (packet > _every.Value - 1) { ctx.Error("statistic: --packet must be smaller than --every"); return null; }
            return new StatisticMatch { IsNth = true, Every = _every.Value, Packet = packet, Negated = _neg };
        }
    }
}
