using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m owner: the local socket that sent the packet (kernel xt_owner.c owner_mt). OUTPUT/POSTROUTING only.</summary>
public sealed class OwnerMatch : Match
{
    public bool? SocketExists { get; init; }  // true = --socket-exists, false = ! --socket-exists
    public (uint Min, uint Max, bool Negated)? Uid { get; init; }
    public (uint Min, uint Max, bool Negated)? Gid { get; init; }
    public bool? SupplGroups { get; init; }
    public override string Name => "owner";
    public override HookSet AllowedHooks => HookSet.Output | HookSet.Postrouting;

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m owner");
        if (SocketExists is { } se) sb.Append(se ? " --socket-exists" : " ! --socket-exists");
        Range(sb, "--uid-owner", Uid);
        Range(sb, "--gid-owner", Gid);
        if (SupplGroups is { } sg) sb.Append(sg ? " --suppl-groups" : " ! --suppl-groups");
    }

    private static void Range(StringBuilder sb, string opt, (uint Min, uint Max, bool Negated)? r)
    {
        if (r is not { } v) return;
        if (v.Negated) sb.Append(" !");
        sb.Append(' ').Append(opt).Append(' ').Append(v.Min);
        if (v.Max != v.Min) sb.Append('-').Append(v.Max);
    }

    public override string Explain()
    {
        var parts = new List<string>();
        if (SocketExists is { } se) parts.Add(se ? "the packet belongs to a local socket (also true for the kernel's own RST/ICMP replies)" : "the packet has no local socket");
        string R((uint Min, uint Max, bool Negated) v) => v.Min == v.Max ? $"{v.Min}" : $"{v.Min}-{v.Max}";
        if (Uid is { } u) parts.Add($"the sending socket's owner uid is{(u.Negated ? " not" : "")} {R(u)}");
        if (Gid is { } g) parts.Add($"the sending socket's owner gid is{(g.Negated ? " not" : "")} {R(g)}");
        if (SupplGroups == true) parts.Add("supplementary groups are checked too");
        return string.Join("; ", parts) + " (locally generated packets only)";
    }

    /// <summary>
    /// xt_owner.c owner_mt: without a socket (forwarded packets) the match holds only if every given test is negated;
    /// a kernel control socket (RST/ICMP replies) exists but has no file, so every uid/gid test fails.
    /// </summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        var o = ctx.Owner;
        if (o is null)
            return SocketExists != true && (Uid is null || Uid.Value.Negated) && (Gid is null || Gid.Value.Negated) && SupplGroups != true;
        if (SocketExists == false) return false;
        if (Uid is { } u && !((!o.KernelSocket && o.Uid >= u.Min && o.Uid <= u.Max) ^ u.Negated)) return false;
        if (Gid is { } g && !((!o.KernelSocket && o.Gid >= g.Min && o.Gid <= g.Max) ^ g.Negated)) return false;
        return true;
    }

    internal sealed class Parser : MatchParser
    {
        private bool? _se, _sg; private (uint, uint, bool)? _u, _g;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--socket-exists": _se = !negated; return true;
                case "--suppl-groups": _sg = !negated; return true;
                case "--uid-owner": negated |= ctx.TakeOldStyleBang(); _u = Id(negated, ctx, "root"); return true;
                case "--gid-owner": negated |= ctx.TakeOldStyleBang(); _g = Id(negated, ctx, "root"); return true;
            }
            return false;
        }

        private static (uint, uint, bool)? Id(bool negated, OptionContext ctx, string rootName)
        {
            if (!ctx.TryValue(out var s, out var at)) return null;
            if (s.SequenceEqual(rootName)) return (0, 0, negated);
            int dash = s.IndexOf('-');
            if (dash < 0 && Values.TryUInt(s, out var lo)) return (lo, lo, negated);
            if (dash > 0 && Values.TryUInt(s[..dash], out var a) && Values.TryUInt(s[(dash + 1)..], out var b) && a <= b) return (a, b, negated);
            ctx.Error(at, $"{ctx.OptionName}: \"{Values.Trunc(s)}\" is not a numeric id or id range (nfwalk does not resolve user and group names other than root)");
            return null;
        }

        public override Match? Build(OptionContext ctx)
        {
            if (_se is null && _sg is null && _u is null && _g is null) { if (!ctx.Failed) ctx.Error("the owner match needs --uid-owner, --gid-owner or --socket-exists"); return null; }
            return new OwnerMatch { SocketExists = _se, SupplGroups = _sg, Uid = _u, Gid = _g };
        }
    }
}
