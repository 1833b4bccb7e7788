using Nfwalk.Model.Evaluation;
using System.Text;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

/// <summary>-j SET: adds the packet's fields to, or deletes them from, an ipset (xt_set.c set_target). Continues.</summary>
public sealed class SetTarget : Target
{
    public (string Name, string Flags)? AddSet { get; init; }
    public (string Name, string Flags)? DelSet { get; init; }
    public bool Exist { get; init; }
    public uint? Timeout { get; init; }
    public override string Name => "SET";
    public override bool IsTerminating => false;

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -j SET");
        if (AddSet is { } a) sb.Append(" --add-set ").Append(a.Name).Append(' ').Append(a.Flags);
        if (DelSet is { } d) sb.Append(" --del-set ").Append(d.Name).Append(' ').Append(d.Flags);
        if (Exist) sb.Append(" --exist");
        if (Timeout is { } t) sb.Append(" --timeout ").Append(t);
    }

    public override string Explain()
    {
        var p = new List<string>();
        if (AddSet is { } a) p.Add($"adds the packet's {a.Flags} fields to ipset \"{a.Name}\"");
        if (DelSet is { } d) p.Add($"deletes the packet's {d.Flags} fields from ipset \"{d.Name}\"");
        return $"SET: {string.Join(" and ", p)}; continues with the next rule";
    }

    public override TargetOutcome Apply(ITargetContext ctx) { ctx.UpdateSet(this); return TargetOutcome.Continue; }

    internal sealed class Parser : TargetParser
    {
        private (string, string)? _add, _del; private bool _exist; private uint? _timeout;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--add-set": _add = Pair(ctx); return true;
                case "--del-set": _del = Pair(ctx); return true;
                case "--exist": _exist = true; return true;
                case "--timeout": if (ctx.TryUInt(out var t)) _timeout = t; return true;
            }
            return false;
        }
        private static (string, string)? Pair(OptionContext ctx)
            => ctx.TryString(out var n) && ctx.TryString(out var f) ? (n, f) : null;
        public override Target? Build(OptionContext ctx)
        {
            if (_add is null && _del is null) { if (!ctx.Failed) ctx.Error("SET needs --add-set or --del-set"); return null; }
            return new SetTarget { AddSet = _add, DelSet = _del, Exist = _exist, Timeout = _timeout };
        }
    }
}
