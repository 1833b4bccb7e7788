using Nfwalk.Model.Evaluation;
using System.Text;
using Nfwalk.Model.Matches;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

/// <summary>-j MARK: mark = (mark &amp; ~Mask) ^ Value (kernel xt_mark.c mark_tg). Every spelling is saved as --set-xmark.</summary>
public sealed class MarkTarget(uint value, uint mask) : Target
{
    public uint Value { get; } = value;
    public uint Mask { get; } = mask;
    public override string Name => "MARK";
    public override bool IsTerminating => false;
    /// <summary>Which mark bits this target can change.</summary>
    public uint ChangedBits => Mask | Value;

    public uint Apply(uint mark) => (mark & ~Mask) ^ Value;

    public override void Print(StringBuilder sb) => sb.Append(" -j MARK --set-xmark ").Append(Values.Hex(Value)).Append('/').Append(Values.Hex(Mask));
    public override string Explain() => $"MARK: {MarkText.DescribeXmark("packet mark", Value, Mask)}; continues with the next rule";

    /// <summary>xt_mark.c mark_tg: skb->mark = (skb->mark &amp; ~mask) ^ mark; XT_CONTINUE.</summary>
    public override TargetOutcome Apply(ITargetContext ctx) { ctx.Mark = Apply(ctx.Mark); return TargetOutcome.Continue; }

    internal sealed class Parser : TargetParser
    {
        private (uint V, uint M)? _op;
        internal override bool Reset() { _op = null; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                // libxt_MARK.c mark_tg_parse
                case "--set-xmark": if (ctx.TryMarkMask(out var v, out var m, out _)) Set(ctx, v, m); return true;
                case "--set-mark": if (ctx.TryMarkMask(out var v2, out var m2, out _)) Set(ctx, v2, v2 | m2); return true;
                case "--and-mark": if (ctx.TryUInt(out var a, uint.MaxValue, "mask")) Set(ctx, 0, ~a); return true;
                case "--or-mark": if (ctx.TryUInt(out var o, uint.MaxValue, "bits")) Set(ctx, o, o); return true;
                case "--xor-mark": if (ctx.TryUInt(out var x, uint.MaxValue, "bits")) Set(ctx, x, 0); return true;
            }
            return false;
        }
        private void Set(OptionContext ctx, uint v, uint m)
        {
            if (_op is not null) ctx.Error("MARK: only one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark may be given");
            _op = (v, m);
        }
        public override Target? Build(OptionContext ctx)
        {
            if (_op is not { } op) { if (!ctx.Failed) ctx.Error("MARK target: one of --set-xmark, --set-mark, --and-mark, --or-mark or --xor-mark is required"); return null; }
            return new MarkTarget(op.V, op.M);
        }
    }
}
