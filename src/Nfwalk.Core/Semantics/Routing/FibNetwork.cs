using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Semantics.Routing;

/// <summary>
/// The node's network as the packet walk asks about it (<see cref="INodeNetwork"/>), answered from a
/// <see cref="RoutingState"/> by the kernel-checked <see cref="Fib"/>:
/// <list type="bullet">
/// <item>route lookups are <see cref="Fib.Lookup"/>; the trace shows the decision's summary and the rules that matched
///   (priority, selectors, table, route), not the rules whose selectors failed nor the routine miss in the local table;
///   for a received packet whose source the kernel checks with a reverse lookup, the rule that routed the way back;</item>
/// <item>for a forwarded packet the preferred source is what MASQUERADE takes (nf_nat_masquerade_ipv4:
///   inet_select_addr(out, next hop, universe); ipv6_dev_get_saddr for IPv6); for a locally generated one it is the
///   source the lookup chose;</item>
/// <item>address types (local, broadcast) come from the local table as inet_addr_type reads them, and from the addresses
///   the interfaces hold.</item>
/// </list>
/// An error decision maps by its errno (EHOSTUNREACH/ENETUNREACH unreachable, EACCES prohibit, others blackhole); a dropped
/// martian (impossible address, rp_filter) has no <see cref="RouteKind"/> of its own and is reported as a blackhole
/// (dropped without an ICMP error), its summary saying why.
/// </summary>
public sealed class FibNetwork : INodeNetwork
{
    private readonly Fib _fib;

    public FibNetwork(RoutingState state) : this(new Fib(state)) { }

    public FibNetwork(Fib fib)
    {
        _fib = fib;
        Assumptions = fib.State.Assumptions;
    }

    public RoutingState State => _fib.State;
    public Fib Fib => _fib;
    public IReadOnlyList<string> Assumptions { get; }

    public RouteResult Route(Walk.RouteQuery q)
    {
        var d = _fib.Lookup(new RouteQuery
        {
            Destination = q.Destination, Source = q.Source, InInterface = q.InInterface, Mark = q.Mark, Tos = q.Tos, Protocol = q.Protocol,
            SourcePort = q.SourcePort, DestinationPort = q.DestinationPort,
        });
        // an error decision is what its errno does to the packet (ip_error): a blackhole route on an input device that does
        // not forward answers EHOSTUNREACH, an ICMP host unreachable, not a silent drop
        var kind = d.Kind switch
        {
            RouteDecisionKind.Local => RouteKind.Local,
            RouteDecisionKind.Forward => RouteKind.Forward,
            RouteDecisionKind.NoRoute => RouteKind.NoRoute,
            _ => d.Error switch
            {
                "EHOSTUNREACH" or "ENETUNREACH" => RouteKind.Unreachable,
                "EACCES" => RouteKind.Prohibit,
                _ => RouteKind.Blackhole,
            },
        };
        var steps = new List<string>();
        foreach (var s in d.Steps)
        {
            if (s.Outcome == RuleStepOutcome.NotMatched) continue;
            if (s.Outcome == RuleStepOutcome.NoRouteInTable && s.Table is { IsLocal: true } && s.Rule.IsDefault) continue;
            steps.Add(s.Text);
        }
        // the source check's walk ends at the rule that routed the way back; that rule is what a reader needs
        if (d.ReversePathSteps.Count > 0 && q.Source is { } src)
            steps.Add($"reverse lookup for the source {src} (fib_validate_source): {d.ReversePathSteps[^1].Text}");
        foreach (var n in d.Notes) steps.Add("note: " + n);
        return new RouteResult(kind, kind == RouteKind.Local ? "lo" : d.OutInterface, d.Gateway, PreferredSource(q, d), d.Summary, steps)
        {
            RulePriority = d.Rule is { } r ? (int)r.Priority : null,
            Table = d.Table?.Name,
            Route = d.Route?.ToString(),
        };
    }

    private IpAddress? PreferredSource(Walk.RouteQuery q, RouteDecision d)
    {
        if (q.InInterface is null || d.Kind != RouteDecisionKind.Forward) return d.Source is { } s && s.Value != UInt128.Zero ? s : null;
        var next = d.Gateway ?? q.Destination;
        return q.Family == IpFamily.V4
            ? SourceAddress.InetSelectAddr(State, d.OutInterface, next, Scope.Global, out _)
            : SourceAddress.V6SelectAddr(State, d.OutInterface, q.Destination, out _);
    }

    public IReadOnlyList<IpAddress> AddressesOf(string iface, IpFamily family)
        => State.Interface(iface) is { } i ? i.AddressesOf(family).Select(a => a.Local).ToArray() : [];

    /// <summary>
    /// The device of the first local route that makes the address local: inet_dev_addr_type compares only that route's
    /// device with the device it is limited to. With 10.244.1.1/32 on va0 and then vb0 the kernel has a local route on
    /// each, and "-i vb0 -m addrtype --dst-type LOCAL --limit-iface-in" does not match (checked in a namespace: the
    /// match without --limit-iface-in counted the packet, the one with it did not). Without a local table, the
    /// interface holding the address.
    /// </summary>
    public string? LocalInterfaceOf(IpAddress address)
    {
        if (State.Table(RouteTableId.Local) is not null)
            return LocalTableRoute(address) is { Type: RouteType.Local } r ? r.Device ?? "lo" : null;
        return State.InterfaceOwning(address)?.Name;
    }

    public bool IsBroadcast(IpAddress address)
    {
        if (!address.IsV4) return false;
        if (address.V4 == uint.MaxValue) return true;
        if (State.Table(RouteTableId.Local) is not null) return LocalTableRoute(address) is { Type: RouteType.Broadcast };
        return State.Interfaces.Any(i => i.Addresses.Any(a => a.Broadcast == address));
    }

    /// <summary>The route inet_addr_type finds for an address: the longest prefix of the local table that contains it.</summary>
    private Route? LocalTableRoute(IpAddress address)
    {
        var local = State.Table(RouteTableId.Local);
        if (local is null) return null;
        foreach (var bucket in local.Matching(address))
            if (bucket.Count > 0) return bucket[0];
        return null;
    }
}
