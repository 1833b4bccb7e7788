using System.Text;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

public enum MultiportKind : byte { Source, Destination, Either }

/// <summary>-m multiport: up to 15 ports or ranges; --ports matches when the source OR the destination port is listed (xt_multiport.c ports_match_v1).</summary>
public sealed class MultiportMatch : Match
{
    public MultiportKind Kind { get; init; }
    public required IReadOnlyList<PortRange> Ports { get; init; }
    public bool Negated { get; init; }
    public override string Name => "multiport";

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m multiport");
        if (Negated) sb.Append(" !");
        sb.Append(Kind switch { MultiportKind.Source => " --sports ", MultiportKind.Destination => " --dports ", _ => " --ports " });
        for (int i = 0; i < Ports.Count; i++) { if (i > 0) sb.Append(','); sb.Append(Ports[i].ToString()); }
    }

    public override string Explain()
    {
        var list = string.Join(", ", Ports.Select(p => p.IsSingle ? p.First.ToString() : $"{p.First}-{p.Last}"));
        var which = Kind switch { MultiportKind.Source => "source port", MultiportKind.Destination => "destination port", _ => "source or destination port" };
        return Negated ? $"{which} is none of {list}" : $"{which} is one of {list}";
    }

    /// <summary>xt_multiport.c ports_match_v1: any listed port or range; --ports tests source or destination; XOR "!".</summary>
    public override bool Evaluate(IPacketContext ctx)
    {
        if (ctx.IsFragment) return false;
        bool hit = false;
        foreach (var p in Ports)
        {
            hit = Kind switch
            {
                MultiportKind.Source => p.Contains(ctx.SourcePort),
                MultiportKind.Destination => p.Contains(ctx.DestinationPort),
                _ => p.Contains(ctx.SourcePort) || p.Contains(ctx.DestinationPort),
            };
            if (hit) break;
        }
        return hit ^ Negated;
    }

    internal sealed class Parser : MatchParser
    {
        private MultiportKind? _kind; private List<PortRange>? _ports; private bool _neg;
        internal override bool Reset() { _kind = null; _ports = null; _neg = false; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            MultiportKind k;
            switch (option)
            {
                case "--sports" or "--source-ports": k = MultiportKind.Source; break;
                case "--dports" or "--destination-ports": k = MultiportKind.Destination; break;
                case "--ports": k = MultiportKind.Either; break;
                default: return false;
            }
            negated |= ctx.TakeOldStyleBang();
            if (_kind is not null) { ctx.Error("multiport can only have one option (--sports, --dports or --ports)"); }
            if (!ctx.TryValue(out var s, out var at)) return true;
            var ports = new List<PortRange>();
            int slots = 0;
            foreach (var r in s.Split(','))
            {
                if (!Values.TryPortRange(s[r], out var pr, out var err)) { ctx.Error(at, $"{ctx.OptionName}: {err}"); return true; }
                ports.Add(pr); slots += pr.IsSingle ? 1 : 2;
            }
            if (slots > 15) { ctx.Error(at, $"{ctx.OptionName}: too many ports specified ({slots} slots; at most 15, a range counts as 2)"); return true; }
            _kind = k; _ports = ports; _neg = negated;
            return true;
        }

        public override Match? Build(OptionContext ctx)
        {
            if (!Protocols.HasPorts(ctx.Protocol) || ctx.ProtocolNegated)
                ctx.Error("multiport needs \"-p tcp\", \"-p udp\", \"-p udplite\", \"-p sctp\" or \"-p dccp\"");
            if (_kind is null || _ports is null) { if (!ctx.Failed) ctx.Error("multiport needs one of --sports, --dports or --ports"); return null; }
            return new MultiportMatch { Kind = _kind.Value, Ports = _ports, Negated = _neg };
        }
    }
}
