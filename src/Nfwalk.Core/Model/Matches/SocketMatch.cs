using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>-m socket: a local socket exists for this packet (kernel xt_socket.c socket_mt4_v1_v2_v3). PREROUTING/INPUT only.</summary>
public sealed class SocketMatch : Match
{
    public bool Transparent { get; init; }
    public bool NoWildcard { get; init; }
    public bool RestoreSkmark { get; init; }
    public override string Name => "socket";
    public override HookSet AllowedHooks => HookSet.Prerouting | HookSet.Input;

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m socket");
        if (Transparent) sb.Append(" --transparent");
        if (NoWildcard) sb.Append(" --nowildcard");
        if (RestoreSkmark) sb.Append(" --restore-skmark");
    }

    public override string Explain()
        => "a local socket exists for this packet (an established socket, or a listener bound to a specific address"
           + (NoWildcard ? " or to 0.0.0.0" : "; listeners on 0.0.0.0 do not count")
           + ")" + (Transparent ? ", and it has IP_TRANSPARENT set" : "") + (RestoreSkmark ? "; the socket's mark is copied to the packet" : "");

    /// <summary>xt_socket.c socket_mt4_v1_v2_v3: an established socket, or a listener (not 0.0.0.0 unless --nowildcard), transparent if asked.</summary>
    public override bool Evaluate(IPacketContext ctx)
        => ctx.LocalSocket(Transparent, NoWildcard) ?? ctx.Assume(this, false, "no local sockets were declared; assumed none exists for this packet");

    internal sealed class Parser : MatchParser
    {
        private bool _t, _n, _r;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--transparent": ctx.NoInvert(negated); _t = true; return true;
                case "--nowildcard": ctx.NoInvert(negated); _n = true; return true;
                case "--restore-skmark": ctx.NoInvert(negated); _r = true; return true;
            }
            return false;
        }
        public override Match? Build(OptionContext ctx) => new SocketMatch { Transparent = _t, NoWildcard = _n, RestoreSkmark = _r };
    }
}
