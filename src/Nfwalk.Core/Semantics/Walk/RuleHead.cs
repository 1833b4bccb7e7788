using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Model.Targets;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// A rule's leading pure header tests (-s, -d, -p and a plain "-m tcp" with only --sport/--dport), folded into one small
/// value, kept with the other rules of its chain in one array (<see cref="CompiledChain.Heads"/>) next to the compiled rule
/// they belong to. The walk tests the head first: a rule that fails on it (most rules a packet meets in a big ruleset) is
/// rejected without touching the rule object, its match objects or its target — with 10,000 kube-proxy services a
/// classification is bound by cache misses on the rules it visits, and a chain's heads lie side by side.
/// </summary>
/// <remarks>
/// The tests are those of <see cref="AddressMatch.Evaluate"/> (IpPrefix.Contains ^ negated), <see cref="ProtocolMatch.Evaluate"/>
/// and <see cref="TcpMatch.Evaluate"/> on copied values (IPv4 prefixes as 32-bit words; IPv6 ones in a side object). Only a
/// leading run of such matches is folded, so every other match is still evaluated exactly when the straightforward scan
/// evaluates it (side effects such as assumptions and counters).
/// </remarks>
internal readonly struct RuleHead
{
    [Flags]
    private enum Tests : ushort
    {
        Source = 1, SourceNegated = 2, Destination = 4, DestinationNegated = 8, Protocol = 16, ProtocolNegated = 32,
        Tcp = 64, SourcePort = 128, SourcePortNegated = 256, DestinationPort = 512, DestinationPortNegated = 1024,
        SourceV6 = 2048, DestinationV6 = 4096,
        // not a header test: the random draw's test is inverted ("! --probability")
        DrawNegated = 8192,
    }

    /// <summary>The compiled rule (its remaining matches, its target) this head belongs to.</summary>
    public readonly CompiledRule Rule;
    private readonly V6Prefixes? _v6;
    private readonly uint _sourceMask, _sourceNet, _destinationMask, _destinationNet;
    private readonly ushort _sourcePortFirst, _sourcePortLast, _destinationPortFirst, _destinationPortLast;
    private readonly Tests _tests;
    private readonly byte _protocol;

    // a rule whose work after the folded tests is only a jump or goto to a chain of the table, perhaps after a random draw:
    // an outcome-only walk does it from here (WithJump), without the rule object
    private readonly CompiledChain? _jump;
    private readonly RuleHead[]? _jumpHeads;
    private readonly ChainIndex? _jumpIndex;
    private readonly RandomDraw? _draw;
    private readonly uint _probability; // the draw's, copied: the walk decides without reading the draw
    private readonly bool _goto;
    // a rule whose only work after the folded tests is a NAT target (kube-proxy's "-p tcp -m tcp -j DNAT ..."): likewise
    private readonly NatBinding? _nat;

    /// <summary>For a rule that only jumps (see <see cref="WithJump"/>): the chain, its heads and index; null otherwise.</summary>
    public CompiledChain? Jump => _jump;
    public RuleHead[]? JumpHeads => _jumpHeads;
    public ChainIndex? JumpIndex => _jumpIndex;
    public bool IsGoto => _goto;
    /// <summary>The random draw the rule makes before it jumps, or null.</summary>
    public RandomDraw? Draw => _draw;
    /// <summary>For a rule that only does NAT: its target's compiled parameters (deciding them, with no rule to read, is all the rule does); null otherwise.</summary>
    public NatBinding? Nat => _nat;

    private RuleHead(in RuleHead head, NatBinding nat)
    {
        this = head;
        _nat = nat;
    }

    private RuleHead(in RuleHead head, RandomDraw draw)
    {
        this = head;
        _draw = draw; _probability = draw.Probability;
        if (draw.Negated) _tests |= Tests.DrawNegated;
    }

    private RuleHead(in RuleHead head, CompiledChain jump, bool isGoto)
    {
        this = head;
        _jump = jump; _jumpHeads = jump.Heads; _jumpIndex = jump.Index; _goto = isGoto;
    }

    /// <summary>
    /// This head with the objects its shortcut needs, made now (<see cref="CompiledChain.PackHeads"/> makes them right
    /// after the chain's heads, so that they lie beside them): the NAT binding of a rule that does nothing but NAT after
    /// the folded tests, or the random draw of a rule that does nothing but a random-mode statistic test
    /// (kube-proxy's "-m statistic --mode random --probability P -j KUBE-SEP-X") and then jumps. Called once jumps are resolved.
    /// </summary>
    public RuleHead WithOwnShortcut()
    {
        var cr = Rule;
        if (cr.Target is NatTarget nat) cr.NatBinding = new NatBinding(nat);
        if (cr.Matches.Length == 0 && cr.NatBinding is { } b) return new RuleHead(this, b);
        if (cr.JumpChain is not null && cr.Matches is [StatisticMatch s] && RandomDraw.Covers(s)) return new RuleHead(this, new RandomDraw(s, cr));
        return this;
    }

    /// <summary>
    /// This head, able to take the rule's jump itself when all the rule does after the folded tests is jump or go to a
    /// chain of the table — with no other match, or after its random draw (<see cref="WithOwnShortcut"/>). Called once the
    /// callee's heads are in place.
    /// </summary>
    public RuleHead WithJump()
    {
        var cr = Rule;
        if (cr.JumpChain is not { } jump || (cr.Matches.Length != 0 && _draw is null)) return this;
        return new RuleHead(this, jump, cr.JumpIsGoto);
    }

    /// <summary>
    /// The rule's random draw (<see cref="Draw"/> is set), as <see cref="StatisticMatch.Evaluate"/> decides it in an
    /// outcome-only walk: from the copied probability alone when no rule is flipped, with the assumption's text left to
    /// be written when the walk's assumptions are read (<see cref="AssumptionLog"/>); else by the draw.
    /// </summary>
    public bool TakeDraw(WalkContext ctx)
    {
        bool negated = (_tests & Tests.DrawNegated) != 0;
        if (_probability >= 0x80000000u) return !negated;
        if (_probability == 0) return negated;
        if (ctx.Options.FlipAt.Count == 0)
        {
            ctx.Assumptions.AddDeferred(_draw!, ctx.Hook, ctx.Table);
            return !negated;
        }
        return _draw!.Take(ctx);
    }

    /// <summary>IPv6 prefixes of a head (rare in the big rulesets the head is for), by value.</summary>
    private sealed record V6Prefixes(UInt128 SourceMask, UInt128 SourceNet, UInt128 DestinationMask, UInt128 DestinationNet);

    /// <summary>Folds the leading header tests of <paramref name="rule"/>; <paramref name="firstMatch"/> is the index of the first match not folded.</summary>
    public RuleHead(CompiledRule compiled, Rule rule, out int firstMatch)
    {
        Rule = compiled;
        UInt128 sm = 0, sn = 0, dm = 0, dn = 0;
        var matches = rule.Matches;
        int i = 0;
        for (; i < matches.Count; i++)
        {
            var m = matches[i];
            if (m is CommentMatch) continue;
            if (m is AddressMatch { Direction: Direction.Source } s && (_tests & Tests.Source) == 0)
            {
                _tests |= Tests.Source | (s.Negated ? Tests.SourceNegated : 0) | (s.Prefix.Family == IpFamily.V6 ? Tests.SourceV6 : 0);
                sm = s.Prefix.Mask; sn = s.Prefix.Address.Value & sm;
            }
            else if (m is AddressMatch { Direction: Direction.Destination } d && (_tests & Tests.Destination) == 0)
            {
                _tests |= Tests.Destination | (d.Negated ? Tests.DestinationNegated : 0) | (d.Prefix.Family == IpFamily.V6 ? Tests.DestinationV6 : 0);
                dm = d.Prefix.Mask; dn = d.Prefix.Address.Value & dm;
            }
            else if (m is ProtocolMatch p && (_tests & Tests.Protocol) == 0)
            {
                _tests |= Tests.Protocol | (p.Negated ? Tests.ProtocolNegated : 0);
                _protocol = p.Protocol;
            }
            else if (m is TcpMatch { HasFlags: false, TcpOption: null } t && (_tests & Tests.Tcp) == 0)
            {
                _tests |= Tests.Tcp;
                if (t.SourcePorts is { } sp)
                {
                    _tests |= Tests.SourcePort | (t.SourceNegated ? Tests.SourcePortNegated : 0);
                    _sourcePortFirst = sp.First; _sourcePortLast = sp.Last;
                }
                if (t.DestinationPorts is { } dp)
                {
                    _tests |= Tests.DestinationPort | (t.DestinationNegated ? Tests.DestinationPortNegated : 0);
                    _destinationPortFirst = dp.First; _destinationPortLast = dp.Last;
                }
            }
            else break;
        }
        firstMatch = i;
        _sourceMask = (uint)sm; _sourceNet = (uint)sn; _destinationMask = (uint)dm; _destinationNet = (uint)dn;
        if ((_tests & (Tests.SourceV6 | Tests.DestinationV6)) != 0) _v6 = new V6Prefixes(sm, sn, dm, dn);
    }

    /// <summary>The folded header tests (true when there are none).</summary>
    public bool Matches(WalkContext ctx)
    {
        var tests = _tests;
        if (tests == 0) return true;
        if ((tests & Tests.Source) != 0)
        {
            var a = ctx.Source;
            bool inside = (tests & Tests.SourceV6) != 0
                ? a.Family == IpFamily.V6 && (a.Value & _v6!.SourceMask) == _v6.SourceNet
                : a.Family == IpFamily.V4 && ((uint)a.Value & _sourceMask) == _sourceNet;
            if (inside == ((tests & Tests.SourceNegated) != 0)) return false;
        }
        if ((tests & Tests.Destination) != 0)
        {
            var a = ctx.Destination;
            bool inside = (tests & Tests.DestinationV6) != 0
                ? a.Family == IpFamily.V6 && (a.Value & _v6!.DestinationMask) == _v6.DestinationNet
                : a.Family == IpFamily.V4 && ((uint)a.Value & _destinationMask) == _destinationNet;
            if (inside == ((tests & Tests.DestinationNegated) != 0)) return false;
        }
        if ((tests & Tests.Protocol) != 0 && (ctx.Protocol == _protocol) == ((tests & Tests.ProtocolNegated) != 0)) return false;
        if ((tests & Tests.Tcp) != 0)
        {
            // TcpMatch.Evaluate: a fragment or another protocol never matches; then PortOptions.Test for each port given
            if (ctx.IsFragment || ctx.Protocol != Protocols.Tcp) return false;
            if ((tests & Tests.SourcePort) != 0)
            {
                ushort p = ctx.SourcePort;
                if ((p >= _sourcePortFirst && p <= _sourcePortLast) == ((tests & Tests.SourcePortNegated) != 0)) return false;
            }
            if ((tests & Tests.DestinationPort) != 0)
            {
                ushort p = ctx.DestinationPort;
                if ((p >= _destinationPortFirst && p <= _destinationPortLast) == ((tests & Tests.DestinationPortNegated) != 0)) return false;
            }
        }
        return true;
    }
}
