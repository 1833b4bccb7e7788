using Nfwalk.Model.Evaluation;
using System.Text;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

/// <summary>-j NFQUEUE: hands the packet to a userspace program on a netlink queue; the verdict comes from that program.</summary>
public sealed class NfqueueTarget : Target
{
    public ushort QueueNum { get; init; }
    public ushort QueueCount { get; init; } = 1;
    public bool Bypass { get; init; }
    public bool CpuFanout { get; init; }
    public override string Name => "NFQUEUE";
    public override bool IsTerminating => true;

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -j NFQUEUE");
        if (QueueCount > 1) sb.Append(" --queue-balance ").Append(QueueNum).Append(':').Append(QueueNum + QueueCount - 1);
        else sb.Append(" --queue-num ").Append(QueueNum);
        if (Bypass) sb.Append(" --queue-bypass");
        if (CpuFanout) sb.Append(" --queue-cpu-fanout");
    }

    public override string Explain()
        => $"NFQUEUE: hands the packet to the userspace program on queue {(QueueCount > 1 ? $"{QueueNum}-{QueueNum + QueueCount - 1} (balanced)" : QueueNum.ToString())}; its verdict decides"
           + (Bypass ? "; if no program listens the packet is accepted (--queue-bypass)" : "; if no program listens the packet is dropped");

    public override TargetOutcome Apply(ITargetContext ctx) { ctx.Note($"queued to userspace queue {QueueNum}"); return TargetOutcome.Queue; }

    internal sealed class Parser : TargetParser
    {
        private ushort _num, _count = 1; private bool _bypass, _fanout;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--queue-num": if (ctx.TryUInt(out var n, 65535, "queue number")) _num = (ushort)n; return true;
                case "--queue-balance":
                {
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    int c = s.IndexOf(':');
                    if (c > 0 && Values.TryUInt(s[..c], out var a, 65535) && Values.TryUInt(s[(c + 1)..], out var b, 65535) && b > a)
                    { _num = (ushort)a; _count = (ushort)(b - a + 1); }
                    else ctx.Error(at, $"--queue-balance: bad range \"{Values.Trunc(s)}\" (FIRST:LAST with FIRST < LAST)");
                    return true;
                }
                case "--queue-bypass": _bypass = true; return true;
                case "--queue-cpu-fanout": _fanout = true; return true;
            }
            return false;
        }
        public override Target? Build(OptionContext ctx) => new NfqueueTarget { QueueNum = _num, QueueCount = _count, Bypass = _bypass, CpuFanout = _fanout };
    }
}
