using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;

namespace Nfwalk.Semantics.Routing;

/// <summary>How a route lookup ended.</summary>
public enum RouteDecisionKind : byte
{
    /// <summary>Delivered to the node itself (a local route; for received packets also a broadcast route).</summary>
    Local,
    /// <summary>Leaves through <see cref="RouteDecision.OutInterface"/>: forwarded, or sent by the node itself.</summary>
    Forward,
    /// <summary>An "unreachable" rule or route, or forwarding is off on the input interface.</summary>
    Unreachable,
    /// <summary>A "prohibit" rule or route.</summary>
    Prohibit,
    /// <summary>A "blackhole" rule or route: dropped silently.</summary>
    Blackhole,
    /// <summary>No rule led to a route (the kernel's -ESRCH, reported as "Network is unreachable").</summary>
    NoRoute,
    /// <summary>Dropped as a martian: an impossible source or destination, or the reverse-path check (rp_filter) failed.</summary>
    Martian,
}

/// <summary>What happened at one rule of the walk.</summary>
public enum RuleStepOutcome : byte
{
    /// <summary>A selector did not match (see <see cref="RuleStep.Reason"/>).</summary>
    NotMatched,
    /// <summary>goto: the walk continues at the target rule.</summary>
    Goto,
    /// <summary>goto whose target pref has no rule: the kernel skips it.</summary>
    GotoUnresolved,
    Nop,
    /// <summary>The table has no route for the destination: the walk continues with the next rule.</summary>
    NoRouteInTable,
    /// <summary>The route found is a "throw" route: the walk continues with the next rule.</summary>
    Throw,
    /// <summary>A route was found but suppress_prefixlength/suppress_ifgroup refused it: the walk continues.</summary>
    Suppressed,
    /// <summary>The table gave a route: the walk ends here.</summary>
    Found,
    /// <summary>The table gave an unreachable/prohibit/blackhole route: the walk ends with that error.</summary>
    RejectRoute,
    /// <summary>An unreachable/prohibit/blackhole rule: the walk ends with that error.</summary>
    RejectRule,
}

/// <summary>
/// One rule the walk consulted: whether its selectors matched (and if not, which one failed), the table it looked in,
/// the route found there, and what the walk did next. <see cref="Text"/> is a one-line account for traces.
/// </summary>
public sealed record RuleStep(RoutingRule Rule, bool Matched, string? Reason, RuleStepOutcome Outcome, RouteTableId? Table, Route? Route, string Text)
{
    public uint Priority => Rule.Priority;
    public override string ToString() => Text;
}

/// <summary>
/// The kernel's routing decision for one <see cref="RouteQuery"/>, with the rule walk that produced it.
/// <see cref="Error"/> is the errno the kernel returns (what <c>ip route get</c> prints): ENETUNREACH "Network is
/// unreachable", EHOSTUNREACH "No route to host", EACCES "Permission denied", EINVAL "Invalid argument", EXDEV "Invalid
/// cross-device link" (reverse-path filter), ENODEV "No such device".
/// </summary>
public sealed record RouteDecision
{
    public required RouteDecisionKind Kind { get; init; }
    /// <summary>The type of the route the kernel built (local, broadcast, unicast, ...), as "ip route get" prints it.</summary>
    public RouteType Type { get; init; } = RouteType.Unicast;
    /// <summary>The device the packet leaves by; "lo" for local delivery.</summary>
    public string? OutInterface { get; init; }
    /// <summary>The next hop's gateway; null when the destination is on the link (directly connected).</summary>
    public IpAddress? Gateway { get; init; }
    public bool OnLink { get; init; }
    /// <summary>The packet's source address: the one the lookup chose for a local packet, else the packet's own.</summary>
    public IpAddress? Source { get; init; }
    /// <summary>How <see cref="Source"/> was chosen (route src, inet_select_addr on a device, ...).</summary>
    public string? SourceReason { get; init; }
    /// <summary>For local delivery, the interface the local route (the address) belongs to.</summary>
    public string? LocalInterface { get; init; }
    public RouteTableId? Table { get; init; }
    /// <summary>The rule whose action produced the result (null when no rule did, or the result came from a check before the walk).</summary>
    public RoutingRule? Rule { get; init; }
    public Route? Route { get; init; }
    public NextHop? NextHop { get; init; }
    public string? Error { get; init; }
    /// <summary>
    /// For a dropped received packet, the kernel's drop reason (SKB_DROP_REASON_IP_RPFILTER, IP_INVALID_SOURCE,
    /// IP_LOCAL_SOURCE, IP_INVALID_DEST, ...). Since Linux 6.13 every such drop reaches <c>ip route get</c> as EINVAL.
    /// </summary>
    public string? DropReason { get; init; }
    public required string Summary { get; init; }
    public IReadOnlyList<RuleStep> Steps { get; init; } = [];
    /// <summary>The walk of the reverse-path check (fib_validate_source), when one was made.</summary>
    public IReadOnlyList<RuleStep> ReversePathSteps { get; init; } = [];
    /// <summary>What this decision had to assume (unknown sysctls, multipath hashing, unreadable rule words, ...).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool IsError => Error is not null;

    public override string ToString() => Summary;
}
