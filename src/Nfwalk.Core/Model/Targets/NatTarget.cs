using Nfwalk.Model.Evaluation;
using System.Text;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

public enum NatKind : byte { Dnat, Snat, Masquerade, Redirect }

/// <summary>
/// DNAT, SNAT, MASQUERADE and REDIRECT (nat table; kernel xt_nat.c, xt_MASQUERADE.c, xt_REDIRECT.c).
/// They decide the connection's NAT binding on its first packet only; later packets reuse it.
/// </summary>
public sealed class NatTarget : Target
{
    public NatKind Kind { get; init; }
    public NatRange? Range { get; init; }
    public bool Random { get; init; }
    public bool RandomFully { get; init; }
    public bool Persistent { get; init; }
    public override string Name => Kind switch { NatKind.Dnat => "DNAT", NatKind.Snat => "SNAT", NatKind.Masquerade => "MASQUERADE", _ => "REDIRECT" };
    public override bool IsTerminating => true;
    public override TableSet AllowedTables => TableSet.Nat;
    public override HookSet AllowedHooks => Kind switch
    {
        NatKind.Dnat or NatKind.Redirect => HookSet.Prerouting | HookSet.Output,
        NatKind.Snat => HookSet.Postrouting | HookSet.Input,
        _ => HookSet.Postrouting,
    };

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -j ").Append(Name);
        switch (Kind)
        {
            case NatKind.Dnat: if (Range is not null) sb.Append(" --to-destination ").Append(Range); break;
            case NatKind.Snat: if (Range is not null) sb.Append(" --to-source ").Append(Range); break;
            default:
                if (Range?.Ports is { } p) { sb.Append(" --to-ports ").Append(p.First); if (p.Last != p.First) sb.Append('-').Append(p.Last); }
                break;
        }
        if (Random) sb.Append(" --random");
        if (RandomFully) sb.Append(" --random-fully");
        if (Persistent) sb.Append(" --persistent");
    }

    public override string Explain()
    {
        var first = "on the first packet of a connection only (later packets and replies are translated from the stored binding, and never see the nat table)";
        return Kind switch
        {
            NatKind.Dnat => $"DNAT: rewrites the destination to {Range?.Describe() ?? "?"} {first}; routing then uses the new destination",
            NatKind.Snat => $"SNAT: rewrites the source to {Range?.Describe() ?? "?"} {first}",
            NatKind.Masquerade => $"MASQUERADE: rewrites the source to the address the outgoing interface would choose{(Range?.Ports is { } p ? $", {Range.Describe()}" : "")} {first}",
            _ => $"REDIRECT: rewrites the destination to this host (the first address of the incoming interface; 127.0.0.1 for locally generated packets){(Range?.Ports is not null ? $", {Range.Describe()}" : "")} {first}",
        };
    }

    /// <summary>xt_nat.c / xt_MASQUERADE.c / xt_REDIRECT.c: set up the binding (nf_nat_setup_info) and return NF_ACCEPT.</summary>
    public override TargetOutcome Apply(ITargetContext ctx) { ctx.Nat(this); return TargetOutcome.Accept; }

    internal sealed class Parser(NatKind kind) : TargetParser
    {
        private NatRange? _range; private bool _random, _fully, _persistent;
        internal override bool Reset() { _range = null; _random = _fully = _persistent = false; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--to-destination" or "--to" when kind == NatKind.Dnat:
                case "--to-source" or "--to" when kind == NatKind.Snat:
                {
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    if (_range is not null) ctx.Error(at, $"{ctx.OptionName}: multiple ranges are not supported");
                    _range = NatRange.Parse(s, ctx, at);
                    return true;
                }
                case "--to-ports" or "--to-port" when kind is NatKind.Masquerade or NatKind.Redirect:
                {
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    int dash = s.IndexOf('-');
                    if (Values.TryPort(dash < 0 ? s : s[..dash], out var lo) && (dash < 0 || (Values.TryPort(s[(dash + 1)..], out var hi0) && hi0 >= lo)))
                    {
                        ushort hi = lo;
                        if (dash >= 0) Values.TryPort(s[(dash + 1)..], out hi);
                        _range = new NatRange(null, null, new PortRange(lo, hi));
                    }
                    else ctx.Error(at, $"{ctx.OptionName}: bad port or range \"{Values.Trunc(s)}\"");
                    return true;
                }
                case "--random": _random = true; return true;
                case "--random-fully" when kind is NatKind.Snat or NatKind.Masquerade: _fully = true; return true;
                case "--persistent" when kind is NatKind.Snat or NatKind.Dnat: _persistent = true; return true;
            }
            return false;
        }

        public override Target? Build(OptionContext ctx)
        {
            if (kind is NatKind.Dnat or NatKind.Snat && _range is null)
            { if (!ctx.Failed) ctx.Error($"{(kind == NatKind.Dnat ? "DNAT" : "SNAT")} needs {(kind == NatKind.Dnat ? "--to-destination" : "--to-source")}"); return null; }
            if (_range?.Ports is not null && (!Protocols.HasPorts(ctx.Protocol) || ctx.ProtocolNegated))
                ctx.Error("a port in a NAT target needs \"-p tcp\", \"-p udp\", \"-p sctp\" or \"-p dccp\"");
            return new NatTarget { Kind = kind, Range = _range, Random = _random, RandomFully = _fully, Persistent = _persistent };
        }
    }
}
