using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>
/// -m mark (packet mark) and -m connmark (connection mark): true when (mark &amp; Mask) == Value
/// (kernel xt_mark.c mark_mt, xt_connmark.c connmark_mt). Bits of Value outside Mask make it impossible.
/// </summary>
public sealed class MarkMatch : Match
{
    public bool IsConnmark { get; init; }
    public uint Value { get; init; }
    public uint Mask { get; init; } = uint.MaxValue;
    public bool Negated { get; init; }
    public override string Name => IsConnmark ? "connmark" : "mark";
    public bool IsImpossible => (Value & ~Mask) != 0;

    public bool Test(uint mark) => ((mark & Mask) == Value) ^ Negated;

    public override void Print(StringBuilder sb)
    {
        sb.Append(IsConnmark ? " -m connmark" : " -m mark");
        if (Negated) sb.Append(" !");
        sb.Append(" --mark ").Append(Values.Hex(Value));
        if (Mask != uint.MaxValue) sb.Append('/').Append(Values.Hex(Mask));
    }

    public override string Explain() => MarkText.DescribeTest(IsConnmark ? "connection mark" : "packet mark", Value, Mask, Negated)
        + (IsConnmark ? " (false for packets without a conntrack entry, even when negated)" : "");

    /// <summary>xt_mark.c mark_mt / xt_connmark.c connmark_mt: ((mark &amp; mask) == value) ^ invert; connmark without a conntrack entry is false.</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        if (!IsConnmark) return Test(ctx.Mark);
        var ct = ctx.Conntrack;
        return ct is not null && Test(ct.Mark);
    }

    internal sealed class Parser(bool connmark) : MatchParser
    {
        private uint _v, _m = uint.MaxValue; private bool _neg, _set;
        internal override bool Reset() { _v = 0; _m = uint.MaxValue; _neg = _set = false; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (option is not "--mark") return false;
            negated |= ctx.TakeOldStyleBang();
            if (ctx.TryMarkMask(out _v, out _m, out _)) { _neg = negated; _set = true; }
            return true;
        }

        public override Match? Build(OptionContext ctx)
        {
            if (!_set) { if (!ctx.Failed) ctx.Error($"the {(connmark ? "connmark" : "mark")} match needs --mark"); return null; }
            return new MarkMatch { IsConnmark = connmark, Value = _v, Mask = _m, Negated = _neg };
        }
    }
}

/// <summary>Plain-English wording of mark tests and mark arithmetic, shared by matches, targets and routing rules.</summary>
public static class MarkText
{
    public static string Bits(uint v)
    {
        var bits = new List<string>();
        for (int i = 0; i < 32; i++) if ((v & (1u << i)) != 0) bits.Add(Values.Hex(1u << i));
        return bits.Count switch
        {
            0 => "no bits",
            1 => $"bit {bits[0]}",
            _ => $"bits {Values.Hex(v)} ({string.Join(" + ", bits)})",
        };
    }

    public static string DescribeTest(string what, uint value, uint mask, bool negated)
    {
        string s;
        if ((value & ~mask) != 0)
            return $"{what} test that can never be true: value {Values.Hex(value)} has {Bits(value & ~mask)} outside mask {Values.Hex(mask)}, and (mark & {Values.Hex(mask)}) can never have them"
                + (negated ? " — negated, so this condition is always true" : "");
        if (mask == uint.MaxValue) s = $"{what} is exactly {Values.Hex(value)}";
        else if (value == mask) s = $"{what} has {Bits(mask)} set (other bits ignored)";
        else if (value == 0) s = $"{what} has {Bits(mask)} all clear (other bits ignored)";
        else s = $"{what} AND {Values.Hex(mask)} equals {Values.Hex(value)}: {Bits(value)} set and {Bits(mask & ~value)} clear (other bits ignored)";
        if (negated) s = $"NOT ({s})";
        return s;
    }

    /// <summary>Describes mark = (mark &amp; ~mask) ^ value, the kernel's set-xmark.</summary>
    public static string DescribeXmark(string what, uint value, uint mask)
    {
        if (mask == uint.MaxValue) return $"replaces the whole {what} with {Values.Hex(value)}";
        if (mask == 0 && value == 0) return $"leaves the {what} unchanged";
        if (mask == 0) return $"flips (XOR) {Bits(value)} of the {what}, other bits kept";
        if (value == mask) return $"sets {Bits(value)} of the {what} and leaves the other bits";
        if (value == 0) return $"clears {Bits(mask)} of the {what} and leaves the other bits";
        if ((value & ~mask) == 0)
        {
            var clear = mask & ~value;
            return $"sets {Bits(value)} and clears {Bits(clear)} of the {what} (bits outside {Values.Hex(mask)} kept)";
        }
        return $"clears {Bits(mask)} of the {what}, then XORs {Values.Hex(value)} into it: {Bits(value & ~mask)} outside the mask {(mask == 0 ? "" : "are ")}toggled, not set (kernel: {what} = ({what} & ~{Values.Hex(mask)}) ^ {Values.Hex(value)})";
    }
}
