using System.Globalization;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;

namespace Nfwalk.Semantics.Routing;

/// <summary>
/// The kernel's route decision over a <see cref="RoutingState"/>, step by step as Linux 6.x makes it.
/// <list type="number">
/// <item>Rule walk — net/core/fib_rules.c <c>fib_rules_lookup</c>: rules in ascending pref (equal prefs in dump order).
///   A rule applies when every selector matches (<c>fib_rule_match</c>: iif — "lo" for locally generated packets —, oif,
///   fwmark <c>((mark ^ V) &amp; M) == 0</c> with M = 0xffffffff when only V is given, uidrange, l3mdev; then
///   <c>fib4_rule_match</c>/<c>fib6_rule_match</c>: from/to prefixes, tos, ipproto, sport/dport), inverted by <c>not</c>.
///   A selector naming a device that did not exist ("[detached]") never matches. <c>goto</c> jumps to the first rule with
///   the target pref (skipped when unresolved), <c>nop</c> goes on, unreachable/prohibit/blackhole end the walk
///   (ENETUNREACH/EACCES/EINVAL). A lookup (<c>fib4_rule_action</c>) that finds nothing, or finds a throw route, goes on
///   with the next rule (-EAGAIN); a route found but refused by suppress_prefixlength/suppress_ifgroup
///   (<c>fib4_rule_suppress</c>: prefix length &lt;= N) goes on too. When no rule gives a route: ENETUNREACH.</item>
/// <item>Table lookup — net/ipv4/fib_trie.c <c>fib_table_lookup</c>: the longest prefix containing the destination; within it
///   routes in the kernel's alias order (TOS-specific first, then lowest metric, then dump order), skipping routes whose
///   TOS does not match, dead next hops, and — when the flow has an output device — next hops on other devices
///   (<c>fib_lookup_good_nhc</c>); when nothing at that prefix is usable, shorter prefixes are tried. A reject route
///   (unreachable EHOSTUNREACH, prohibit EACCES, blackhole EINVAL) ends the lookup with its error; throw continues the walk.</item>
/// <item>Locally generated packets — net/ipv4/route.c <c>ip_route_output_key_hash_rcu</c>: a given source must be a local
///   address; a local result is delivered over lo with source = the route's src, else the destination; otherwise
///   <c>fib_select_path</c> and the source from <c>fib_result_prefsrc</c> (see <see cref="SourceAddress"/>). With an output
///   device and no route at all, the kernel assumes the destination is on that link.</item>
/// <item>Received packets — <c>ip_route_input_slow</c>: martian addresses first; a lookup error becomes EHOSTUNREACH when the
///   input device does not forward; broadcast and local routes deliver locally (local after <c>fib_validate_source</c>);
///   a unicast route forwards if the input device forwards, after <c>fib_validate_source</c> (rp_filter: strict needs the
///   reverse route through the input device, loose any reverse route; the reverse lookup uses iif = the output device,
///   or lo for local delivery, and the packet's mark only with src_valid_mark).</item>
/// </list>
/// Not modelled (and said so in <see cref="RouteDecision.Notes"/> when they matter): the multipath hash (the first usable
/// next hop is shown and all are listed), default-route selection by neighbour state (fib_select_default), route
/// exceptions (PMTU, redirects), multicast routing, VRF beyond the l3mdev rule's table.
/// </summary>
public sealed class Fib(RoutingState state)
{
    private const int MaxSteps = 100_000;

    public RoutingState State => state;

    // the printed form of each rule, built once (steps quote it for every rule the walk passes)
    private readonly System.Collections.Concurrent.ConcurrentDictionary<RoutingRule, string> _selectors = new(ReferenceEqualityComparer.Instance);
    private string Sel(RoutingRule r) => _selectors.GetOrAdd(r, x => x.Selectors);

    private readonly record struct Flow(
        IpFamily Family, IpAddress Daddr, IpAddress Saddr, bool HasSaddr, string Iif, string? Oif,
        uint Mark, byte Tos, byte Proto, ushort Sport, ushort Dport, uint Uid, RouteTableId? L3mdevTable, bool UidKnown = true);

    private sealed class FibResult
    {
        public string? Error;
        public RouteDecisionKind ErrorKind;
        public string? Why;
        public RoutingRule? Rule;
        public RouteTableId? Table;
        public Route? Route;
        public NextHop? Path;
        public readonly List<RuleStep> Steps = new();
    }

    /// <summary>The decision for one packet (see the class remarks for the kernel functions followed).</summary>
    public RouteDecision Lookup(RouteQuery q)
    {
        var notes = new List<string>();
        var d = q.IsLocallyGenerated
            ? (q.Family == IpFamily.V4 ? OutputV4(q, notes) : OutputV6(q, notes))
            : (q.Family == IpFamily.V4 ? InputV4(q, notes) : InputV6(q, notes));
        return d with { Notes = notes.Distinct().ToArray() };
    }

    // ---------------------------------------------------------------- rule walk

    private FibResult FibLookup(Flow f, List<string> notes)
    {
        var res = new FibResult();
        var rules = state.Rules(f.Family);
        int guard = 0;
        for (int idx = 0; idx < rules.Count && guard++ < MaxSteps; idx++)
        {
        jumped:
            var rule = rules[idx];
            var why = Mismatch(rule, f, notes);
            bool matched = why is null;
            if (rule.Not) matched = !matched;
            if (!matched)
            {
                res.Steps.Add(new RuleStep(rule, false, why ?? "\"not\": all selectors match, so the rule does not", RuleStepOutcome.NotMatched, null, null,
                    $"{rule.Priority}: {Sel(rule)} — no match: {why ?? "\"not\" inverts a match"}"));
                continue;
            }
            if (rule.Problems.Count > 0 || rule.UnknownWords.Count > 0)
                notes.Add($"rule {rule.Priority} has words nfwalk could not read ({string.Join(", ", rule.Problems.Concat(rule.UnknownWords))}); assumed not to restrict it");
            switch (rule.Action)
            {
                case RuleAction.Goto:
                {
                    int target = -1;
                    if (!rule.Unresolved && rule.GotoTarget is { } gt)
                        for (int k = idx + 1; k < rules.Count; k++) if (rules[k].Priority == gt) { target = k; break; }
                    if (target < 0)
                    {
                        res.Steps.Add(new RuleStep(rule, true, null, RuleStepOutcome.GotoUnresolved, null, null,
                            $"{rule.Priority}: {Sel(rule)} — matches, but no rule has pref {rule.GotoTarget?.ToString(CultureInfo.InvariantCulture) ?? "none"}: unresolved goto, skipped"));
                        continue;
                    }
                    res.Steps.Add(new RuleStep(rule, true, null, RuleStepOutcome.Goto, null, null, $"{rule.Priority}: {Sel(rule)} — matches: goto {rules[target].Priority}"));
                    idx = target;
                    goto jumped;
                }
                case RuleAction.Nop:
                    res.Steps.Add(new RuleStep(rule, true, null, RuleStepOutcome.Nop, null, null, $"{rule.Priority}: {Sel(rule)} — matches: nop, next rule"));
                    continue;
                case RuleAction.Unreachable or RuleAction.Prohibit or RuleAction.Blackhole:
                {
                    (res.Error, res.ErrorKind) = rule.Action switch
                    {
                        RuleAction.Unreachable => ("ENETUNREACH", RouteDecisionKind.Unreachable),
                        RuleAction.Prohibit => ("EACCES", RouteDecisionKind.Prohibit),
                        _ => ("EINVAL", RouteDecisionKind.Blackhole),
                    };
                    res.Rule = rule;
                    res.Why = $"ip rule {rule.Priority} ({rule.Action.ToString().ToLowerInvariant()})";
                    res.Steps.Add(new RuleStep(rule, true, null, RuleStepOutcome.RejectRule, null, null,
                        $"{rule.Priority}: {Sel(rule)} — matches: {rule.Action.ToString().ToLowerInvariant()} ({res.Error})"));
                    return res;
                }
            }

            // lookup
            RouteTableId tableId;
            if (rule.L3mdev && rule.Table is null)
            {
                if (f.L3mdevTable is not { } vt)
                {
                    res.Steps.Add(new RuleStep(rule, false, "the packet's devices are not in a VRF", RuleStepOutcome.NotMatched, null, null,
                        $"{rule.Priority}: {Sel(rule)} — no match: the packet's devices are not in a VRF (l3mdev)"));
                    continue;
                }
                tableId = vt;
            }
            else tableId = rule.Table ?? RouteTableId.Main;
            var (outcome, route, path, detail) = TableLookup(tableId, f, notes);
            switch (outcome)
            {
                case RuleStepOutcome.NoRouteInTable or RuleStepOutcome.Throw:
                    res.Steps.Add(new RuleStep(rule, true, null, outcome, tableId, route, $"{rule.Priority}: {Sel(rule)} — matches: {detail}; next rule"));
                    continue;
                case RuleStepOutcome.RejectRoute:
                    (res.Error, res.ErrorKind) = route!.Type switch
                    {
                        RouteType.Unreachable => ("EHOSTUNREACH", RouteDecisionKind.Unreachable),
                        RouteType.Prohibit => ("EACCES", RouteDecisionKind.Prohibit),
                        RouteType.Blackhole => ("EINVAL", RouteDecisionKind.Blackhole),
                        _ => ("EINVAL", RouteDecisionKind.Blackhole),
                    };
                    res.Rule = rule; res.Table = tableId; res.Route = route;
                    res.Why = $"{route.Type.Name()} route in table {tableId.Name}";
                    res.Steps.Add(new RuleStep(rule, true, null, outcome, tableId, route, $"{rule.Priority}: {Sel(rule)} — matches: {detail} ({res.Error})"));
                    return res;
            }
            // found: suppress_prefixlength / suppress_ifgroup (fib4_rule_suppress / fib6_rule_suppress)
            if (rule.SuppressPrefixLength is { } spl && route!.Destination.Length <= spl)
            {
                res.Steps.Add(new RuleStep(rule, true, null, RuleStepOutcome.Suppressed, tableId, route,
                    $"{rule.Priority}: {Sel(rule)} — matches: {detail}, but its prefix /{route.Destination.Length} is not longer than suppress_prefixlength {spl}: refused, next rule"));
                continue;
            }
            if (rule.SuppressIfGroup is { } grp && route!.Paths.FirstOrDefault()?.Device is { } sdev && state.Interface(sdev) is { } si && SameGroup(si.Group, grp))
            {
                res.Steps.Add(new RuleStep(rule, true, null, RuleStepOutcome.Suppressed, tableId, route,
                    $"{rule.Priority}: {Sel(rule)} — matches: {detail}, but {sdev} is in interface group {grp} (suppress_ifgroup): refused, next rule"));
                continue;
            }
            res.Rule = rule; res.Table = tableId; res.Route = route; res.Path = path;
            res.Steps.Add(new RuleStep(rule, true, null, RuleStepOutcome.Found, tableId, route, $"{rule.Priority}: {Sel(rule)} — matches: {detail}"));
            return res;
        }
        res.Error = "ENETUNREACH";
        res.ErrorKind = RouteDecisionKind.NoRoute;
        res.Why = "no rule led to a route";
        return res;
    }

    private static bool SameGroup(string? a, string b)
    {
        static string Norm(string? g) => g is null or "default" ? "0" : g;
        return Norm(a) == Norm(b);
    }

    /// <summary>Why the rule's selectors do not match the flow, or null when they all do (before "not").</summary>
    private string? Mismatch(RoutingRule r, Flow f, List<string> notes)
    {
        if (r.Iif is { } iif)
        {
            if (r.IifDetached) return $"iif {iif} is detached (no such device when the dump was taken)";
            if (iif != f.Iif) return $"iif {iif} ≠ {f.Iif}";
        }
        if (r.Oif is { } oif)
        {
            if (r.OifDetached) return $"oif {oif} is detached (no such device when the dump was taken)";
            if (oif != f.Oif) return f.Oif is null ? $"oif {oif}: the packet has no output device yet" : $"oif {oif} ≠ {f.Oif}";
        }
        if (r.FwMark is { } v && ((f.Mark ^ v) & r.FwMask) != 0)
            return $"fwmark 0x{v:x}{(r.FwMask != uint.MaxValue ? $"/0x{r.FwMask:x}" : "")}: (0x{f.Mark:x} ^ 0x{v:x}) & 0x{r.FwMask:x} = 0x{(f.Mark ^ v) & r.FwMask:x} ≠ 0";
        if (r.TunId is { } tid && tid != 0) return $"tun_id {tid}: the packet carries no tunnel metadata";
        if (r.L3mdev && f.L3mdevTable is null) return "l3mdev: the packet's devices are not in a VRF";
        if (r.UidRange is { } ur)
        {
            if (!f.UidKnown) notes.Add("the socket's uid is unknown: uid 0 (root) assumed for uidrange rules");
            if (!ur.Contains(f.Uid)) return $"uidrange {ur} does not contain uid {f.Uid}";
        }
        if (f.Family == IpFamily.V4)
        {
            if (r.From is { } from && !from.Contains(f.Saddr)) return $"from {from} does not contain {(f.HasSaddr ? f.Saddr.ToString() : "0.0.0.0 (no source chosen yet)")}";
        }
        else if (r.From is { } from6 && from6.Length > 0)
        {
            if (!f.HasSaddr) return $"from {from6}: the packet has no source address yet";
            if (!from6.Contains(f.Saddr)) return $"from {from6} does not contain {f.Saddr}";
        }
        if (r.To is { } to && !to.Contains(f.Daddr)) return $"to {to} does not contain {f.Daddr}";
        if (r.Tos is { } tos && tos != 0)
        {
            var mask = f.Family == IpFamily.V4 ? 0x1c : 0xfc;
            if (tos != (f.Tos & mask)) return $"tos 0x{tos:x2} ≠ 0x{f.Tos & mask:x2} (packet TOS 0x{f.Tos:x2} & 0x{mask:x2})";
        }
        if (r.IpProto is { } p && p != 0 && p != f.Proto) return $"ipproto {IpProtoNames.Name(p)} ≠ {(f.Proto == 0 ? "none" : IpProtoNames.Name(f.Proto))}";
        if (r.SourcePorts is { } sp && !sp.Contains(f.Sport)) return $"sport {sp} does not contain {f.Sport}";
        if (r.DestinationPorts is { } dp && !dp.Contains(f.Dport)) return $"dport {dp} does not contain {f.Dport}";
        return null;
    }

    private (RuleStepOutcome Outcome, Route? Route, NextHop? Path, string Detail) TableLookup(RouteTableId id, Flow f, List<string> notes)
    {
        var table = state.Table(id);
        if (table is null) return (RuleStepOutcome.NoRouteInTable, null, null, $"table {id.Name} is empty");
        foreach (var bucket in table.Matching(f.Daddr))
        {
            foreach (var route in bucket)
            {
                if (route.SourcePrefix is { } sp && sp.Length > 0 && (!f.HasSaddr || !sp.Contains(f.Saddr))) continue;
                if (route.Tos != 0 && route.Tos != (f.Tos & (f.Family == IpFamily.V4 ? 0x1c : 0xfc))) continue;
                if (route.IsDead) continue;
                if (route.Type == RouteType.Throw) return (RuleStepOutcome.Throw, route, null, $"table {id.Name}: throw route {route}");
                if (route.Type.IsReject()) return (RuleStepOutcome.RejectRoute, route, null, $"table {id.Name}: {route}");
                var paths = route.Paths;
                for (int i = 0; i < paths.Count; i++)
                {
                    var p = paths[i];
                    if (p.IsDead) continue;
                    if (p.IsLinkDown && p.Device is { } ld && state.Sysctls.DeviceConf(f.Family, ld, "ignore_routes_with_linkdown") is > 0) continue;
                    if (f.Oif is { } oif && p.Device != oif) continue;
                    if (route.IsMultipath && f.Oif is null)
                        notes.Add($"route {route} has {paths.Count} next hops; the kernel picks one by a flow hash nfwalk does not reproduce: the first is shown");
                    return (RuleStepOutcome.Found, route, p, $"table {id.Name}: {route}");
                }
            }
        }
        return (RuleStepOutcome.NoRouteInTable, null, null, $"table {id.Name} has no route for {f.Daddr}{(f.Oif is { } o ? $" via {o}" : "")}");
    }

    private RouteTableId? L3mdevTableOf(string? dev)
    {
        if (dev is null || state.Interface(dev) is not { } i) return null;
        if (i.Kind == InterfaceKind.Vrf && i.VrfTable is { } t) return new RouteTableId(t);
        if (i.Master is { } m && state.Interface(m) is { Kind: InterfaceKind.Vrf, VrfTable: { } mt }) return new RouteTableId(mt);
        return null;
    }

    // ---------------------------------------------------------------- IPv4, locally generated

    private RouteDecision OutputV4(RouteQuery q, List<string> notes)
    {
        var dst = q.Destination;
        var saddr = q.Source;
        if (saddr is { } s)
        {
            if (IsMulticast4(s) || IsLbcast(s) || IsZeronet(s))
                return Fail(RouteDecisionKind.Martian, "EINVAL", $"source {s} cannot be used for sending (multicast, broadcast or 0.0.0.0/8)", null, notes);
            if (state.InterfaceOwning(s) is null && state.Interfaces.Count > 0)
                return Fail(RouteDecisionKind.NoRoute, "ENETUNREACH", $"source {s} is not an address of this node (ip_route_output_key_hash_rcu: __ip_dev_find)", null, notes);
        }
        if (saddr is { } bs && q.OutInterface is null && (IsLbcast(dst) || IsMulticast4(dst)) && state.InterfaceOwning(bs) is { } sdev)
        {
            // "user can direct multicasts and limited broadcast via necessary interface without fiddling with IP_MULTICAST_IF
            // or IP_PKTINFO": the device of the source address, no lookup (ip_route_output_key_hash_rcu)
            if (state.Interfaces.Count(i => i.Addresses.Any(a => a.Local == bs)) > 1)
                notes.Add($"{bs} is configured on several interfaces; the kernel uses the one whose address was added last (__ip_dev_find), taken as the last in the dump: {sdev.Name}");
            return new RouteDecision
            {
                Kind = RouteDecisionKind.Forward, Type = IsLbcast(dst) ? RouteType.Broadcast : RouteType.Multicast, OutInterface = sdev.Name, Source = bs,
                SourceReason = "given by the socket", Summary = $"{dst} from {bs}: sent out of {sdev.Name}, the interface holding {bs}, without a route lookup",
            };
        }
        Interface? oifDev = null;
        if (q.OutInterface is { } oifName)
        {
            oifDev = state.Interface(oifName);
            if (oifDev is null && state.Interfaces.Count > 0) return Fail(RouteDecisionKind.NoRoute, "ENODEV", $"no device {oifName}", null, notes);
            if (oifDev is { IsUp: false }) return Fail(RouteDecisionKind.NoRoute, "ENETUNREACH", $"{oifName} is down", null, notes);
            if (IsLbcast(dst) || IsLocalMulticast4(dst))
            {
                var src0 = saddr ?? SourceAddress.InetSelectAddr(state, oifName, null, Scope.Link, out _);
                return new RouteDecision
                {
                    Kind = RouteDecisionKind.Forward, Type = IsLbcast(dst) ? RouteType.Broadcast : RouteType.Multicast, OutInterface = oifName, Source = src0,
                    SourceReason = saddr is null ? "inet_select_addr(oif, 0, link)" : "given", Summary = $"{dst} is a broadcast/link-local multicast address: sent out of {oifName} without a lookup",
                };
            }
        }
        if (dst.V4 == 0)
        {
            var s0 = saddr ?? IpAddress.FromV4(0x7f000001);
            return new RouteDecision
            {
                Kind = RouteDecisionKind.Local, Type = RouteType.Local, OutInterface = "lo", Source = s0,
                SourceReason = saddr is null ? "no destination and no source: 127.0.0.1" : "given", Summary = "destination 0.0.0.0: delivered to the node itself over lo",
            };
        }
        var flow = new Flow(IpFamily.V4, dst, saddr ?? IpAddress.AnyV4, saddr is not null, "lo", q.OutInterface, q.Mark, q.Tos, q.Protocol,
            q.SourcePort, q.DestinationPort, q.Uid ?? 0, L3mdevTableOf(q.OutInterface), q.Uid is not null);
        var res = FibLookup(flow, notes);
        var d = OutputResultV4(q, flow, res, notes);
        if (q.SecondLookupWithChosenSource && saddr is null && d.Source is { } chosen && !d.IsError)
        {
            // ip_route_connect: the source chosen by the first lookup is fixed, and the route is looked up again with it
            var again = OutputV4(q with { Source = chosen, SecondLookupWithChosenSource = false }, notes);
            return again with
            {
                Steps = d.Steps.Concat(again.Steps).ToArray(),
                SourceReason = $"{d.SourceReason}; then looked up again with that source (ip_route_connect)",
                Summary = again.Summary + $" (second lookup with source {chosen})",
            };
        }
        return d;
    }

    private RouteDecision OutputResultV4(RouteQuery q, Flow flow, FibResult res, List<string> notes)
    {
        var dst = q.Destination;
        if (res.Error is not null)
        {
            if (q.OutInterface is { } oif && flow.L3mdevTable is null)
            {
                // "Apparently, routing tables are wrong. Assume, that the destination is on link." (ip_route_output_key_hash_rcu)
                var src = q.Source ?? SourceAddress.InetSelectAddr(state, oif, null, Scope.Link, out _);
                return new RouteDecision
                {
                    Kind = RouteDecisionKind.Forward, Type = RouteType.Unicast, OutInterface = oif, Source = src,
                    SourceReason = q.Source is null ? $"inet_select_addr({oif}, 0, link)" : "given by the socket", Steps = res.Steps,
                    Summary = $"no route to {dst} ({res.Why}), but the socket is bound to {oif}: the kernel assumes {dst} is on that link and sends it there directly",
                };
            }
            return Fail(res.ErrorKind, res.Error, res.Why!, res, notes);
        }
        var route = res.Route!;
        var path = res.Path!;
        if (route.Type == RouteType.Local)
        {
            var src = q.Source ?? route.PreferredSource ?? dst;
            return new RouteDecision
            {
                Kind = RouteDecisionKind.Local, Type = RouteType.Local, OutInterface = "lo", LocalInterface = route.Device, Source = src,
                SourceReason = q.Source is not null ? "given by the socket" : route.PreferredSource is not null ? $"the local route's src {route.PreferredSource}" : "the destination itself",
                Table = res.Table, Rule = res.Rule, Route = route, NextHop = path, Steps = res.Steps,
                Summary = $"{dst} is local ({route.Device}): delivered to the node itself over lo (rule {res.Rule!.Priority}, table {res.Table!.Value.Name})",
            };
        }
        // fib_select_path: fib_result_prefsrc when no source yet
        IpAddress? source = q.Source;
        string sourceReason = "given by the socket";
        if (source is null)
        {
            if (route.PreferredSource is { } ps) { source = ps; sourceReason = $"the route's src {ps} (fib_result_prefsrc)"; }
            else
            {
                source = SourceAddress.InetSelectAddr(state, path.Device, path.Gateway, route.Scope, out var how);
                sourceReason = how + " (fib_result_prefsrc)";
            }
        }
        var type = route.Type;
        if (IsLbcast(dst)) type = RouteType.Broadcast;
        else if (IsMulticast4(dst)) type = RouteType.Multicast;
        var kindText = type switch
        {
            RouteType.Broadcast => "broadcast",
            RouteType.Multicast => "multicast",
            RouteType.Unicast => "",
            _ => route.Type.Name() + " ",
        };
        if (type is RouteType.Anycast or RouteType.Nat or RouteType.XResolve)
            notes.Add($"a {type.Name()} route is used for output; nfwalk treats it as unicast");
        // __mkroute_output: a broadcast never goes to a gateway, nor a multicast sent along a route shorter than /4
        var gw = type == RouteType.Broadcast || (type == RouteType.Multicast && route.Destination.Length < 4) ? null : path.Gateway;
        return new RouteDecision
        {
            Kind = RouteDecisionKind.Forward, Type = type == RouteType.Unspec ? RouteType.Unicast : type, OutInterface = path.Device, Gateway = gw, OnLink = path.OnLink,
            Source = source, SourceReason = sourceReason, Table = res.Table, Rule = res.Rule, Route = route, NextHop = path, Steps = res.Steps,
            Summary = $"sent {(kindText.Length > 0 ? kindText.Trim() + " " : "")}out of {path.Device} {(gw is { } g ? $"via {g}{(path.OnLink ? " (onlink)" : "")}" : "directly")} from {source?.ToString() ?? "no source address"} (rule {res.Rule!.Priority}, table {res.Table!.Value.Name})",
        };
    }

    // ---------------------------------------------------------------- IPv4, received

    private RouteDecision InputV4(RouteQuery q, List<string> notes)
    {
        var dev = q.InInterface!;
        var daddr = q.Destination;
        var saddr = q.Source ?? IpAddress.AnyV4;
        if (state.Interfaces.Count > 0 && state.Interface(dev) is null)
            notes.Add($"input interface {dev} is not in the interface dump");
        if (IsMulticast4(saddr) || IsLbcast(saddr)) return Fail(RouteDecisionKind.Martian, "EINVAL", $"martian source {saddr} (multicast or broadcast source)", null, notes) with { DropReason = "IP_INVALID_SOURCE" };
        var flow = new Flow(IpFamily.V4, daddr, saddr, true, dev, null, q.Mark, q.Tos, q.Protocol, q.SourcePort, q.DestinationPort, 0, L3mdevTableOf(dev));
        if (IsLbcast(daddr) || (saddr.V4 == 0 && daddr.V4 == 0))
            return BroadcastInput(flow, null, dev, notes);
        if (IsZeronet(saddr)) return Fail(RouteDecisionKind.Martian, "EINVAL", $"martian source {saddr} (0.0.0.0/8)", null, notes) with { DropReason = "IP_INVALID_SOURCE" };
        if (IsZeronet(daddr)) return Fail(RouteDecisionKind.Martian, "EINVAL", $"martian destination {daddr} (0.0.0.0/8)", null, notes) with { DropReason = "IP_INVALID_DEST" };
        bool localnet = state.Sysctls.OrConf(IpFamily.V4, dev, "route_localnet") == true;
        if (IsLoopback4(daddr) && !localnet) return Fail(RouteDecisionKind.Martian, "EINVAL", $"martian destination {daddr} (127.0.0.0/8 received on {dev}, route_localnet off)", null, notes) with { DropReason = "IP_LOCALNET" };
        if (!IsLoopback4(daddr) && IsLoopback4(saddr) && !localnet) return Fail(RouteDecisionKind.Martian, "EINVAL", $"martian source {saddr} (127.0.0.0/8 received on {dev}, route_localnet off)", null, notes) with { DropReason = "IP_LOCALNET" };
        if (IsMulticast4(daddr))
        {
            notes.Add("multicast reception (group membership, multicast routing) is not modelled");
            return Fail(RouteDecisionKind.NoRoute, "EINVAL", $"{daddr} is multicast; nfwalk does not model multicast reception", null, notes);
        }
        var res = FibLookup(flow, notes);
        bool? fwd = state.Sysctls.Forwarding(IpFamily.V4, dev);
        bool forwarding = fwd ?? true;
        if (res.Error is not null)
        {
            if (!forwarding)
            {
                return Fail(res.ErrorKind == RouteDecisionKind.NoRoute ? RouteDecisionKind.NoRoute : res.ErrorKind, "EHOSTUNREACH",
                    $"{res.Why}; forwarding is off on {dev}, so the kernel answers EHOSTUNREACH", res, notes);
            }
            return Fail(res.ErrorKind, res.Error, res.Why!, res, notes);
        }
        var route = res.Route!;
        var path = res.Path!;
        if (route.Type == RouteType.Broadcast)
            return BroadcastInput(flow, res, dev, notes);
        if (route.Type == RouteType.Local)
        {
            var (err, rpSteps, why) = ValidateSource(flow, null, dev, notes);
            if (err is not null)
                return Fail(RouteDecisionKind.Martian, "EINVAL", $"{daddr} is local, but the source check failed: {why}", res, notes) with { ReversePathSteps = rpSteps, DropReason = err };
            return new RouteDecision
            {
                Kind = RouteDecisionKind.Local, Type = RouteType.Local, OutInterface = "lo", LocalInterface = route.Device, Source = saddr, Table = res.Table,
                Rule = res.Rule, Route = route, NextHop = path, Steps = res.Steps, ReversePathSteps = rpSteps,
                Summary = $"{daddr} is local ({route.Device}): delivered to the node itself (rule {res.Rule!.Priority}, table {res.Table!.Value.Name})",
            };
        }
        if (!forwarding)
            return Fail(RouteDecisionKind.Unreachable, "EHOSTUNREACH", $"forwarding is off on {dev} (net.ipv4.conf.{dev}.forwarding = 0): not forwarded", res, notes);
        if (fwd is null) notes.Add("ip_forward unknown: forwarding assumed on");
        if (route.Type != RouteType.Unicast)
            return Fail(RouteDecisionKind.Martian, "EINVAL", $"martian destination: a {route.Type.Name()} route cannot forward", res, notes) with { DropReason = "IP_INVALID_DEST" };
        {
            var (err, rpSteps, why) = ValidateSource(flow, path.Device, dev, notes);
            if (err is not null)
                return Fail(RouteDecisionKind.Martian, "EINVAL", $"source {saddr} rejected on {dev}: {why}", res, notes) with { ReversePathSteps = rpSteps, DropReason = err };
            var gw = path.Gateway;
            return new RouteDecision
            {
                Kind = RouteDecisionKind.Forward, Type = RouteType.Unicast, OutInterface = path.Device, Gateway = gw, OnLink = path.OnLink, Source = saddr,
                SourceReason = "the packet's own source", Table = res.Table, Rule = res.Rule, Route = route, NextHop = path, Steps = res.Steps, ReversePathSteps = rpSteps,
                Summary = $"forwarded out of {path.Device} {(gw is { } g ? $"via {g}{(path.OnLink ? " (onlink)" : "")}" : "directly")} (rule {res.Rule!.Priority}, table {res.Table!.Value.Name})",
            };
        }
    }

    /// <summary>
    /// brd_input of ip_route_input_slow: a broadcast is delivered locally after the source check, which the kernel makes
    /// with destination 0 (fib_validate_source(skb, saddr, 0, ...)), unless the source is 0.0.0.0/8 (DHCP and the like).
    /// </summary>
    private RouteDecision BroadcastInput(Flow flow, FibResult? res, string dev, List<string> notes)
    {
        IReadOnlyList<RuleStep> rpSteps = [];
        if (!IsZeronet(flow.Saddr))
        {
            var (err, steps, why) = ValidateSource(flow with { Daddr = IpAddress.AnyV4 }, null, dev, notes);
            rpSteps = steps;
            if (err is not null)
                return Fail(RouteDecisionKind.Martian, "EINVAL", $"{flow.Daddr} is a broadcast address, but the source check failed: {why}", res, notes) with { ReversePathSteps = rpSteps, DropReason = err };
        }
        var route = res?.Route;
        return new RouteDecision
        {
            Kind = RouteDecisionKind.Local, Type = RouteType.Broadcast, OutInterface = "lo", LocalInterface = route?.Device, Source = flow.Saddr, Table = res?.Table,
            Rule = res?.Rule, Route = route, NextHop = res?.Path, Steps = res?.Steps ?? [], ReversePathSteps = rpSteps,
            Summary = route is null ? $"limited broadcast {flow.Daddr}: delivered locally" : $"{flow.Daddr} is a broadcast address of {route.Device}: delivered locally",
        };
    }

    /// <summary>
    /// fib_validate_source for a packet received on <paramref name="inDev"/>; <paramref name="outDev"/> is the device it
    /// will leave by (null for local delivery). Returns the kernel's drop reason (IP_RPFILTER where the kernel's errno was
    /// EXDEV, IP_LOCAL_SOURCE or IP_INVALID_SOURCE where it was EINVAL) or null when the source is accepted.
    /// </summary>
    private (string? Error, IReadOnlyList<RuleStep> Steps, string Why) ValidateSource(Flow f, string? outDev, string inDev, List<string> notes)
    {
        var sys = state.Sysctls;
        int? rpKnown = sys.RpFilter(inDev);
        if (rpKnown is null) notes.Add($"rp_filter of {inDev} unknown: 0 (off) assumed");
        int rpf = rpKnown ?? 0;
        bool acceptLocal = sys.OrConf(IpFamily.V4, inDev, "accept_local") == true;
        bool txRedirects = sys.OrConf(IpFamily.V4, inDev, "send_redirects") ?? true;
        if (rpf == 0 && (inDev != outDev || !txRedirects))
        {
            if (acceptLocal) return (null, [], "accept_local");
            if (!state.HasCustomLocalRoutes && !state.HasCustomRules(IpFamily.V4))
            {
                if (state.InterfaceOwning(f.Saddr) is { } owner)
                    return ("IP_LOCAL_SOURCE", [], $"the source {f.Saddr} is this node's own address (on {owner.Name})");
                return (null, [], "rp_filter off");
            }
        }
        // __fib_validate_source: look the source up as a destination, from the other direction
        bool srcValidMark = sys.OrConf(IpFamily.V4, inDev, "src_valid_mark") == true;
        var rev = f with
        {
            Daddr = f.Saddr, Saddr = f.Daddr, HasSaddr = true, Iif = outDev ?? "lo", Oif = null,
            Mark = srcValidMark ? f.Mark : 0, Sport = f.Dport, Dport = f.Sport, Uid = 0,
        };
        var r = FibLookup(rev, notes);
        bool noAddr = state.Interface(inDev) is { } idev ? !idev.Addresses.Any(a => a.Family == IpFamily.V4) : false;
        if (r.Error is not null)
            return rpf != 0 ? ("IP_RPFILTER", r.Steps, $"rp_filter {rpf}: no route back to {f.Saddr} ({r.Why})") : (null, r.Steps, "no route back, but rp_filter is off");
        var rt = r.Route!;
        if (rt.Type != RouteType.Unicast && (rt.Type != RouteType.Local || !acceptLocal))
            return (rt.Type == RouteType.Local ? "IP_LOCAL_SOURCE" : "IP_INVALID_SOURCE", r.Steps, rt.Type == RouteType.Local ? $"the source {f.Saddr} is a local address of this node" : $"the route back to {f.Saddr} is {rt.Type.Name()}");
        bool devMatch = rt.Paths.Any(p => p.Device == inDev) || (rt.Type == RouteType.Local && state.Interface(inDev)?.IsLoopback == true);
        if (devMatch) return (null, r.Steps, $"the route back to {f.Saddr} goes through {inDev}");
        if (noAddr) return rpf != 0 ? ("IP_RPFILTER", r.Steps, $"{inDev} has no IPv4 address and rp_filter is {rpf}") : (null, r.Steps, "rp_filter off");
        if (rpf == 1) return ("IP_RPFILTER", r.Steps, $"rp_filter 1 (strict): the route back to {f.Saddr} goes through {rt.Paths[0].Device}, not {inDev}");
        return (null, r.Steps, rpf == 2 ? $"rp_filter 2 (loose): a route back to {f.Saddr} exists" : "rp_filter off");
    }

    // ---------------------------------------------------------------- IPv6

    private RouteDecision OutputV6(RouteQuery q, List<string> notes)
    {
        var dst = q.Destination;
        var flow = new Flow(IpFamily.V6, dst, q.Source ?? IpAddress.AnyV6, q.Source is not null, "lo", q.OutInterface, q.Mark, q.Tos, q.Protocol,
            q.SourcePort, q.DestinationPort, q.Uid ?? 0, L3mdevTableOf(q.OutInterface), q.Uid is not null);
        var res = FibLookup(flow, notes);
        notes.Add("IPv6 follows the IPv4 rule walk and longest-prefix lookup; router preference, neighbour reachability and ECMP siblings are not modelled");
        if (res.Error is not null) return Fail(res.ErrorKind, res.ErrorKind == RouteDecisionKind.Unreachable && res.Route is not null ? "ENETUNREACH" : res.Error, res.Why!, res, notes);
        var route = res.Route!;
        var path = res.Path!;
        if (route.Type is RouteType.Local or RouteType.Anycast)
        {
            var src = q.Source ?? route.PreferredSource ?? SourceAddress.V6SelectAddr(state, route.Device, dst, out _);
            return new RouteDecision
            {
                Kind = RouteDecisionKind.Local, Type = route.Type, OutInterface = "lo", LocalInterface = route.Device, Source = src, Table = res.Table, Rule = res.Rule,
                Route = route, NextHop = path, Steps = res.Steps, Summary = $"{dst} is local ({route.Device}): delivered to the node itself over lo",
            };
        }
        string how = "given by the socket";
        var source = q.Source ?? route.PreferredSource ?? SourceAddress.V6SelectAddr(state, path.Device, dst, out how);
        if (q.Source is null && route.PreferredSource is { } ps) how = $"the route's src {ps}";
        return new RouteDecision
        {
            Kind = RouteDecisionKind.Forward, Type = route.Type, OutInterface = path.Device, Gateway = path.Gateway, OnLink = path.OnLink, Source = source, SourceReason = how,
            Table = res.Table, Rule = res.Rule, Route = route, NextHop = path, Steps = res.Steps,
            Summary = $"sent out of {path.Device} {(path.Gateway is { } g ? $"via {g}" : "directly")} from {source?.ToString() ?? "no source address"} (rule {res.Rule!.Priority}, table {res.Table!.Value.Name})",
        };
    }

    private RouteDecision InputV6(RouteQuery q, List<string> notes)
    {
        var dev = q.InInterface!;
        var flow = new Flow(IpFamily.V6, q.Destination, q.Source ?? IpAddress.AnyV6, q.Source is not null, dev, null, q.Mark, q.Tos, q.Protocol,
            q.SourcePort, q.DestinationPort, 0, L3mdevTableOf(dev));
        var res = FibLookup(flow, notes);
        notes.Add("IPv6 follows the IPv4 rule walk and longest-prefix lookup; router preference, neighbour reachability and ECMP siblings are not modelled");
        if (res.Error is not null) return Fail(res.ErrorKind, res.ErrorKind == RouteDecisionKind.Unreachable && res.Route is not null ? "ENETUNREACH" : res.Error, res.Why!, res, notes);
        var route = res.Route!;
        var path = res.Path!;
        if (route.Type is RouteType.Local or RouteType.Anycast)
            return new RouteDecision
            {
                Kind = RouteDecisionKind.Local, Type = route.Type, OutInterface = "lo", LocalInterface = route.Device, Source = q.Source, Table = res.Table, Rule = res.Rule,
                Route = route, NextHop = path, Steps = res.Steps, Summary = $"{q.Destination} is local ({route.Device}): delivered to the node itself",
            };
        var fwd = state.Sysctls.Int("net.ipv6.conf.all.forwarding");
        if (fwd == 0)
            return Fail(RouteDecisionKind.Unreachable, "EHOSTUNREACH", "net.ipv6.conf.all.forwarding = 0: ip6_forward drops the packet", res, notes);
        if (fwd is null) notes.Add("net.ipv6.conf.all.forwarding unknown: forwarding assumed on");
        return new RouteDecision
        {
            Kind = RouteDecisionKind.Forward, Type = route.Type, OutInterface = path.Device, Gateway = path.Gateway, OnLink = path.OnLink, Source = q.Source,
            SourceReason = "the packet's own source", Table = res.Table, Rule = res.Rule, Route = route, NextHop = path, Steps = res.Steps,
            Summary = $"forwarded out of {path.Device} {(path.Gateway is { } g ? $"via {g}" : "directly")} (rule {res.Rule!.Priority}, table {res.Table!.Value.Name})",
        };
    }

    // ---------------------------------------------------------------- helpers

    private static RouteDecision Fail(RouteDecisionKind kind, string error, string why, FibResult? res, List<string> notes) => new()
    {
        Kind = kind, Type = kind switch
        {
            RouteDecisionKind.Unreachable => RouteType.Unreachable,
            RouteDecisionKind.Prohibit => RouteType.Prohibit,
            RouteDecisionKind.Blackhole => RouteType.Blackhole,
            _ => RouteType.Unspec,
        },
        Error = error, Rule = res?.Rule, Table = res?.Table, Route = res?.Route, Steps = res?.Steps ?? [],
        Summary = $"{kind switch { RouteDecisionKind.NoRoute => "no route", RouteDecisionKind.Martian => "dropped as a martian", _ => kind.ToString().ToLowerInvariant() }}: {why} ({error})",
    };

    private static bool IsMulticast4(IpAddress a) => (a.V4 & 0xf0000000) == 0xe0000000;
    private static bool IsLocalMulticast4(IpAddress a) => (a.V4 & 0xffffff00) == 0xe0000000;
    private static bool IsLbcast(IpAddress a) => a.V4 == 0xffffffff;
    private static bool IsZeronet(IpAddress a) => (a.V4 & 0xff000000) == 0;
    private static bool IsLoopback4(IpAddress a) => (a.V4 & 0xff000000) == 0x7f000000;
}
