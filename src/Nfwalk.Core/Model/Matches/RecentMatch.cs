using System.Text;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

public enum RecentCommand : byte { Set, Check, Update, Remove }

/// <summary>-m recent: a per-name list of recently seen addresses (kernel xt_recent.c recent_mt).</summary>
public sealed class RecentMatch : Match
{
    public RecentCommand Command { get; init; }
    public bool Negated { get; init; }
    public uint Seconds { get; init; }
    public bool Reap { get; init; }
    public uint HitCount { get; init; }
    public bool Rttl { get; init; }
    public string ListName { get; init; } = "DEFAULT";
    public IpAddress Mask { get; init; }
    public bool UseDestination { get; init; }
    public override string Name => "recent";

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m recent");
        if (Negated) sb.Append(" !");
        sb.Append(Command switch { RecentCommand.Set => " --set", RecentCommand.Check => " --rcheck", RecentCommand.Update => " --update", _ => " --remove" });
        if (Seconds != 0) sb.Append(" --seconds ").Append(Seconds);
        if (Reap) sb.Append(" --reap");
        if (HitCount != 0) sb.Append(" --hitcount ").Append(HitCount);
        if (Rttl) sb.Append(" --rttl");
        sb.Append(" --name ").Append(ListName);
        sb.Append(" --mask ").Append(Mask.ToString());
        sb.Append(UseDestination ? " --rdest" : " --rsource");
    }

    public override string Explain()
    {
        var addr = UseDestination ? "destination address" : "source address";
        var cond = new List<string>();
        if (Seconds != 0) cond.Add($"seen within the last {Seconds}s");
        if (HitCount != 0) cond.Add($"at least {HitCount} times");
        var when = cond.Count > 0 ? " " + string.Join(", ", cond) : "";
        var s = Command switch
        {
            RecentCommand.Set => $"adds the packet's {addr} to recent list \"{ListName}\" (always true)",
            RecentCommand.Check => $"the packet's {addr} is in recent list \"{ListName}\"{when}",
            RecentCommand.Update => $"the packet's {addr} is in recent list \"{ListName}\"{when}; its timestamp is refreshed",
            _ => $"the packet's {addr} is in recent list \"{ListName}\" (and is removed from it)",
        };
        return Negated ? $"NOT ({s})" : s + " (state kept in the kernel: nfwalk cannot see the list's contents)";
    }

    /// <summary>xt_recent.c recent_mt: --set always matches; the other commands depend on a kernel list nfwalk cannot see.</summary>
    public override bool Evaluate(IPacketContext ctx)
        => Command == RecentCommand.Set ? !Negated
           : ctx.Assume(this, Negated, $"recent list \"{ListName}\" lives in the kernel; assumed the address is not in it");

    internal sealed class Parser : MatchParser
    {
        private RecentCommand? _cmd; private bool _neg, _reap, _rttl, _dest; private uint _sec, _hit; private string _name = "DEFAULT"; private IpAddress? _mask;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--set": Cmd(RecentCommand.Set, negated, ctx); return true;
                case "--rcheck": Cmd(RecentCommand.Check, negated, ctx); return true;
                case "--update": Cmd(RecentCommand.Update, negated, ctx); return true;
                case "--remove": Cmd(RecentCommand.Remove, negated, ctx); return true;
                case "--seconds": if (ctx.TryUInt(out var s, int.MaxValue, "seconds")) _sec = s; return true;
                case "--reap": _reap = true; return true;
                case "--hitcount": if (ctx.TryUInt(out var h, 255, "hit count")) _hit = h; return true;
                case "--rttl": _rttl = true; return true;
                case "--name": if (ctx.TryString(out var n)) _name = n; return true;
                case "--mask": if (ctx.TryAddress(out var m)) _mask = m; return true;
                case "--rsource": _dest = false; return true;
                case "--rdest": _dest = true; return true;
            }
            return false;
        }
        private void Cmd(RecentCommand c, bool negated, OptionContext ctx)
        {
            if (_cmd is not null) ctx.Error("recent: use only one of --set, --rcheck, --update and --remove");
            _cmd = c; _neg = negated;
        }
        public override Match? Build(OptionContext ctx)
        {
            if (_cmd is null) { if (!ctx.Failed) ctx.Error("recent needs one of --set, --rcheck, --update or --remove"); return null; }
            if (_reap && _sec == 0) ctx.Error("recent: --reap needs --seconds");
            var mask = _mask ?? (ctx.Family == IpFamily.V4 ? IpAddress.FromV4(uint.MaxValue) : new IpAddress(UInt128.MaxValue, IpFamily.V6));
            return new RecentMatch { Command = _cmd.Value, Negated = _neg, Seconds = _sec, Reap = _reap, HitCount = _hit, Rttl = _rttl, ListName = _name, Mask = mask, UseDestination = _dest };
        }
    }
}
