using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m mac --mac-source: the Ethernet source address (kernel xt_mac.c). PREROUTING/INPUT/FORWARD only.</summary>
public sealed class MacMatch(string mac, bool negated) : Match
{
    public string Mac { get; } = mac;
    public bool Negated { get; } = negated;
    public override string Name => "mac";
    public override HookSet AllowedHooks => HookSet.Prerouting | HookSet.Input | HookSet.Forward;
    public override void Print(StringBuilder sb) { sb.Append(" -m mac"); if (Negated) sb.Append(" !"); sb.Append(" --mac-source ").Append(Mac); }
    public override string Explain() => $"Ethernet source address is{(Negated ? " not" : "")} {Mac}";

    /// <summary>xt_mac.c mac_mt: the Ethernet source address of a received frame.</summary>
    public override bool Evaluate(IPacketContext ctx)
        => ctx.SourceMac is { } m ? (string.Equals(m, Mac, StringComparison.OrdinalIgnoreCase) ^ Negated)
           : ctx.Assume(this, Negated, "the packet's Ethernet source address is not known");

    internal sealed class Parser : MatchParser
    {
        private string? _m; private bool _n;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (option is not "--mac-source") return false;
            negated |= ctx.TakeOldStyleBang();
            if (!ctx.TryValue(out var s, out var at)) return true;
            var parts = s.ToString().Split(':');
            if (parts.Length == 6 && parts.All(p => p.Length is 1 or 2 && p.All(char.IsAsciiHexDigit)))
            { _m = string.Join(':', parts.Select(p => p.ToLowerInvariant().PadLeft(2, '0'))); _n = negated; }
            else ctx.Error(at, $"--mac-source: bad MAC address \"{Values.Trunc(s)}\"");
            return true;
        }
        public override Match? Build(OptionContext ctx) => _m is null ? Fail(ctx) : new MacMatch(_m, _n);
        private static Match? Fail(OptionContext ctx) { if (!ctx.Failed) ctx.Error("the mac match needs --mac-source"); return null; }
    }
}
