using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>Route types an address can have (RTN_* in the kernel), as --src-type/--dst-type name them.</summary>
[Flags]
public enum AddressTypes : ushort
{
    None = 0, Unspec = 1, Unicast = 2, Local = 4, Broadcast = 8, Anycast = 16, Multicast = 32,
    Blackhole = 64, Unreachable = 128, Prohibit = 256, Throw = 512, Nat = 1024, XResolve = 2048,
}

/// <summary>-m addrtype: the route type of the source/destination address (kernel xt_addrtype.c, a FIB lookup).</summary>
public sealed class AddrtypeMatch : Match
{
    private static readonly (string Name, AddressTypes Bit)[] Names =
    [
        ("UNSPEC", AddressTypes.Unspec), ("UNICAST", AddressTypes.Unicast), ("LOCAL", AddressTypes.Local), ("BROADCAST", AddressTypes.Broadcast),
        ("ANYCAST", AddressTypes.Anycast), ("MULTICAST", AddressTypes.Multicast), ("BLACKHOLE", AddressTypes.Blackhole),
        ("UNREACHABLE", AddressTypes.Unreachable), ("PROHIBIT", AddressTypes.Prohibit), ("THROW", AddressTypes.Throw),
        ("NAT", AddressTypes.Nat), ("XRESOLVE", AddressTypes.XResolve),
    ];

    public AddressTypes SourceTypes { get; init; }
    public bool SourceNegated { get; init; }
    public AddressTypes DestinationTypes { get; init; }
    public bool DestinationNegated { get; init; }
    public bool LimitIfaceIn { get; init; }
    public bool LimitIfaceOut { get; init; }
    public override string Name => "addrtype";
    public override HookSet AllowedHooks =>
        LimitIfaceIn ? HookSet.Prerouting | HookSet.Input | HookSet.Forward
        : LimitIfaceOut ? HookSet.Output | HookSet.Forward | HookSet.Postrouting : HookSet.All;

    public static string Format(AddressTypes t) => string.Join(',', Names.Where(n => (t & n.Bit) != 0).Select(n => n.Name));

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m addrtype");
        if (SourceTypes != 0) { if (SourceNegated) sb.Append(" !"); sb.Append(" --src-type ").Append(Format(SourceTypes)); }
        if (DestinationTypes != 0) { if (DestinationNegated) sb.Append(" !"); sb.Append(" --dst-type ").Append(Format(DestinationTypes)); }
        if (LimitIfaceIn) sb.Append(" --limit-iface-in");
        if (LimitIfaceOut) sb.Append(" --limit-iface-out");
    }

    public override string Explain()
    {
        var parts = new List<string>();
        string D(AddressTypes t) => t == AddressTypes.Local ? "LOCAL (an address configured on this host)" : Format(t);
        if (SourceTypes != 0) parts.Add($"source address type is{(SourceNegated ? " not" : "")} {D(SourceTypes)}");
        if (DestinationTypes != 0) parts.Add($"destination address type is{(DestinationNegated ? " not" : "")} {D(DestinationTypes)}");
        if (LimitIfaceIn) parts.Add("only addresses of the input interface count");
        if (LimitIfaceOut) parts.Add("only addresses of the output interface count");
        return string.Join("; ", parts);
    }

    /// <summary>xt_addrtype.c addrtype_mt_v1: the FIB route type of the address (limited to the in/out interface when asked), tested against the type mask, XOR "!".</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        string? limit = LimitIfaceIn ? ctx.InInterface : LimitIfaceOut ? ctx.OutInterface : null;
        if (SourceTypes != 0 && !(((ctx.AddressType(ctx.Source, limit) & SourceTypes) != 0) ^ SourceNegated)) return false;
        if (DestinationTypes != 0 && !(((ctx.AddressType(ctx.Destination, limit) & DestinationTypes) != 0) ^ DestinationNegated)) return false;
        return true;
    }

    internal sealed class Parser : MatchParser
    {
        private AddressTypes _s, _d; private bool _sn, _dn, _in, _out;
        internal override bool Reset() { _s = _d = default; _sn = _dn = _in = _out = false; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--src-type": negated |= ctx.TakeOldStyleBang(); _s = Types(ctx); _sn = negated; return true;
                case "--dst-type": negated |= ctx.TakeOldStyleBang(); _d = Types(ctx); _dn = negated; return true;
                case "--limit-iface-in": ctx.NoInvert(negated); _in = true; return true;
                case "--limit-iface-out": ctx.NoInvert(negated); _out = true; return true;
            }
            return false;
        }

        private static AddressTypes Types(OptionContext ctx)
        {
            if (!ctx.TryValue(out var s, out var at)) return 0;
            AddressTypes t = 0;
            foreach (var r in s.Split(','))
            {
                bool ok = false;
                foreach (var (n, b) in Names) if (s[r].Equals(n, StringComparison.OrdinalIgnoreCase)) { t |= b; ok = true; }
                if (!ok) { ctx.Error(at, $"{ctx.OptionName}: unknown address type \"{Values.Trunc(s[r])}\""); return 0; }
            }
            return t;
        }

        public override Match? Build(OptionContext ctx)
        {
            if (_in && _out) ctx.Error("addrtype: --limit-iface-in and --limit-iface-out cannot be used together");
            if (_s == 0 && _d == 0 && !ctx.Failed) { ctx.Error("addrtype needs --src-type or --dst-type"); return null; }
            return new AddrtypeMatch { SourceTypes = _s, SourceNegated = _sn, DestinationTypes = _d, DestinationNegated = _dn, LimitIfaceIn = _in, LimitIfaceOut = _out };
        }
    }
}
