using System.Globalization;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;

namespace Nfwalk.Parsing.Iproute2;

/// <summary>
/// Puts a <see cref="RoutingState"/> together from whatever was collected on the node: rules, routes, interfaces (from
/// <c>ip addr</c> and/or <c>ip link</c>, merged by name) and sysctls, in text or JSON. What is missing is derived where
/// the kernel's own behaviour allows it, and every derivation is written to <see cref="RoutingState.Assumptions"/>:
/// <list type="bullet">
/// <item>no rules: the kernel's defaults (0 lookup local, 32766 lookup main, 32767 lookup default; IPv6 without 32767);</item>
/// <item>no interfaces: interface names from the routes' devices, addresses from the local table's "local" routes
///   (a local route whose src is another address is a secondary), prefix lengths from the connected routes;</item>
/// <item>no routes, or no local table: what the kernel adds for each address (fib_add_ifaddr: a local route, the
///   broadcast route, the connected prefix route; addrconf for IPv6);</item>
/// <item>no sysctls: forwarding on and rp_filter off are assumed.</item>
/// </list>
/// </summary>
public sealed class RoutingStateBuilder(DiagnosticBag diagnostics)
{
    private readonly List<RoutingRule> _rules = new();
    private readonly HashSet<IpFamily> _rulesGiven = new();
    private readonly List<Route> _routes = new();
    private bool _routesGiven;
    private readonly List<Interface> _interfaces = new();
    private bool _interfacesGiven;
    private readonly Dictionary<string, string> _sysctls = new(StringComparer.Ordinal);
    private bool _sysctlsGiven;
    private readonly List<string> _assumptions = new();

    public DiagnosticBag Diagnostics => diagnostics;

    /// <summary>Rules of one family (an empty list still counts: that family has no rules at all).</summary>
    public RoutingStateBuilder AddRules(IEnumerable<RoutingRule> rules, IpFamily? family = null)
    {
        var list = rules.ToList();
        _rules.AddRange(list);
        foreach (var r in list) _rulesGiven.Add(r.Family);
        if (family is { } f) _rulesGiven.Add(f);
        else if (list.Count == 0) _rulesGiven.Add(IpFamily.V4);
        return this;
    }

    public RoutingStateBuilder AddRulesText(string text, string file, IpFamily? family = null) => AddRules(IpRuleParser.ParseText(text, file, diagnostics, family), family);
    public RoutingStateBuilder AddRulesJson(string json, string file, IpFamily? family = null) => AddRules(IpRuleParser.ParseJson(json, file, diagnostics, family), family);

    public RoutingStateBuilder AddRoutes(IEnumerable<Route> routes) { _routes.AddRange(routes); _routesGiven = true; return this; }
    public RoutingStateBuilder AddRoutesText(string text, string file, IpFamily? family = null) => AddRoutes(IpRouteParser.ParseText(text, file, diagnostics, family));
    public RoutingStateBuilder AddRoutesJson(string json, string file, IpFamily? family = null) => AddRoutes(IpRouteParser.ParseJson(json, file, diagnostics, family));

    /// <summary>Interfaces; a second source for the same name (ip link after ip addr) fills in what the first lacked.</summary>
    public RoutingStateBuilder AddInterfaces(IEnumerable<Interface> interfaces)
    {
        _interfacesGiven = true;
        foreach (var i in interfaces)
        {
            int at = _interfaces.FindIndex(x => x.Name == i.Name);
            if (at < 0) { _interfaces.Add(i); continue; }
            var a = _interfaces[at];
            _interfaces[at] = a with
            {
                Index = a.Index != 0 ? a.Index : i.Index,
                Kind = a.Kind is InterfaceKind.Unknown or InterfaceKind.Ethernet && i.Kind is not InterfaceKind.Unknown ? i.Kind : a.Kind,
                KindName = a.KindName is null or "ether" ? i.KindName ?? a.KindName : a.KindName,
                Mtu = a.Mtu ?? i.Mtu,
                OperState = a.OperState ?? i.OperState,
                Flags = a.Flags.Count > 0 ? a.Flags : i.Flags,
                IsUp = a.Flags.Count > 0 ? a.IsUp : i.IsUp,
                LowerUp = a.Flags.Count > 0 ? a.LowerUp : i.LowerUp,
                Mac = a.Mac ?? i.Mac,
                Addresses = a.Addresses.Count > 0 ? a.Addresses : i.Addresses,
                Link = a.Link ?? i.Link,
                Tunnel = a.Tunnel ?? i.Tunnel,
                Master = a.Master ?? i.Master,
                VrfTable = a.VrfTable ?? i.VrfTable,
                Group = a.Group ?? i.Group,
            };
        }
        return this;
    }

    public RoutingStateBuilder AddInterfacesText(string text, string file) => AddInterfaces(IpLinkParser.ParseText(text, file, diagnostics));
    public RoutingStateBuilder AddInterfacesJson(string json, string file) => AddInterfaces(IpLinkParser.ParseJson(json, file, diagnostics));

    public RoutingStateBuilder AddSysctls(IReadOnlyDictionary<string, string> values)
    {
        _sysctlsGiven = true;
        foreach (var (k, v) in values) _sysctls[k] = v;
        return this;
    }

    public RoutingStateBuilder AddSysctlsText(string text, string file) => AddSysctls(SysctlParser.Parse(text, file, diagnostics));

    /// <summary>
    /// The routes the kernel adds by itself for the addresses of the interfaces given so far (local and broadcast routes in
    /// the local table, connected prefixes in main), as a dump would show them. For a node whose addresses are stated
    /// rather than dumped (a lab built to match), so that only the extra routes need to be written out.
    /// </summary>
    public RoutingStateBuilder AddKernelRoutes() => AddRoutes(KernelRoutes(_interfaces, local: true, connected: true).ToList());

    /// <summary>
    /// Nothing about the node's routing is known (no rule, route, address or link dump): every destination is assumed to
    /// leave through <paramref name="device"/>, on-link. The assumption is recorded.
    /// </summary>
    public RoutingStateBuilder AssumeUplink(string device)
    {
        AddInterfaces([Interface.Create("lo", 1, InterfaceKind.Loopback) with { Flags = ["LOOPBACK", "UP", "LOWER_UP"] }, Interface.Create(device, 2)]);
        AddRules(RoutingRule.Defaults(IpFamily.V4), IpFamily.V4).AddRules(RoutingRule.Defaults(IpFamily.V6), IpFamily.V6);
        AddRoutes([new Route { Destination = IpPrefix.Parse("0.0.0.0/0"), Device = device, Scope = Scope.Link }, new Route { Destination = IpPrefix.Parse("::/0"), Device = device }]);
        return Assume($"no routing information (ip rule / ip route / ip addr) was given: the kernel's default rules and one interface {device} are assumed; every destination leaves through {device}, on-link, and no address is known to be local");
    }

    /// <summary>Records an assumption made by the caller (e.g. "ip rule taken on another host").</summary>
    public RoutingStateBuilder Assume(string assumption) { _assumptions.Add(assumption); return this; }

    /// <summary>
    /// Reads a node snapshot directory as scripts/collect writes it: ip-rule.txt|json (and ip-rule6.*), ip-route.txt|json
    /// (and ip-route6.*), ip-addr.txt|json, ip-link.txt|json, sysctl.txt. The text form is used when both exist.
    /// </summary>
    public static RoutingState FromDirectory(string directory, DiagnosticBag diagnostics, Func<string, string>? displayName = null)
    {
        displayName ??= p => p;
        var b = new RoutingStateBuilder(diagnostics);
        string? Find(params string[] names) => names.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);
        void Load(string[] textNames, string[] jsonNames, Action<string, string> text, Action<string, string> json)
        {
            if (Find(textNames) is { } t) text(File.ReadAllText(t), displayName(t));
            else if (Find(jsonNames) is { } j) json(File.ReadAllText(j), displayName(j));
        }
        Load(["ip-rule.txt"], ["ip-rule.json"], (t, f) => b.AddRulesText(t, f), (t, f) => b.AddRulesJson(t, f));
        Load(["ip-rule6.txt", "ip6-rule.txt", "ip-6-rule.txt"], ["ip-rule6.json", "ip6-rule.json", "ip-6-rule.json"],
            (t, f) => b.AddRulesText(t, f, IpFamily.V6), (t, f) => b.AddRulesJson(t, f, IpFamily.V6));
        Load(["ip-route.txt"], ["ip-route.json"], (t, f) => b.AddRoutesText(t, f), (t, f) => b.AddRoutesJson(t, f));
        Load(["ip-route6.txt", "ip6-route.txt", "ip-6-route.txt"], ["ip-route6.json", "ip6-route.json", "ip-6-route.json"],
            (t, f) => b.AddRoutesText(t, f, IpFamily.V6), (t, f) => b.AddRoutesJson(t, f, IpFamily.V6));
        Load(["ip-addr.txt"], ["ip-addr.json"], (t, f) => b.AddInterfacesText(t, f), (t, f) => b.AddInterfacesJson(t, f));
        Load(["ip-link.txt"], ["ip-link.json"], (t, f) => b.AddInterfacesText(t, f), (t, f) => b.AddInterfacesJson(t, f));
        if (Find("sysctl.txt", "sysctl.conf") is { } s) b.AddSysctlsText(File.ReadAllText(s), displayName(s));
        return b.Build();
    }

    public RoutingState Build()
    {
        var assumptions = new List<string>(_assumptions);
        var routes = new List<Route>(_routes);
        var interfaces = new List<Interface>(_interfaces);

        // rules whose pref repeats keep their dump order; a dump never has two rules of one family sharing pref and selectors
        var rulesV4 = _rules.Where(r => r.Family == IpFamily.V4).ToList();
        var rulesV6 = _rules.Where(r => r.Family == IpFamily.V6).ToList();
        bool hasV6 = routes.Any(r => r.Family == IpFamily.V6) || interfaces.Any(i => i.Addresses.Any(a => a.Family == IpFamily.V6 && !a.Local.Equals(IpAddress.Parse("::1"))));
        if (!_rulesGiven.Contains(IpFamily.V4))
        {
            rulesV4.AddRange(RoutingRule.Defaults(IpFamily.V4));
            assumptions.Add("no \"ip rule\" dump: the kernel's default IPv4 rules are assumed (0: lookup local, 32766: lookup main, 32767: lookup default)");
        }
        if (!_rulesGiven.Contains(IpFamily.V6))
        {
            rulesV6.AddRange(RoutingRule.Defaults(IpFamily.V6));
            if (hasV6) assumptions.Add("no \"ip -6 rule\" dump: the kernel's default IPv6 rules are assumed (0: lookup local, 32766: lookup main)");
        }

        if (!_interfacesGiven && _routesGiven)
        {
            interfaces = DeriveInterfaces(routes, out var text);
            assumptions.Add(text);
        }
        else if (_interfacesGiven)
        {
            var known = interfaces.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var r in routes)
                foreach (var p in r.Paths)
                    if (p.Device is { } dev && !known.Contains(dev))
                    {
                        diagnostics.Warning(r.Location, $"route {r} uses device {dev}, which the interface dump does not list");
                        known.Add(dev);
                    }
        }

        if (!_routesGiven && interfaces.Count > 0)
        {
            routes.AddRange(KernelRoutes(interfaces, local: true, connected: true));
            assumptions.Add("no route dump: only the routes the kernel adds for each address are known (local and broadcast routes, connected prefixes); there is no default route");
        }
        else if (_routesGiven && interfaces.Count > 0 && _interfacesGiven)
        {
            foreach (var fam in new[] { IpFamily.V4, IpFamily.V6 })
            {
                bool hasLocal = routes.Any(r => r.Family == fam && r.Table.IsLocal);
                bool hasAddrs = interfaces.Any(i => i.Addresses.Any(a => a.Family == fam));
                if (hasLocal || !hasAddrs) continue;
                routes.AddRange(KernelRoutes(interfaces, local: true, connected: false).Where(r => r.Family == fam));
                assumptions.Add($"the route dump has no {(fam == IpFamily.V4 ? "IPv4" : "IPv6")} local table (was it \"ip route\" instead of \"ip route show table all\"?): local routes derived from the interfaces' addresses");
            }
        }

        if (!_sysctlsGiven)
            assumptions.Add("no sysctls: IP forwarding is assumed on and reverse-path filtering (rp_filter) off");
        else
        {
            if (!_sysctls.ContainsKey("net.ipv4.ip_forward") && !_sysctls.Keys.Any(k => k.EndsWith(".forwarding", StringComparison.Ordinal)))
                assumptions.Add("sysctls without net.ipv4.ip_forward: IP forwarding is assumed on");
            if (!_sysctls.Keys.Any(k => k.EndsWith(".rp_filter", StringComparison.Ordinal)))
                assumptions.Add("sysctls without rp_filter: reverse-path filtering is assumed off");
        }

        var tables = routes.GroupBy(r => r.Table).Select(g => new RoutingTable(g.Key, g.ToList())).ToList();
        return new RoutingState(interfaces, rulesV4, rulesV6, tables, new RoutingSysctls(_sysctls), assumptions);
    }

    /// <summary>Interfaces named by the routes, with the addresses the local table proves (see the class remarks).</summary>
    private static List<Interface> DeriveInterfaces(List<Route> routes, out string assumption)
    {
        var names = new List<string>();
        void Name(string? d) { if (d is not null && !names.Contains(d)) names.Add(d); }
        Name("lo");
        foreach (var r in routes) foreach (var p in r.Paths) Name(p.Device);
        var addrs = names.ToDictionary(n => n, _ => new List<InterfaceAddress>(), StringComparer.Ordinal);
        int count = 0;
        foreach (var r in routes.Where(r => r.Type == RouteType.Local && r.Table.IsLocal && r.Device is not null && r.Destination.IsHost))
        {
            var a = r.Destination.Address;
            // the connected route of this address gives the prefix length: "172.18.0.0/16 dev eth0 proto kernel scope link src 172.18.0.3"
            var connected = routes.FirstOrDefault(c => c.Type == RouteType.Unicast && c.Device == r.Device && c.Gateway is null && c.Protocol == "kernel"
                                                       && c.Destination.Contains(a) && (a.IsV4 ? c.PreferredSource == a || c.PreferredSource == r.PreferredSource : true));
            int len = connected?.Destination.Length ?? a.Bits;
            var brd = a.IsV4 ? routes.FirstOrDefault(b => b.Type == RouteType.Broadcast && b.Device == r.Device && b.PreferredSource == (r.PreferredSource ?? a)
                                                         && len < 31 && new IpPrefix(a, len).Contains(b.Destination.Address) && b.Destination.Address == BroadcastOf(a, len))?.Destination.Address : null;
            bool secondary = a.IsV4 && r.PreferredSource is { } src && src != a;
            var scope = a.IsV4 && (a.V4 >> 24) == 127 || (!a.IsV4 && a.Value == 1) ? Scope.Host : (!a.IsV4 && (a.Value >> 118) == 0x3fa ? Scope.Link : Scope.Global);
            addrs[r.Device!].Add(new InterfaceAddress(a, len, null, brd, scope, secondary, null, [], null, r.Location));
            count++;
        }
        var list = new List<Interface>();
        int idx = 0;
        foreach (var n in names)
        {
            idx++;
            var ordered = addrs[n].OrderBy(x => x.Secondary).ToList();
            list.Add(Interface.Create(n, idx, n == "lo" ? InterfaceKind.Loopback : InterfaceKind.Unknown, ordered) with { Flags = n == "lo" ? ["LOOPBACK", "UP"] : ["UP"] });
        }
        assumption = $"no interface dump: {list.Count} interfaces named by the routes; {count} addresses taken from the local table's routes (prefix lengths from the connected routes, a local route with another src marks a secondary); the kernel's order of addresses and of interfaces is unknown and taken as the dump's";
        return list;
    }

    private static IpAddress BroadcastOf(IpAddress a, int len) => new(a.Value | (~IpPrefix.MaskOf(len, 32) & uint.MaxValue), IpFamily.V4);

    /// <summary>The routes the kernel adds by itself for each address (fib_add_ifaddr; addrconf for IPv6).</summary>
    internal static IEnumerable<Route> KernelRoutes(IReadOnlyList<Interface> interfaces, bool local, bool connected)
    {
        foreach (var i in interfaces)
        {
            if (!i.IsUp) continue;
            foreach (var a in i.Addresses)
            {
                var primary = a.Family == IpFamily.V4 && a.Secondary ? i.Addresses.FirstOrDefault(p => p.Family == IpFamily.V4 && !p.Secondary && p.Subnet == a.Subnet)?.Local ?? a.Local : a.Local;
                if (a.Family == IpFamily.V4)
                {
                    if (local)
                    {
                        yield return new Route { Table = RouteTableId.Local, Type = RouteType.Local, Destination = new IpPrefix(a.Local, 32), Device = i.Name, Protocol = "kernel", Scope = Scope.Host, PreferredSource = primary, Location = a.Location };
                        if (a.Broadcast is { } b && b.V4 != uint.MaxValue) yield return new Route { Table = RouteTableId.Local, Type = RouteType.Broadcast, Destination = new IpPrefix(b, 32), Device = i.Name, Protocol = "kernel", Scope = Scope.Link, PreferredSource = primary, Location = a.Location };
                        // the subnet's broadcast, whether or not "brd" was given (fib_add_ifaddr: primary addresses of prefixes shorter than /31)
                        if (!a.Secondary && a.PrefixLength < 31 && a.Subnet.Network.V4 >> 24 != 0 && BroadcastOf(a.Subnet.Network, a.PrefixLength) is var nb && nb != a.Broadcast)
                            yield return new Route { Table = RouteTableId.Local, Type = RouteType.Broadcast, Destination = new IpPrefix(nb, 32), Device = i.Name, Protocol = "kernel", Scope = Scope.Link, PreferredSource = primary, Location = a.Location };
                        if (i.IsLoopback && a.PrefixLength < 32) yield return new Route { Table = RouteTableId.Local, Type = RouteType.Local, Destination = a.Subnet, Device = i.Name, Protocol = "kernel", Scope = Scope.Host, PreferredSource = primary, Location = a.Location };
                    }
                    if (connected && !a.NoPrefixRoute && !a.Secondary && !i.IsLoopback && (a.PrefixLength < 32 || a.Peer is not null))
                        yield return new Route { Type = RouteType.Unicast, Destination = a.Subnet, Device = i.Name, Protocol = "kernel", Scope = Scope.Link, PreferredSource = a.Local, Metric = a.Metric ?? 0, Location = a.Location };
                }
                else
                {
                    if (local) yield return new Route { Table = RouteTableId.Local, Type = RouteType.Local, Destination = new IpPrefix(a.Local, 128), Device = i.IsLoopback ? "lo" : i.Name, Protocol = "kernel", Location = a.Location };
                    if (connected && !a.NoPrefixRoute && a.PrefixLength < 128)
                        yield return new Route { Type = RouteType.Unicast, Destination = a.Subnet, Device = i.Name, Protocol = "kernel", Metric = a.Metric ?? 256, Location = a.Location };
                }
            }
        }
    }

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
