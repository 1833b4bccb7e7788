using Nfwalk.Model;
using Nfwalk.Model.Evaluation;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Model.Targets;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// Walks one packet through one node as the kernel does (netfilter-semantics reference §0):
/// received: raw PREROUTING → conntrack → mangle PREROUTING → nat PREROUTING (first packet) → routing →
///   INPUT (mangle, filter, nat/security) → socket, or FORWARD (mangle, filter, security) → POSTROUTING (mangle, nat) → out;
/// generated here: routing → raw OUTPUT → conntrack → mangle OUTPUT (re-route on change) → nat OUTPUT → filter → security → POSTROUTING.
/// </summary>
public static class NodeWalker
{
    public static WalkTrace Walk(Node node, PacketSpec spec, WalkOptions? options = null, string? title = null)
    {
        options ??= new WalkOptions();
        var ctx = new WalkContext(node, options, spec);
        var rules = node.RulesFor(spec.Family);
        if (ctx.Fast && rules is not null) ctx.Compiled = CompiledRuleset.For(rules);
        var start = ctx.Fast ? default : ctx.View();
        foreach (var a in node.Network.Assumptions) ctx.Assumptions.Add(a);
        if (rules is null) ctx.Assumptions.Add($"no {(spec.Family == IpFamily.V4 ? "iptables" : "ip6tables")} rules were given: every table is empty");
        var outcome = spec.IsLocal ? Generated(ctx, rules) : Received(ctx, rules);
        ctx.ReleaseReturnStack();
        if (ctx.Recording) ctx.Steps.Add(new TraceStep { Kind = StepKind.Outcome, Text = outcome.Text, Mark = Values.Hex(ctx.Mark), ConnMark = ctx.CtMarkText, Packet = ctx.PacketText() });
        if (ctx.Fast) return new WalkTrace(node.Name, title, spec, ctx.RecordedSteps, outcome, ctx.Capture(), ctx.Assumptions.Seal());
        return new WalkTrace(title ?? $"{start!.Summary} on {node.Name}", start!, ctx.RecordedSteps, outcome, ctx.View(), ctx.Assumptions.Seal());
    }

    private static readonly TableName[] ForwardTables = [TableName.Mangle, TableName.Filter, TableName.Security];
    private static readonly TableName[] InputTablesLegacy = [TableName.Mangle, TableName.Filter, TableName.Security, TableName.Nat];
    private static readonly TableName[] InputTablesNft = [TableName.Mangle, TableName.Filter, TableName.Nat, TableName.Security];
    private static readonly TableName[] LateOutputTables = [TableName.Filter, TableName.Security];

    private static WalkOutcome Received(WalkContext ctx, Ruleset? rules)
    {
        ctx.Hook = Hook.Prerouting;
        if (ctx.Recording) ctx.Step(StepKind.Hook, $"PREROUTING: received on {ctx.InInterface}", withPacket: true);
        if (Run(ctx, rules, TableName.Raw) is { } r1) return r1;
        ConntrackIn(ctx);
        if (Run(ctx, rules, TableName.Mangle) is { } r2) return r2;
        if (NatStep(ctx, rules, destination: true) is { } r3) return r3;

        var route = Route(ctx, ctx.InInterface);
        if (route.Kind == RouteKind.Local) return DeliverLocally(ctx, rules);
        if (route.Kind != RouteKind.Forward) return Unroutable(ctx, route);

        if (ctx.Options.IpForward == false) return new WalkOutcome("dropped", "dropped: the routing decision says forward, but net.ipv4.ip_forward is 0");
        if (ctx.Options.IpForward is null) ctx.Assumptions.Add("forwarding assumed enabled (net.ipv4.ip_forward not given)");
        ctx.OutInterface = route.OutInterface;
        ctx.Hook = Hook.Forward;
        if (ctx.Recording) ctx.Step(StepKind.Hook, $"FORWARD: routed on towards {route.OutInterface}", withPacket: true);
        foreach (var t in ForwardTables)
            if (Run(ctx, rules, t) is { } r) return r;
        return Postrouting(ctx, rules, route);
    }

    private static WalkOutcome DeliverLocally(WalkContext ctx, Ruleset? rules)
    {
        ctx.Hook = Hook.Input;
        if (ctx.Recording) ctx.Step(StepKind.Hook, "INPUT: delivered to this host", withPacket: true);
        var order = ctx.Options.LegacyBackend ? InputTablesLegacy : InputTablesNft;
        foreach (var t in order)
        {
            var r = t == TableName.Nat ? NatStep(ctx, rules, destination: false) : Run(ctx, rules, t);
            if (r is not null) return r;
        }
        Confirm(ctx);
        if (ctx.TproxySocketFound is { } l)
            return new WalkOutcome("delivered", $"delivered locally to the transparent socket {l.Address}:{l.Port} (TPROXY; the packet keeps destination {ctx.Destination}:{ctx.DestinationPort})", Socket: $"{l.Address}:{l.Port}");
        return new WalkOutcome("delivered", $"delivered locally to {ctx.Destination}{(Protocols.HasPorts(ctx.Protocol) ? ":" + ctx.DestinationPort : "")}", Socket: $"{ctx.Destination}:{ctx.DestinationPort}");
    }

    private static WalkOutcome Generated(WalkContext ctx, Ruleset? rules)
    {
        ctx.Hook = Hook.Output;
        var route = Route(ctx, null);
        if (route.Kind is not (RouteKind.Local or RouteKind.Forward)) return Unroutable(ctx, route);
        var firstOut = route.Kind == RouteKind.Local ? "lo" : route.OutInterface;
        ctx.OutInterface = firstOut;
        if (ctx.Recording) ctx.Step(StepKind.Hook, $"OUTPUT: generated on this host, leaving through {firstOut}", withPacket: true);
        if (Run(ctx, rules, TableName.Raw) is { } r1) return r1;
        ConntrackIn(ctx);
        var (m0, s0, d0, t0) = (ctx.Mark, ctx.Source, ctx.Destination, ctx.Tos);
        if (Run(ctx, rules, TableName.Mangle) is { } r2) return r2;
        if (ctx.Mark != m0 || ctx.Source != s0 || ctx.Destination != d0 || ctx.Tos != t0)
        {
            // ipt_mangle_out → ip_route_me_harder: route again; the source address is not chosen again
            if (ctx.Recording) ctx.Step(StepKind.Routing, "mangle OUTPUT changed the mark/addresses/TOS: the packet is routed again (ip_route_me_harder); its source address stays");
            route = Route(ctx, null);
            if (route.Kind is not (RouteKind.Local or RouteKind.Forward)) return Unroutable(ctx, route);
        }
        var d1 = ctx.Destination;
        if (NatStep(ctx, rules, destination: true) is { } r3) return r3;
        if (ctx.Destination != d1)
        {
            if (ctx.Recording) ctx.Step(StepKind.Routing, "nat OUTPUT changed the destination: the packet is routed again");
            route = Route(ctx, null);
            if (route.Kind is not (RouteKind.Local or RouteKind.Forward)) return Unroutable(ctx, route);
        }
        // E08b: -o in the remaining OUTPUT tables still sees the first output interface
        foreach (var t in LateOutputTables)
            if (Run(ctx, rules, t) is { } r) return r;
        if (route.Kind == RouteKind.Local)
        {
            ctx.OutInterface = "lo";
            var post = Postrouting(ctx, rules, route with { OutInterface = "lo" });
            if (post.Kind != "sent") return post;
            if (ctx.Recording) ctx.Step(StepKind.Note, "the packet loops back through lo and is received again");
            ctx.InInterface = "lo"; ctx.OutInterface = null;
            return Received(ctx, rules);
        }
        return Postrouting(ctx, rules, route);
    }

    private static WalkOutcome Postrouting(WalkContext ctx, Ruleset? rules, RouteResult route)
    {
        ctx.Hook = Hook.Postrouting;
        ctx.OutInterface = route.OutInterface;
        if (ctx.Recording) ctx.Step(StepKind.Hook, $"POSTROUTING: leaving through {route.OutInterface}", withPacket: true);
        if (Run(ctx, rules, TableName.Mangle) is { } r1) return r1;
        if (NatStep(ctx, rules, destination: false) is { } r2) return r2;
        Confirm(ctx);
        if (ctx.Fast) return new WalkOutcome(route.OutInterface, route.Gateway, ctx.State, ctx.CachedPacketText);
        var via = route.Gateway is { } gw ? $"via {gw}" : "directly (on-link)";
        return new WalkOutcome("sent", $"sent out of {route.OutInterface} {via} as {ctx.PacketText()}", route.OutInterface, route.Gateway?.ToString());
    }

    private static WalkOutcome Unroutable(WalkContext ctx, RouteResult route)
        => new("unroutable", $"dropped at the routing decision: {route.Summary}");

    /// <summary>Runs one table at the current hook; returns an outcome when the packet's walk ends there.</summary>
    private static WalkOutcome? Run(WalkContext ctx, Ruleset? rules, TableName table)
    {
        Outcome verdict;
        if (ctx.Compiled is { } compiled)
        {
            var ct = compiled.Table(table);
            if (ct is null) return null;
            if (ct.Builtin(ctx.Hook) is null) return null;
            ctx.Table = table;
            ctx.ResetPolicy();
            verdict = TableRunner.RunCompiled(ct, ctx.Hook, ctx);
        }
        else
        {
            var t = rules?[table];
            if (t is null) return null;
            if (t.BuiltinChain(ctx.Hook) is null) return null;
            ctx.Table = table;
            ctx.ResetPolicy();
            verdict = TableRunner.Run(t, ctx.Hook, ctx);
        }
        switch (verdict)
        {
            case Outcome.Drop:
                if (ctx.Rejected is { } rj)
                    return new WalkOutcome("rejected", $"rejected in {table.Name()} {ctx.Hook.ChainName()} ({rj.RejectWith} sent back)");
                return new WalkOutcome("dropped", $"dropped in {table.Name()} {ctx.Hook.ChainName()}" + (ctx.LastPolicy is null && ctx.CurrentRule is { } cr ? $" by {cr.ChainName} rule {cr.Number} ({cr.Location})" : " by the chain policy"));
            case Outcome.Queue:
                return new WalkOutcome("queued", $"queued to userspace in {table.Name()} {ctx.Hook.ChainName()}: the verdict comes from the program reading the queue");
        }
        return null;
    }

    /// <summary>nf_conntrack_in: find the connection, or start one (NEW), or mark the packet INVALID.</summary>
    private static void ConntrackIn(WalkContext ctx)
    {
        if (ctx.Untracked) { if (ctx.Recording) ctx.Step(StepKind.Conntrack, "conntrack: the packet was exempted in raw (NOTRACK): state UNTRACKED, no NAT, no connection mark"); return; }
        if (!ctx.Options.LegacyBackend && ctx.Node.RulesFor(ctx.Family) is { } rs && (ctx.Compiled ?? CompiledRuleset.For(rs)).ConntrackUser is null)
        {
            // nf_ct_netns_get: no rule of this namespace uses conntrack, so its hooks are not registered here
            ctx.CtInfo = CtInfo.Untracked;
            ctx.Assumptions.Add($"conntrack taken as inactive on {ctx.Node.Name}: no rule in its iptables-save uses it (nftables tables, IPVS or another program outside the dump could still switch it on)");
            if (ctx.Recording) ctx.Step(StepKind.Conntrack, "conntrack: not active in this network namespace — none of its rules uses connection tracking (no NAT, CT, CONNMARK, connmark, conntrack or state), and the kernel tracks connections only where something asks for it: no entry, no NAT");
            return;
        }
        var tuple = Tuple(ctx);
        var found = ctx.Node.Conntrack.Find(tuple);
        if (found is { } f)
        {
            var e = f.Entry;
            if (ctx.Protocol == Protocols.Tcp)
            {
                var next = TcpStates.Next(e.TcpState, f.Reply, ctx.TcpFlags);
                if (next == TcpState.Invalid)
                {
                    ctx.CtInfo = CtInfo.Invalid;
                    if (ctx.Recording) ctx.Step(StepKind.Conntrack, $"conntrack: a {TcpFlagNames.Format(ctx.TcpFlags)} segment in the {(f.Reply ? "reply" : "original")} direction of connection {e} is not allowed in TCP state {TcpStates.Name(e.TcpState)}: state INVALID (the packet gets no conntrack entry)");
                    return;
                }
                if (next != TcpState.Ignore)
                {
                    if (next != e.TcpState && ctx.Recording) ctx.Step(StepKind.Conntrack, $"conntrack: TCP state {TcpStates.Name(e.TcpState)} -> {TcpStates.Name(next)}");
                    e.TcpState = next;
                }
            }
            ctx.Entry = e; e.IsReplyDirection = f.Reply;
            if (f.Reply) { e.SeenReply = true; ctx.CtInfo = CtInfo.Established; }
            else ctx.CtInfo = e.SeenReply ? CtInfo.Established : CtInfo.New;
            if (ctx.Recording) ctx.Step(StepKind.Conntrack, $"conntrack: packet of connection {e} in the {(f.Reply ? "reply" : "original")} direction: state {ctx.CtInfo.ToString().ToUpperInvariant()}{(e.Mark != 0 ? $", connection mark {Values.Hex(e.Mark)}" : "")}");
            return;
        }
        var why = NewOrInvalid(ctx);
        if (why is null)
        {
            ctx.Entry = ctx.Node.Conntrack.CreateUnconfirmed(tuple);
            if (ctx.Protocol == Protocols.Tcp) ctx.Entry.TcpState = TcpStates.Next(TcpState.None, false, ctx.TcpFlags);
            ctx.CtInfo = CtInfo.New;
            if (ctx.Recording) ctx.Step(StepKind.Conntrack, $"conntrack: no existing connection: a new (unconfirmed) entry {(ctx.Fast ? Fmt.Tuple(ctx.Entry.Original) : ctx.Entry.Original.ToString())} is created: state NEW");
        }
        else
        {
            ctx.CtInfo = CtInfo.Invalid;
            if (ctx.Recording) ctx.Step(StepKind.Conntrack, $"conntrack: no existing connection and {why}: state INVALID (no entry; connmark tests are false, nat is skipped)");
        }
    }

    /// <summary>tcp_new / the protocol trackers: which packets may start a connection (nf_conntrack_tcp_loose=1 default).</summary>
    private static string? NewOrInvalid(WalkContext ctx)
    {
        if (ctx.Protocol == Protocols.Tcp)
        {
            var f = ctx.TcpFlags;
            if ((f & TcpFlags.Rst) != 0) return "a RST cannot start a connection";
            if ((f & TcpFlags.Syn) != 0 && (f & TcpFlags.Fin) != 0) return "SYN+FIN is invalid";
            if ((f & TcpFlags.Syn) != 0 && (f & TcpFlags.Ack) != 0) return "a SYN-ACK cannot start a connection";
            if ((f & TcpFlags.Syn) != 0) return null;
            if ((f & TcpFlags.Fin) != 0) return "a FIN cannot start a connection";
            if ((f & TcpFlags.Ack) != 0) return null; // picked up mid-stream (nf_conntrack_tcp_loose=1)
            return "a TCP segment without SYN or ACK cannot start a connection";
        }
        if (ctx.Protocol == Protocols.Icmp)
            return ctx.IcmpType is 8 or 13 or 15 or 17 ? null : "this ICMP type cannot start a connection (replies and errors need an existing one)";
        if (ctx.Protocol == Protocols.Icmpv6)
            return ctx.IcmpType is 128 ? null : "this ICMPv6 type cannot start a connection";
        return null;
    }

    private static ConnTuple Tuple(WalkContext ctx)
        => Protocols.HasPorts(ctx.Protocol)
            ? new ConnTuple(ctx.Source, ctx.Destination, ctx.Protocol, ctx.SourcePort, ctx.DestinationPort, ctx.Zone)
            : new ConnTuple(ctx.Source, ctx.Destination, ctx.Protocol, 0, 0, ctx.Zone);

    /// <summary>
    /// The nat table at a DNAT hook (PREROUTING/OUTPUT) or SNAT hook (POSTROUTING/INPUT): consulted only for the packet that
    /// created the (still unconfirmed) entry; then the stored translation is applied to this packet (nf_nat_inet_fn/nf_nat_packet).
    /// </summary>
    private static WalkOutcome? NatStep(WalkContext ctx, Ruleset? rules, bool destination)
    {
        var e = ctx.Entry;
        if (e is null || ctx.CtInfo is CtInfo.Untracked or CtInfo.Invalid) return null;
        bool decided = destination ? e.DstNatDone : e.SrcNatDone;
        if (!e.Confirmed && !decided && !e.IsReplyDirection)
        {
            ctx.Table = TableName.Nat;
            var before = ctx.NatDecision;
            var result = Run(ctx, rules, TableName.Nat);
            if (result is not null) return result;
            var decision = ctx.NatDecision;
            if (decision is not null && !ReferenceEquals(decision, before)) Bind(ctx, e, ctx.NatBindingFor(decision), destination);
            else if (ctx.Recording && rules?[TableName.Nat] is not null)
                ctx.Step(StepKind.Nat, $"nat {ctx.Hook.ChainName()}: no {(destination ? "destination" : "source")} translation for this connection (recorded: later packets and replies skip the nat chains)");
            if (destination) e.DstNatDone = true; else e.SrcNatDone = true;
        }
        // apply the stored manip for this direction
        if (destination)
        {
            if (!e.IsReplyDirection && e.DestinationNatted) Rewrite(ctx, dst: (e.Reply.Source, e.Reply.SourcePort), what: "DNAT");
            else if (e.IsReplyDirection && e.SourceNatted) Rewrite(ctx, dst: (e.Original.Source, e.Original.SourcePort), what: "reverse SNAT");
        }
        else
        {
            if (!e.IsReplyDirection && e.SourceNatted) Rewrite(ctx, src: (e.Reply.Destination, e.Reply.DestinationPort), what: "SNAT");
            else if (e.IsReplyDirection && e.DestinationNatted) Rewrite(ctx, src: (e.Original.Destination, e.Original.DestinationPort), what: "reverse DNAT");
        }
        return null;
    }

    private static void Rewrite(WalkContext ctx, (IpAddress A, ushort P)? dst = null, (IpAddress A, ushort P)? src = null, string what = "")
    {
        if (dst is { } d && (d.A != ctx.Destination || d.P != ctx.DestinationPort))
        {
            ctx.Destination = d.A; if (Protocols.HasPorts(ctx.Protocol)) ctx.DestinationPort = d.P;
            if (ctx.Recording) ctx.Step(StepKind.Nat, $"{what}: destination rewritten to {(ctx.Fast ? Fmt.Address(d.A) : d.A.ToString())}{(Protocols.HasPorts(ctx.Protocol) ? ":" + d.P : "")}", withPacket: true);
        }
        if (src is { } s && (s.A != ctx.Source || s.P != ctx.SourcePort))
        {
            ctx.Source = s.A; if (Protocols.HasPorts(ctx.Protocol)) ctx.SourcePort = s.P;
            if (ctx.Recording) ctx.Step(StepKind.Nat, $"{what}: source rewritten to {(ctx.Fast ? Fmt.Address(s.A) : s.A.ToString())}{(Protocols.HasPorts(ctx.Protocol) ? ":" + s.P : "")}", withPacket: true);
        }
    }

    /// <summary>nf_nat_setup_info: the new reply tuple for the chosen address/port (get_unique_tuple, find_best_ips_proto).</summary>
    private static void Bind(WalkContext ctx, ConntrackEntry e, NatBinding t, bool destination)
    {
        var orig = e.Original;
        if (destination)
        {
            IpAddress addr; ushort port = orig.DestinationPort;
            if (t.Kind == NatKind.Redirect)
            {
                if (ctx.Hook == Hook.Output) addr = ctx.Family == IpFamily.V4 ? IpAddress.Parse("127.0.0.1") : IpAddress.Parse("::1");
                else
                {
                    var a = ctx.InInterface is { } iif ? ctx.Node.Network.AddressesOf(iif, ctx.Family) : [];
                    if (a.Count == 0) { ctx.Note($"REDIRECT: {ctx.InInterface} has no address: the kernel drops the packet"); addr = orig.Destination; }
                    else addr = a[0];
                }
            }
            else addr = PickAddress(t, orig, orig.Destination);
            if (t.HasPorts && !t.Ports.Contains(port)) port = t.Ports.First;
            e.Reply = e.Reply with { Source = addr, SourcePort = port };
            e.DestinationNatted = true;
            if (ctx.Recording) ctx.Step(StepKind.Nat, $"{t.Target.Name} decided for this connection: destination {At(orig.Destination, orig.DestinationPort, ctx)} becomes {At(addr, port, ctx)} (stored in conntrack; replies get the original back)");
        }
        else
        {
            IpAddress addr;
            if (t.Kind == NatKind.Masquerade)
            {
                var a = ctx.OutInterface is { } oif ? ctx.Node.Network.AddressesOf(oif, ctx.Family) : [];
                if (ctx.LastRoute?.PreferredSource is { } ps) addr = ps;
                else if (a.Count > 0) addr = a[0];
                else
                {
                    addr = orig.Source;
                    ctx.AddAssumption($"MASQUERADE: the address of {ctx.OutInterface} is not known (no ip addr input); the source is shown unchanged, the kernel would use {ctx.OutInterface}'s address");
                }
            }
            else addr = PickAddress(t, orig, orig.Source);
            ushort port = orig.SourcePort;
            if (t.HasPorts && !t.Ports.Contains(port)) { var pr = t.Ports; port = pr.First; ctx.AddAssumption($"{t.Target.Name}: source port {orig.SourcePort} is outside {pr.First}-{pr.Last}; the kernel picks a free port in the range from a random offset, shown as {pr.First}"); }
            e.Reply = e.Reply with { Destination = addr, DestinationPort = port };
            e.SourceNatted = true;
            if (ctx.Recording) ctx.Step(StepKind.Nat, $"{t.Target.Name} decided for this connection: source {At(orig.Source, orig.SourcePort, ctx)} becomes {At(addr, port, ctx)} (source port kept when free)");
        }
    }

    private static string At(IpAddress a, ushort p, WalkContext ctx)
        => ctx.Fast ? Fmt.Endpoint(a, Protocols.HasPorts(ctx.Protocol) ? p : null) : Endpoint.Format(a, Protocols.HasPorts(ctx.Protocol) ? p : null);

    /// <summary>find_best_ips_proto: one address of a range chosen by jhash2 of the source (initval: original destination ^ zone; 0 with --persistent).</summary>
    private static IpAddress PickAddress(NatBinding t, ConnTuple orig, IpAddress keep)
    {
        if (!t.HasAddress) return keep;
        IpAddress first = t.First, last = t.Last;
        if (first == last || !first.IsV4) return first;
        uint dist = last.V4 - first.V4 + 1;
        Span<uint> words = [Jhash.RawV4(orig.Source.V4), 0, 0, 0];
        uint j = Jhash.Jhash2(words, t.Persistent ? 0 : Jhash.RawV4(orig.Destination.V4) ^ orig.Zone);
        return IpAddress.FromV4(first.V4 + (uint)(((ulong)j * dist) >> 32));
    }

    private static void Confirm(WalkContext ctx)
    {
        if (ctx.Entry is { Confirmed: false } e && ctx.CtInfo == CtInfo.New)
        {
            ctx.Node.Conntrack.Confirm(e);
            if (ctx.Recording) ctx.Step(StepKind.Conntrack, $"conntrack: connection {(ctx.Fast ? Fmt.Entry(e) : e.ToString())} confirmed (entered in the table){(e.Mark != 0 ? $" with connection mark {Values.Hex(e.Mark)}" : "")}");
        }
    }

    private static RouteResult Route(WalkContext ctx, string? iif)
    {
        var q = new RouteQuery(ctx.Family, ctx.Destination, iif is null ? null : ctx.Source, iif, ctx.Mark, ctx.Tos, ctx.Protocol, ctx.SourcePort, ctx.DestinationPort);
        var r = ctx.Node.Network.Route(q);
        ctx.LastRoute = r;
        if (ctx.Recording) ctx.Steps.Add(new TraceStep
        {
            Kind = StepKind.Routing, Hook = ctx.Hook.ChainName(), Mark = Values.Hex(ctx.Mark), ConnMark = ctx.CtMarkText,
            Text = $"routing decision for {(ctx.Fast ? Fmt.Address(ctx.Destination) : ctx.Destination.ToString())} (mark {Values.Hex(ctx.Mark)}{(iif is null ? ", locally generated" : $", from {iif}")}): {r.Summary}"
                 + (r.Steps.Count > 0 ? " — " + string.Join("; ", r.Steps) : ""),
            RoutingRulePriority = r.RulePriority, RoutingTable = r.Table, Route = r.Route,
        });
        if (iif is null && ctx.Source.Value == 0 && r.PreferredSource is { } src)
        {
            ctx.Source = src;
            if (ctx.Recording) ctx.Step(StepKind.Routing, $"source address chosen by this route: {src}");
        }
        return r;
    }
}
