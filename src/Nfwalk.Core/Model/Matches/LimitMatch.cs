using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m limit: a token bucket that starts full (kernel xt_limit.c limit_mt); the rate is stored as a period in 1/10000 s.</summary>
public sealed class LimitMatch(uint period, uint burst) : Match
{
    public const uint Scale = 10000; // XT_LIMIT_SCALE
    private static readonly (string Name, uint Mult)[] Rates = [("day", Scale * 86400), ("hour", Scale * 3600), ("min", Scale * 60), ("sec", Scale)];
    /// <summary>Average interval between packets, in units of 1/10000 s.</summary>
    public uint Period { get; } = period;
    public uint Burst { get; } = burst;
    public override string Name => "limit";

    /// <summary>libxt_limit.c print_rate.</summary>
    public string RateText
    {
        get
        {
            if (Period == 0) return "inf";
            int i;
            for (i = 1; i < Rates.Length; i++)
                if (Period > Rates[i].Mult || Rates[i].Mult / Period < Rates[i].Mult % Period) break;
            return $"{Rates[i - 1].Mult / Period}/{Rates[i - 1].Name}";
        }
    }

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m limit --limit ").Append(RateText);
        if (Burst != 5) sb.Append(" --limit-burst ").Append(Burst);
    }

    public override string Explain()
        => $"rate limit: on average {RateText.Replace("/", " per ").Replace("min", "minute").Replace("sec", "second")}, bursts of up to {Burst} (the bucket starts full, so the first {Burst} packets always match; a single-packet walk treats this as matching)";

    /// <summary>xt_limit.c limit_mt: the bucket starts full, so a single walked packet always passes.</summary>
    public override bool Evaluate(IPacketContext ctx)
        => ctx.Assume(this, true, $"rate limit {RateText}: the token bucket starts with {Burst} tokens, so this packet is assumed within the limit");

    internal sealed class Parser : MatchParser
    {
        private uint _period = Scale * 3600 / 3, _burst = 5;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--limit":
                {
                    ctx.NoInvert(negated);
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    if (!TryRate(s, out var p, out var err)) ctx.Error(at, $"--limit: {err}");
                    else _period = p;
                    return true;
                }
                case "--limit-burst":
                    ctx.NoInvert(negated);
                    if (ctx.TryUInt(out var b, 10000, "burst")) _burst = b;
                    return true;
            }
            return false;
        }

        private static bool TryRate(ReadOnlySpan<char> s, out uint period, out string? err)
        {
            period = 0; err = null;
            uint mult = 1;
            int slash = s.IndexOf('/');
            var num = slash < 0 ? s : s[..slash];
            if (slash >= 0)
            {
                var unit = s[(slash + 1)..];
                if (unit.IsEmpty) { err = "missing unit after '/'"; return false; }
                if ("second".AsSpan().StartsWith(unit, StringComparison.OrdinalIgnoreCase)) mult = 1;
                else if ("minute".AsSpan().StartsWith(unit, StringComparison.OrdinalIgnoreCase)) mult = 60;
                else if ("hour".AsSpan().StartsWith(unit, StringComparison.OrdinalIgnoreCase)) mult = 3600;
                else if ("day".AsSpan().StartsWith(unit, StringComparison.OrdinalIgnoreCase)) mult = 86400;
                else { err = $"bad unit \"{unit}\" (second, minute, hour or day)"; return false; }
            }
            if (!uint.TryParse(num, out var r) || r == 0) { err = $"bad rate \"{Values.Trunc(s)}\""; return false; }
            period = (uint)((ulong)Scale * mult / r);
            if (period == 0) { err = $"rate too fast \"{Values.Trunc(s)}\""; return false; }
            return true;
        }

        public override Match? Build(OptionContext ctx) => new LimitMatch(_period, _burst);
    }
}
