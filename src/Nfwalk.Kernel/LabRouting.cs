using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Parsing.Iproute2;

namespace Nfwalk.Kernel;

/// <summary>
/// The routing of the differential lab's node, stated rather than dumped: lo 127.0.0.1/8, eth0 10.99.0.1/24 towards
/// peer A (10.99.0.2), eth1 10.99.1.1/24 towards peer B (10.99.1.2), the case's extra addresses, the routes the kernel
/// adds for those addresses, default via 10.99.1.2, the kernel's default rules and the lab's sysctls. The kernel side
/// (<see cref="Differential.Run"/>) is built with exactly these commands, so nothing here is assumed.
/// </summary>
public static class LabRouting
{
    public static readonly IpAddress NodeA = IpAddress.Parse("10.99.0.1"), PeerA = IpAddress.Parse("10.99.0.2");
    public static readonly IpAddress NodeB = IpAddress.Parse("10.99.1.1"), PeerB = IpAddress.Parse("10.99.1.2");

    public static RoutingState State(IReadOnlyList<(string Iface, string Cidr)> extraAddresses)
    {
        var addrs = new Dictionary<string, List<InterfaceAddress>>
        {
            ["lo"] = [Address("127.0.0.1/8", Scope.Host, [])], ["eth0"] = [Address("10.99.0.1/24", Scope.Global, [])], ["eth1"] = [Address("10.99.1.1/24", Scope.Global, [])],
        };
        foreach (var (iface, cidr) in extraAddresses)
        {
            if (!addrs.TryGetValue(iface, out var list)) throw new LabException($"the lab node has no interface {iface} (eth0, eth1)");
            list.Add(Address(cidr, Scope.Global, list));
        }
        var interfaces = new[]
        {
            Interface.Create("lo", 1, InterfaceKind.Loopback, Ordered(addrs["lo"])) with { Flags = ["LOOPBACK", "UP", "LOWER_UP"] },
            Interface.Create("eth0", 2, InterfaceKind.Veth, Ordered(addrs["eth0"])),
            Interface.Create("eth1", 3, InterfaceKind.Veth, Ordered(addrs["eth1"])),
        };
        var diags = new DiagnosticBag();
        var b = new RoutingStateBuilder(diags)
            .AddInterfaces(interfaces)
            .AddKernelRoutes()
            .AddRoutesText("default via 10.99.1.2 dev eth1\n", "lab")
            .AddRules(RoutingRule.Defaults(IpFamily.V4), IpFamily.V4)
            .AddRules(RoutingRule.Defaults(IpFamily.V6), IpFamily.V6)
            .AddSysctls(new Dictionary<string, string>
            {
                ["net.ipv4.ip_forward"] = "1", ["net.ipv4.conf.all.rp_filter"] = "0", ["net.ipv4.conf.default.rp_filter"] = "0",
                ["net.ipv4.conf.eth0.rp_filter"] = "0", ["net.ipv4.conf.eth1.rp_filter"] = "0", ["net.ipv4.conf.all.accept_local"] = "1",
            });
        var state = b.Build();
        if (diags.HasErrors) throw new LabException("the lab's routing state is inconsistent: " + string.Join("; ", diags.Items));
        return state;
    }

    /// <summary>An address as "ip addr add CIDR dev IFACE" makes it: secondary when a primary of the same subnet is already there.</summary>
    private static InterfaceAddress Address(string cidr, Scope scope, IReadOnlyList<InterfaceAddress> before)
    {
        var p = IpPrefix.Parse(cidr);
        var a = new InterfaceAddress(p.Address, p.Length, null, null, scope, false, null, [], null, SourceLocation.None);
        bool secondary = a.Family == IpFamily.V4 && before.Any(x => x.Family == IpFamily.V4 && !x.Secondary && x.Subnet == a.Subnet);
        return a with { Secondary = secondary };
    }

    // the kernel lists primaries before secondaries
    private static List<InterfaceAddress> Ordered(List<InterfaceAddress> l) => l.OrderBy(a => a.Secondary).ToList();
}
