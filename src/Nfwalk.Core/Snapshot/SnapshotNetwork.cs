using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Snapshot;

/// <summary>
/// The node's policy routing and addresses from its snapshot files, answering route lookups as fib_lookup does:
/// ip rules by ascending priority (fib_rule_match: fwmark ((mark ^ V) &amp; M) == 0, iif — "lo" for locally generated
/// packets —, from, to, not), "goto", a table lookup that finds nothing (or a throw route) continues with the next rule,
/// longest prefix wins inside a table with the lowest metric breaking ties, local/broadcast routes mean local delivery.
/// </summary>
public sealed class SnapshotNetwork : INodeNetwork
{
    private readonly List<PolicyRule> _rules;
    private readonly Dictionary<string, List<RouteEntry>> _tables;
    private readonly List<InterfaceEntry> _interfaces;
    private readonly List<string> _assumptions;

    private SnapshotNetwork(List<PolicyRule> rules, List<RouteEntry> routes, List<InterfaceEntry> interfaces, List<string> assumptions)
    {
        _rules = rules; _interfaces = interfaces; _assumptions = assumptions;
        _tables = routes.GroupBy(r => TableId(r.Table)).ToDictionary(g => g.Key, g => g.ToList());
    }

    public IReadOnlyList<InterfaceEntry> Interfaces => _interfaces;
    public IReadOnlyList<string> Assumptions => _assumptions;

    private static string TableId(string t) => t switch { "255" => "local", "254" => "main", "253" => "default", _ => t };

    public static SnapshotNetwork? Load(string dir, DiagnosticBag diags, List<string> notes, Func<string, string>? show = null)
    {
        show ??= p => p;
        string? Read(string name) { var p = Path.Combine(dir, name); return File.Exists(p) ? File.ReadAllText(p) : null; }
        string Name(string f) => show(Path.Combine(dir, f));
        // the text forms first, the "ip -j" JSON forms where only those were collected
        var ruleText = Read("ip-rule.txt"); var ruleJson = ruleText is null ? Read("ip-rule.json") : null;
        var routeText = Read("ip-route.txt"); var routeJson = routeText is null ? Read("ip-route.json") : null;
        var addrText = Read("ip-addr.txt"); var addrJson = addrText is null ? Read("ip-addr.json") ?? Read("ip-link.json") : null;
        if (ruleText is null && ruleJson is null && routeText is null && routeJson is null && addrText is null && addrJson is null) return null;
        var assumptions = new List<string>();
        var rules = ruleText is not null ? IpRoutingText.ParseRules(ruleText, Name("ip-rule.txt"), diags)
            : ruleJson is not null ? IpRoutingJson.ParseRules(ruleJson, Name("ip-rule.json"), diags) : new List<PolicyRule>();
        if (ruleText is null && ruleJson is null)
        {
            rules = [Default(0, "local"), Default(32766, "main"), Default(32767, "default")];
            assumptions.Add("no ip-rule.txt: the kernel's default rules assumed (0 lookup local, 32766 lookup main, 32767 lookup default)");
        }
        var routes = routeText is not null ? IpRoutingText.ParseRoutes(routeText, Name("ip-route.txt"), diags)
            : routeJson is not null ? IpRoutingJson.ParseRoutes(routeJson, Name("ip-route.json"), diags) : new List<RouteEntry>();
        if (routeText is null && routeJson is null) assumptions.Add("no ip-route.txt: only connected routes of the interfaces are known");
        var ifs = addrText is not null ? IpRoutingText.ParseAddresses(addrText, Name("ip-addr.txt"), diags)
            : addrJson is not null ? IpRoutingJson.ParseAddresses(addrJson, Name(File.Exists(Path.Combine(dir, "ip-addr.json")) ? "ip-addr.json" : "ip-link.json"), diags) : new List<InterfaceEntry>();
        if (addrText is null && addrJson is null)
        {
            // derive interfaces and local addresses from the local table
            foreach (var r in routes.Where(r => r.Type == "local" && r.Device is not null))
            {
                var i = ifs.FirstOrDefault(x => x.Name == r.Device) ?? new InterfaceEntry(r.Device!, 0, "ethernet", new());
                if (!ifs.Contains(i)) ifs.Add(i);
                i.Addresses.Add((new IpPrefix(r.Destination.Address, r.Destination.Address.Bits), null));
            }
            assumptions.Add("no ip-addr.txt: interfaces and local addresses derived from the local routing table");
        }
        return new SnapshotNetwork(rules, routes, ifs, assumptions);
    }

    private static PolicyRule Default(int prio, string table) => new(prio, false, null, null, null, null, null, uint.MaxValue, "lookup", table, null, SourceLocation.None);

    public RouteResult Route(RouteQuery q)
    {
        var steps = new List<string>();
        string iif = q.InInterface ?? "lo";
        int i = 0;
        int guard = 0;
        while (i < _rules.Count && guard++ < 1000)
        {
            var rule = _rules[i];
            if (!Matches(rule, q, iif)) { i++; continue; }
            switch (rule.Action)
            {
                case "goto":
                {
                    steps.Add($"rule {rule.Priority} ({Describe(rule)}) matches: goto {rule.Goto}");
                    int target = _rules.FindIndex(r => r.Priority >= (rule.Goto ?? int.MaxValue));
                    if (target < 0 || target <= i) { i++; continue; }
                    i = target;
                    continue;
                }
                case "unreachable" or "prohibit" or "blackhole":
                    steps.Add($"rule {rule.Priority} ({Describe(rule)}) matches: {rule.Action}");
                    return new RouteResult(rule.Action switch { "unreachable" => RouteKind.Unreachable, "prohibit" => RouteKind.Prohibit, _ => RouteKind.Blackhole },
                        null, null, null, $"{rule.Action} by ip rule {rule.Priority}", steps) { RulePriority = rule.Priority };
                case "nop": i++; continue;
            }
            var table = TableId(rule.Table ?? "main");
            var route = Lookup(table, q.Destination);
            if (route is null)
            {
                if (table != "local" || rule.Priority != 0) steps.Add($"rule {rule.Priority} ({Describe(rule)}) matches: table {table} has no route for {q.Destination}, next rule");
                i++; continue;
            }
            if (route.Type == "throw") { steps.Add($"rule {rule.Priority}: table {table} has a throw route ({route.Text}), next rule"); i++; continue; }
            steps.Add($"rule {rule.Priority} ({Describe(rule)}) → table {table}: {route.Text}");
            var res = route.Type switch
            {
                "local" or "broadcast" => new RouteResult(RouteKind.Local, "lo", null, route.PreferredSource, "local delivery", steps),
                "unreachable" => new RouteResult(RouteKind.Unreachable, null, null, null, $"unreachable route in table {table}", steps),
                "prohibit" => new RouteResult(RouteKind.Prohibit, null, null, null, $"prohibit route in table {table}", steps),
                "blackhole" => new RouteResult(RouteKind.Blackhole, null, null, null, $"blackhole route in table {table}", steps),
                _ => new RouteResult(RouteKind.Forward, route.Device, route.Gateway, route.PreferredSource ?? PrimaryAddress(route.Device, q.Family),
                    $"out of {route.Device} {(route.Gateway is { } gw ? $"via {gw}{(route.OnLink ? " (onlink)" : "")}" : "directly")}", steps),
            };
            return res with { RulePriority = rule.Priority, Table = table, Route = route.Text };
        }
        return new RouteResult(RouteKind.NoRoute, null, null, null, $"no route to {q.Destination} (Network is unreachable)", steps);
    }

    private static string Describe(PolicyRule r)
        => (r.Not ? "not " : "") + (r.FwMark is { } m ? $"fwmark {Values.Hex(m)}{(r.FwMask != uint.MaxValue ? "/" + Values.Hex(r.FwMask) : "")}" : r.From is null && r.To is null && r.Iif is null ? "from all" : "")
           + (r.From is { } f ? $" from {f}" : "") + (r.To is { } t ? $" to {t}" : "") + (r.Iif is { } i ? $" iif {i}" : "") + $" {r.Action}{(r.Table is { } tb ? " " + tb : "")}";

    private static bool Matches(PolicyRule r, RouteQuery q, string iif)
    {
        bool m = true;
        if (r.FwMark is { } v && ((q.Mark ^ v) & r.FwMask) != 0) m = false;
        if (r.Iif is { } i && i != iif) m = false;
        if (r.Oif is not null && q.InInterface is not null) m = false;
        if (r.From is { } f && !(q.Source is { } s ? f.Contains(s) : f.Length == 0)) m = false;
        if (r.To is { } t && !t.Contains(q.Destination)) m = false;
        return m ^ r.Not;
    }

    private RouteEntry? Lookup(string table, IpAddress dst)
    {
        if (!_tables.TryGetValue(table, out var routes)) return null;
        RouteEntry? best = null;
        foreach (var r in routes)
        {
            if (r.Destination.Family != dst.Family || !r.Destination.Contains(dst)) continue;
            if (best is null || r.Destination.Length > best.Destination.Length || (r.Destination.Length == best.Destination.Length && r.Metric < best.Metric)) best = r;
        }
        return best;
    }

    private IpAddress? PrimaryAddress(string? dev, IpFamily family)
    {
        var a = dev is null ? [] : AddressesOf(dev, family);
        return a.Count > 0 ? a[0] : null;
    }

    public IReadOnlyList<IpAddress> AddressesOf(string iface, IpFamily family)
        => _interfaces.FirstOrDefault(i => i.Name == iface)?.Addresses.Where(a => a.Prefix.Family == family).Select(a => a.Prefix.Address).ToList() ?? [];

    public string? LocalInterfaceOf(IpAddress address)
    {
        foreach (var i in _interfaces) foreach (var a in i.Addresses) if (a.Prefix.Address == address) return i.Name;
        if (_tables.TryGetValue("local", out var local))
            foreach (var r in local) if (r.Type == "local" && r.Destination.Contains(address)) return r.Device;
        return null;
    }

    public bool IsBroadcast(IpAddress address)
    {
        if (address.IsV4 && address.V4 == uint.MaxValue) return true;
        foreach (var i in _interfaces) foreach (var a in i.Addresses) if (a.Broadcast == address) return true;
        return _tables.TryGetValue("local", out var local) && local.Any(r => r.Type == "broadcast" && r.Destination.Address == address);
    }
}
