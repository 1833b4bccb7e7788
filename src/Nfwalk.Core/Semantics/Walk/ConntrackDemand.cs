using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Targets;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// Whether connection tracking runs at all in a network namespace. The kernel registers conntrack's hooks in a namespace
/// only when something asks for them (nf_ct_netns_get): with iptables-nft that is a rule using conntrack — the NAT
/// targets (DNAT, SNAT, MASQUERADE, REDIRECT, NETMAP: xt_nat / nft_nat init), CT/NOTRACK, CONNMARK, -m connmark,
/// -m conntrack, -m state. A namespace whose rules use none of these has no conntrack: no entries, no states, and the nat
/// table's chains are never consulted (nf_nat_inet_fn needs a conntrack entry), even when the nat table exists.
/// Verified on this kernel (AmbientWalkVerifyTests: the ztunnel pod's empty nat table counted nothing; a namespace with
/// only mangle rules and a rule-less nat table showed nf_conntrack_count 0). Not pinned for legacy iptables.
/// </summary>
public static class ConntrackDemand
{
    /// <summary>
    /// The first rule that makes the kernel track connections ("file:line (-j CONNMARK)"), or null when none does. Unknown
    /// extensions may need conntrack, so they count. A scan of every rule: walks read it once per ruleset, from
    /// <see cref="CompiledRuleset.ConntrackUser"/>.
    /// </summary>
    public static string? FirstUser(Ruleset rules)
    {
        foreach (var r in rules.AllRules())
        {
            foreach (var m in r.Matches)
                if (m is ConntrackMatch or StateMatch or UnknownMatch || m is MarkMatch { IsConnmark: true })
                    return $"{r.Location} (-m {m.Name})";
            if (r.Target is ConnmarkTarget or CtTarget or NatTarget or UnknownTarget)
                return $"{r.Location} (-j {r.Target.Name})";
        }
        return null;
    }

    public static bool NeedsConntrack(Ruleset rules) => FirstUser(rules) is not null;
}
