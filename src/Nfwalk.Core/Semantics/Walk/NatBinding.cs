using Nfwalk.Model.Net;
using Nfwalk.Model.Targets;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// What <see cref="NodeWalker"/>'s binding step (nf_nat_setup_info) reads of a NAT target — its kind, its address range,
/// its port range, --persistent — copied when the ruleset is compiled and kept beside the rule heads of the target's chain
/// (<see cref="CompiledChain.PackHeads"/>). The walk through kube-proxy's 10,000 KUBE-SEP-X chains then reads the binding
/// from memory it has just read the rule heads from, instead of the target and its range: two objects of the parsed
/// model, far apart in a heap of ~100 MB, each a cache and TLB miss per classification.
/// </summary>
internal sealed class NatBinding
{
    public NatBinding(NatTarget target)
    {
        Target = target; Kind = target.Kind; Persistent = target.Persistent;
        if (target.Range is { } r)
        {
            if (r.FirstAddress is { } first) { HasAddress = true; First = first; Last = r.LastAddress ?? first; }
            if (r.Ports is { } p) { HasPorts = true; Ports = p; }
        }
    }

    /// <summary>The target this was copied from (the walk's NAT decision names it).</summary>
    public NatTarget Target { get; }
    public NatKind Kind { get; }
    public bool Persistent { get; }
    /// <summary>Whether the target names addresses (--to-destination/--to-source A[-B]); then First..Last.</summary>
    public bool HasAddress { get; }
    public IpAddress First { get; }
    public IpAddress Last { get; }
    /// <summary>Whether the target names ports (…:P[-Q], --to-ports); then Ports.</summary>
    public bool HasPorts { get; }
    public PortRange Ports { get; }
}
