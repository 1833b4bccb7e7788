using Nfwalk.Model.Evaluation;
using System.Text;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

/// <summary>-j CT (raw table; kernel xt_CT.c): --notrack makes the packet UNTRACKED; --zone puts its connection in a conntrack zone.</summary>
public sealed class CtTarget : Target
{
    public bool NoTrack { get; init; }
    /// <summary>Written as -j NOTRACK (the old alias).</summary>
    public bool IsNotrackAlias { get; init; }
    public string? Helper { get; init; }
    public string? Timeout { get; init; }
    public string? CtEvents { get; init; }
    public string? ExpEvents { get; init; }
    public ushort? Zone { get; init; }
    public bool ZoneFromMark { get; init; }
    /// <summary>null = both directions, true = --zone-orig, false = --zone-reply.</summary>
    public bool? ZoneOriginal { get; init; }
    public override string Name => IsNotrackAlias ? "NOTRACK" : "CT";
    public override bool IsTerminating => false;
    public override TableSet AllowedTables => TableSet.Raw;
    public override HookSet AllowedHooks => HookSet.Prerouting | HookSet.Output;

    public override void Print(StringBuilder sb)
    {
        if (IsNotrackAlias) { sb.Append(" -j NOTRACK"); return; }
        sb.Append(" -j CT");
        if (NoTrack) sb.Append(" --notrack");
        if (Helper is not null) sb.Append(" --helper ").Append(Helper);
        if (Timeout is not null) sb.Append(" --timeout ").Append(Timeout);
        if (CtEvents is not null) sb.Append(" --ctevents ").Append(CtEvents);
        if (ExpEvents is not null) sb.Append(" --expevents ").Append(ExpEvents);
        if (Zone is not null || ZoneFromMark)
        {
            sb.Append(ZoneOriginal switch { true => " --zone-orig", false => " --zone-reply", _ => " --zone" });
            if (ZoneFromMark) sb.Append(" mark"); else sb.Append(' ').Append(Zone);
        }
    }

    public override string Explain()
    {
        if (IsNotrackAlias || NoTrack) return "NOTRACK: the packet gets no conntrack entry (state UNTRACKED): no NAT, no connection mark, conntrack matches see UNTRACKED; continues with the next rule";
        var parts = new List<string>();
        if (Zone is not null || ZoneFromMark)
            parts.Add($"puts the connection in conntrack zone {(ZoneFromMark ? "taken from the packet mark" : Zone.ToString())}{ZoneOriginal switch { true => " (original direction)", false => " (reply direction)", _ => "" }}: identical tuples in other zones are separate connections");
        if (Helper is not null) parts.Add($"assigns the \"{Helper}\" conntrack helper");
        if (Timeout is not null) parts.Add($"applies timeout policy \"{Timeout}\"");
        if (CtEvents is not null) parts.Add($"reports only conntrack events {CtEvents}");
        return $"CT: {string.Join("; ", parts)}; continues with the next rule";
    }

    /// <summary>xt_CT.c xt_ct_target: attaches the template (untracked, zone, helper) before conntrack runs; XT_CONTINUE.</summary>
    public override TargetOutcome Apply(ITargetContext ctx)
    {
        if (NoTrack || IsNotrackAlias) ctx.Untrack();
        else if (Zone is { } z) ctx.SetZone(z);
        else if (ZoneFromMark) ctx.SetZone((ushort)ctx.Mark);
        if (Helper is not null) ctx.Note($"conntrack helper {Helper} assigned (helpers are not modelled)");
        return TargetOutcome.Continue;
    }

    internal sealed class Parser(bool alias) : TargetParser
    {
        private bool _nt; private string? _helper, _timeout, _ev, _exp; private ushort? _zone; private bool _zmark; private bool? _zorig;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (alias) return false;
            switch (option)
            {
                case "--notrack": _nt = true; return true;
                case "--helper": if (ctx.TryString(out var h)) _helper = h; return true;
                case "--timeout": if (ctx.TryString(out var t)) _timeout = t; return true;
                case "--ctevents": if (ctx.TryString(out var e)) _ev = e; return true;
                case "--expevents": if (ctx.TryString(out var x)) _exp = x; return true;
                case "--zone": Zone(ctx, null); return true;
                case "--zone-orig": Zone(ctx, true); return true;
                case "--zone-reply": Zone(ctx, false); return true;
            }
            return false;
        }
        private void Zone(OptionContext ctx, bool? dir)
        {
            if (!ctx.TryValue(out var s, out var at)) return;
            _zorig = dir;
            if (s.SequenceEqual("mark")) { _zmark = true; return; }
            if (Values.TryUInt(s, out var z, 65535)) _zone = (ushort)z;
            else ctx.Error(at, $"{ctx.OptionName}: bad zone \"{Values.Trunc(s)}\" (0-65535 or mark)");
        }
        public override Target? Build(OptionContext ctx)
        {
            if (alias) return new CtTarget { NoTrack = true, IsNotrackAlias = true };
            if (_nt && (_helper is not null || _zone is not null || _ev is not null)) ctx.Error("CT: --notrack cannot be combined with other options");
            return new CtTarget { NoTrack = _nt, Helper = _helper, Timeout = _timeout, CtEvents = _ev, ExpEvents = _exp, Zone = _zone, ZoneFromMark = _zmark, ZoneOriginal = _zorig };
        }
    }
}
