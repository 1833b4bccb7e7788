using Nfwalk.Model.Evaluation;
using System.Text;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

/// <summary>-j LOG: writes a kernel log line and continues (xt_LOG.c). Level 4 (warning) is the default.</summary>
public sealed class LogTarget : Target
{
    private static readonly string[] Levels = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];
    public string Prefix { get; init; } = "";
    public byte Level { get; init; } = 4;
    public bool TcpSequence { get; init; }
    public bool TcpOptions { get; init; }
    public bool IpOptions { get; init; }
    public bool Uid { get; init; }
    public bool MacDecode { get; init; }
    public override string Name => "LOG";
    public override bool IsTerminating => false;

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -j LOG");
        if (Prefix.Length > 0) { sb.Append(" --log-prefix"); Values.AppendSaveString(sb, Prefix); }
        if (Level != 4) sb.Append(" --log-level ").Append(Level);
        if (TcpSequence) sb.Append(" --log-tcp-sequence");
        if (TcpOptions) sb.Append(" --log-tcp-options");
        if (IpOptions) sb.Append(" --log-ip-options");
        if (Uid) sb.Append(" --log-uid");
        if (MacDecode) sb.Append(" --log-macdecode");
    }

    public override string Explain()
        => $"LOG: writes the packet's headers to the kernel log{(Prefix.Length > 0 ? $" with prefix \"{Prefix}\"" : "")} at level {Level} ({Levels[Level]}) and continues with the next rule (in a non-initial network namespace the kernel suppresses the line unless nf_log_all_netns=1)";

    /// <summary>xt_LOG.c log_tg: logs and returns XT_CONTINUE.</summary>
    public override TargetOutcome Apply(ITargetContext ctx) { ctx.Note($"LOG{(Prefix.Length > 0 ? $" \"{Prefix}\"" : "")}: kernel log line written"); return TargetOutcome.Continue; }

    internal sealed class Parser : TargetParser
    {
        private string _prefix = ""; private byte _level = 4; private bool _seq, _tcpo, _ipo, _uid, _mac;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--log-prefix":
                    if (ctx.TryString(out var p, out var at)) { if (p.Length > 29) ctx.Error(at, $"--log-prefix: prefix is {p.Length} characters, the limit is 29"); _prefix = p; }
                    return true;
                case "--log-level":
                {
                    if (!ctx.TryValue(out var s, out var at2)) return true;
                    int idx = -1;
                    for (int i = 0; i < Levels.Length; i++) if (s.Equals(Levels[i], StringComparison.OrdinalIgnoreCase)) idx = i;
                    if (s.Equals("error", StringComparison.OrdinalIgnoreCase)) idx = 3;
                    if (s.Equals("warn", StringComparison.OrdinalIgnoreCase)) idx = 4;
                    if (s.Equals("panic", StringComparison.OrdinalIgnoreCase)) idx = 0;
                    if (idx < 0 && Values.TryUInt(s, out var n, 7)) idx = (int)n;
                    if (idx < 0) ctx.Error(at2, $"--log-level: bad level \"{Values.Trunc(s)}\" (0-7 or emerg..debug)"); else _level = (byte)idx;
                    return true;
                }
                case "--log-tcp-sequence": _seq = true; return true;
                case "--log-tcp-options": _tcpo = true; return true;
                case "--log-ip-options": _ipo = true; return true;
                case "--log-uid": _uid = true; return true;
                case "--log-macdecode": _mac = true; return true;
            }
            return false;
        }
        public override Target? Build(OptionContext ctx) => new LogTarget { Prefix = _prefix, Level = _level, TcpSequence = _seq, TcpOptions = _tcpo, IpOptions = _ipo, Uid = _uid, MacDecode = _mac };
    }
}

/// <summary>-j NFLOG: sends the packet to a netlink log group and continues (xt_NFLOG.c).</summary>
public sealed class NflogTarget : Target
{
    public string Prefix { get; init; } = "";
    public ushort Group { get; init; }
    public uint? Size { get; init; }
    public uint? Range { get; init; }
    public ushort Threshold { get; init; } = 1;
    public override string Name => "NFLOG";
    public override bool IsTerminating => false;

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -j NFLOG");
        if (Prefix.Length > 0) { sb.Append(" --nflog-prefix"); Values.AppendSaveString(sb, Prefix); }
        if (Group != 0) sb.Append(" --nflog-group ").Append(Group);
        if (Size is { } s) sb.Append(" --nflog-size ").Append(s);
        else if (Range is { } r && r != 0) sb.Append(" --nflog-range ").Append(r);
        if (Threshold != 1) sb.Append(" --nflog-threshold ").Append(Threshold);
    }

    public override string Explain() => $"NFLOG: copies the packet to netlink log group {Group}{(Prefix.Length > 0 ? $" with prefix \"{Prefix}\"" : "")} and continues with the next rule";

    /// <summary>xt_NFLOG.c nflog_tg: returns XT_CONTINUE.</summary>
    public override TargetOutcome Apply(ITargetContext ctx) { ctx.Note($"NFLOG group {Group}: copy sent to userspace"); return TargetOutcome.Continue; }

    internal sealed class Parser : TargetParser
    {
        private string _prefix = ""; private ushort _group, _thr = 1; private uint? _size, _range;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--nflog-prefix": if (ctx.TryString(out var p)) _prefix = p; return true;
                case "--nflog-group": if (ctx.TryUInt(out var g, 65535, "group")) _group = (ushort)g; return true;
                case "--nflog-size": if (ctx.TryUInt(out var s)) _size = s; return true;
                case "--nflog-range": if (ctx.TryUInt(out var r)) _range = r; return true;
                case "--nflog-threshold": if (ctx.TryUInt(out var t, 65535, "threshold")) _thr = (ushort)t; return true;
            }
            return false;
        }
        public override Target? Build(OptionContext ctx) => new NflogTarget { Prefix = _prefix, Group = _group, Size = _size, Range = _range, Threshold = _thr };
    }
}

/// <summary>-j TRACE: marks the packet for tracing (nftrace) and continues.</summary>
public sealed class TraceTarget : Target
{
    public override string Name => "TRACE";
    public override bool IsTerminating => false;
    public override void Print(StringBuilder sb) => sb.Append(" -j TRACE");
    public override string Explain() => "TRACE: switches on packet tracing (every later table, chain and rule it meets is reported; legacy iptables allows it only in raw) and continues";
    public override TargetOutcome Apply(ITargetContext ctx) { ctx.Note("TRACE: kernel tracing switched on for this packet"); return TargetOutcome.Continue; }

}
