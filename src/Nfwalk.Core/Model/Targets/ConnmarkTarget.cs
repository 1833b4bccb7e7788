using Nfwalk.Model.Evaluation;
using System.Text;
using Nfwalk.Model.Matches;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

public enum ConnmarkMode : byte { Set, Save, Restore }

/// <summary>
/// -j CONNMARK (kernel xt_connmark.c connmark_tg_shift):
/// set: ct = ((ct &amp; ~ctmask) ^ ctmark) shifted;
/// save: ct = (ct &amp; ~ctmask) ^ ((skb &amp; nfmask) shifted);
/// restore: skb = (skb &amp; ~nfmask) ^ ((ct &amp; ctmask) shifted).
/// Does nothing for packets without a conntrack entry; always continues.
/// </summary>
public sealed class ConnmarkTarget : Target
{
    public ConnmarkMode Mode { get; init; }
    public uint CtMark { get; init; }
    public uint CtMask { get; init; } = uint.MaxValue;
    public uint NfMask { get; init; } = uint.MaxValue;
    public bool ShiftRight { get; init; }
    public byte ShiftBits { get; init; }
    public override string Name => "CONNMARK";
    public override bool IsTerminating => false;

    public uint Shift(uint v) => ShiftRight ? v >> ShiftBits : v << ShiftBits;

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -j CONNMARK");
        switch (Mode)
        {
            case ConnmarkMode.Set: sb.Append(" --set-xmark ").Append(Values.Hex(CtMark)).Append('/').Append(Values.Hex(CtMask)); break;
            case ConnmarkMode.Save: sb.Append(" --save-mark --nfmask ").Append(Values.Hex(NfMask)).Append(" --ctmask ").Append(Values.Hex(CtMask)); break;
            default: sb.Append(" --restore-mark --nfmask ").Append(Values.Hex(NfMask)).Append(" --ctmask ").Append(Values.Hex(CtMask)); break;
        }
        if (ShiftBits != 0) sb.Append(ShiftRight ? " --right-shift-mark " : " --left-shift-mark ").Append(ShiftBits);
    }

    public override string Explain()
    {
        string shift = ShiftBits == 0 ? "" : $", shifted {(ShiftRight ? "right" : "left")} by {ShiftBits}";
        string s = Mode switch
        {
            ConnmarkMode.Set => ShiftBits == 0
                ? MarkText.DescribeXmark("connection mark", CtMark, CtMask)
                : $"sets connection mark = ((connection mark & ~{Values.Hex(CtMask)}) ^ {Values.Hex(CtMark)}){shift}",
            ConnmarkMode.Save => SaveRestore("packet mark", "connection mark", NfMask, CtMask, shift),
            _ => SaveRestore("connection mark", "packet mark", CtMask, NfMask, shift),
        };
        return $"CONNMARK: {s}; continues with the next rule (no effect on packets without a conntrack entry)";
    }

    private static string SaveRestore(string from, string to, uint copyMask, uint clearMask, string shift)
    {
        if (copyMask == uint.MaxValue && clearMask == uint.MaxValue && shift.Length == 0) return $"copies the whole {from} into the {to}";
        if (copyMask == clearMask && shift.Length == 0)
            return $"copies {MarkText.Bits(copyMask)} of the {from} into the {to}, other {to.Replace(' ', '-')} bits kept";
        return $"computes {to} = ({to} & ~{Values.Hex(clearMask)}) ^ ({from} & {Values.Hex(copyMask)}){shift}: "
             + $"clears {MarkText.Bits(clearMask)} of the {to}, then XORs in {MarkText.Bits(copyMask)} of the {from}"
             + ((copyMask & ~clearMask) != 0 ? $" — copied bits outside {Values.Hex(clearMask)} are toggled, not set" : "");
    }

    /// <summary>xt_connmark.c connmark_tg_shift; nothing happens without a conntrack entry; XT_CONTINUE.</summary>
    public override TargetOutcome Apply(ITargetContext ctx)
    {
        var ct = ctx.Conntrack;
        if (ct is null || ctx.CtInfo == CtInfo.Untracked) return TargetOutcome.Continue;
        switch (Mode)
        {
            case ConnmarkMode.Set: ct.Mark = Shift((ct.Mark & ~CtMask) ^ CtMark); break;
            case ConnmarkMode.Save: ct.Mark = (ct.Mark & ~CtMask) ^ Shift(ctx.Mark & NfMask); break;
            default: ctx.Mark = (ctx.Mark & ~NfMask) ^ Shift(ct.Mark & CtMask); break;
        }
        return TargetOutcome.Continue;
    }

    internal sealed class Parser : TargetParser
    {
        private ConnmarkMode? _mode; private uint _ctmark, _ctmask = uint.MaxValue, _nfmask = uint.MaxValue; private bool _right; private byte _bits;
        internal override bool Reset() { _mode = null; _ctmark = 0; _ctmask = _nfmask = uint.MaxValue; _right = false; _bits = 0; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                // libxt_CONNMARK.c connmark_tg_parse_v2
                case "--set-xmark": if (ctx.TryMarkMask(out var v, out var m, out _)) Set(ctx, ConnmarkMode.Set, v, m); return true;
                case "--set-mark": if (ctx.TryMarkMask(out var v2, out var m2, out _)) Set(ctx, ConnmarkMode.Set, v2, v2 | m2); return true;
                case "--and-mark": if (ctx.TryUInt(out var a)) Set(ctx, ConnmarkMode.Set, 0, ~a); return true;
                case "--or-mark": if (ctx.TryUInt(out var o)) Set(ctx, ConnmarkMode.Set, o, o); return true;
                case "--xor-mark": if (ctx.TryUInt(out var x)) Set(ctx, ConnmarkMode.Set, x, 0); return true;
                case "--save-mark": Set(ctx, ConnmarkMode.Save, 0, uint.MaxValue); return true;
                case "--restore-mark": Set(ctx, ConnmarkMode.Restore, 0, uint.MaxValue); return true;
                case "--mask": if (ctx.TryUInt(out var mk)) { _ctmask = mk; _nfmask = mk; } return true;
                case "--ctmask": if (ctx.TryUInt(out var cm)) _ctmask = cm; return true;
                case "--nfmask": if (ctx.TryUInt(out var nm)) _nfmask = nm; return true;
                case "--left-shift-mark": if (ctx.TryUInt(out var l, 31, "shift")) { _bits = (byte)l; _right = false; } return true;
                case "--right-shift-mark": if (ctx.TryUInt(out var r, 31, "shift")) { _bits = (byte)r; _right = true; } return true;
            }
            return false;
        }
        private void Set(OptionContext ctx, ConnmarkMode mode, uint mark, uint mask)
        {
            if (_mode is not null) ctx.Error("CONNMARK: only one of --set-xmark/--set-mark/--and-mark/--or-mark/--xor-mark, --save-mark and --restore-mark may be given");
            _mode = mode;
            if (mode == ConnmarkMode.Set) { _ctmark = mark; _ctmask = mask; }
        }
        public override Target? Build(OptionContext ctx)
        {
            if (_mode is null) { if (!ctx.Failed) ctx.Error("CONNMARK target: one of --set-xmark, --save-mark or --restore-mark is required"); return null; }
            return new ConnmarkTarget { Mode = _mode.Value, CtMark = _ctmark, CtMask = _ctmask, NfMask = _nfmask, ShiftRight = _right, ShiftBits = _bits };
        }
    }
}
