using Nfwalk.Model.Net;

namespace Nfwalk.Model.Routing;

/// <summary>
/// Everything the kernel consults to route a packet on one node: interfaces with their addresses, the policy-routing
/// rules of each family (sorted by pref, equal prefs in dump order, as the kernel keeps them), the routing tables, the
/// sysctls, and the assumptions made while putting the state together from incomplete input (missing files).
/// </summary>
public sealed class RoutingState
{
    private readonly Dictionary<string, Interface> _byName;
    private readonly Dictionary<RouteTableId, RoutingTable> _tables;
    private readonly Dictionary<IpAddress, Interface> _localAddresses = new();

    public RoutingState(
        IReadOnlyList<Interface> interfaces,
        IReadOnlyList<RoutingRule> rulesV4,
        IReadOnlyList<RoutingRule> rulesV6,
        IEnumerable<RoutingTable> tables,
        RoutingSysctls sysctls,
        IReadOnlyList<string> assumptions)
    {
        Interfaces = interfaces;
        RulesV4 = SortRules(rulesV4);
        RulesV6 = SortRules(rulesV6);
        _tables = new Dictionary<RouteTableId, RoutingTable>();
        foreach (var t in tables) _tables[t.Id] = t;
        Sysctls = sysctls;
        Assumptions = assumptions;
        _byName = new Dictionary<string, Interface>(StringComparer.Ordinal);
        foreach (var i in interfaces)
        {
            _byName.TryAdd(i.Name, i);
            // an address on several interfaces: the kernel's hash (inet_addr_lst) finds the one added last; the dump's last is the best guess
            foreach (var a in i.Addresses) _localAddresses[a.Local] = i;
        }
        HasCustomLocalRoutes = _tables.TryGetValue(RouteTableId.Local, out var local)
            && local.Routes.Any(r => r.Type == RouteType.Local && r.Family == IpFamily.V4 && r.Protocol is not "kernel");
        HasCustomLocalRoutes |= _tables.Values.Any(t => !t.Id.IsLocal && t.Routes.Any(r => r.Type == RouteType.Local && r.Family == IpFamily.V4));
    }

    private static IReadOnlyList<RoutingRule> SortRules(IReadOnlyList<RoutingRule> rules)
        => rules.Select((r, i) => (r, i)).OrderBy(x => x.r.Priority).ThenBy(x => x.i).Select(x => x.r).ToArray();

    public IReadOnlyList<Interface> Interfaces { get; }
    public IReadOnlyList<RoutingRule> RulesV4 { get; }
    public IReadOnlyList<RoutingRule> RulesV6 { get; }
    public IReadOnlyCollection<RoutingTable> Tables => _tables.Values;
    public RoutingSysctls Sysctls { get; }
    /// <summary>What was derived or assumed rather than read (one sentence each).</summary>
    public IReadOnlyList<string> Assumptions { get; }

    /// <summary>
    /// The kernel's fib_has_custom_local_routes, estimated: a local route that the kernel did not add for an address
    /// (its protocol is not "kernel", or it lives outside the local table).
    /// </summary>
    public bool HasCustomLocalRoutes { get; }

    /// <summary>The kernel's fib4_has_custom_rules / fib6_has_custom_rules, estimated: some rule is not one of the defaults.</summary>
    public bool HasCustomRules(IpFamily family) => Rules(family).Any(r => !r.IsDefault) || Rules(family).Count != RoutingRule.Defaults(family).Count;

    public IReadOnlyList<RoutingRule> Rules(IpFamily family) => family == IpFamily.V4 ? RulesV4 : RulesV6;

    public RoutingTable? Table(RouteTableId id) => _tables.TryGetValue(id, out var t) ? t : null;

    public Interface? Interface(string name) => _byName.TryGetValue(name, out var i) ? i : null;

    public IEnumerable<Route> Routes => _tables.Values.SelectMany(t => t.Routes);

    /// <summary>
    /// The interface holding <paramref name="address"/> as one of its own (the kernel's __ip_dev_find), or null. When several
    /// interfaces hold it, the last one in the dump (the kernel returns the address added last).
    /// </summary>
    public Interface? InterfaceOwning(IpAddress address) => _localAddresses.TryGetValue(address, out var i) ? i : null;
}
