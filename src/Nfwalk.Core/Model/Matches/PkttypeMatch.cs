using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m pkttype: the link-layer packet type (kernel xt_pkttype.c).</summary>
public sealed class PkttypeMatch(string type, bool negated) : Match
{
    public static readonly string[] Types = ["unicast", "broadcast", "multicast", "host", "otherhost", "outgoing", "loopback"];
    public string PacketType { get; } = type;
    public bool Negated { get; } = negated;
    public override string Name => "pkttype";
    public override void Print(StringBuilder sb) { sb.Append(" -m pkttype"); if (Negated) sb.Append(" !"); sb.Append(" --pkt-type ").Append(PacketType); }
    public override string Explain() => $"link-layer packet type is{(Negated ? " not" : "")} {PacketType}";

    /// <summary>xt_pkttype.c pkttype_mt: the link-layer packet type (multicast addresses count as multicast), XOR "!".</summary>
    public override bool Evaluate(IPacketContext ctx) => (ctx.PacketType == PacketType) ^ Negated;

    internal sealed class Parser : MatchParser
    {
        private string? _t; private bool _n;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (option is not "--pkt-type") return false;
            negated |= ctx.TakeOldStyleBang();
            if (!ctx.TryValue(out var s, out var at)) return true;
            var t = s.ToString().ToLowerInvariant();
            if (t == "host") t = "unicast";
            if (Array.IndexOf(Types, t) >= 0) { _t = t; _n = negated; }
            else ctx.Error(at, $"--pkt-type: bad packet type \"{Values.Trunc(s)}\" (unicast, broadcast or multicast)");
            return true;
        }
        public override Match? Build(OptionContext ctx)
        {
            if (_t is null) { if (!ctx.Failed) ctx.Error("the pkttype match needs --pkt-type"); return null; }
            return new PkttypeMatch(_t, _n);
        }
    }
}
