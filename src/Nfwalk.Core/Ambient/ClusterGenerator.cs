using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

/// <summary>
/// Turns a <see cref="ClusterSpec"/> into the network namespaces of the cluster — every node and every pod, the ztunnel
/// pods included — each with its snapshot files, and the scenario file that ties them together. Pure: no I/O; the
/// caller writes <see cref="GeneratedCluster.Files"/>.
/// </summary>
public static class ClusterGenerator
{
    /// <summary>Where a pod's snapshot goes: under its node's directory (docs/ambient-generate.md).</summary>
    public static string PodDirectory(ClusterNode node, ClusterPod pod) => $"{node.Name}/pods/{pod.Name}";

    public static GeneratedCluster Generate(ClusterSpec spec)
    {
        var hosts = new List<GeneratedNetns>();
        foreach (var node in spec.Nodes)
        {
            hosts.Add(Node(spec, node));
            hosts.AddRange(node.Pods.Select(p => Pod(node, p)));
        }
        var files = new List<KeyValuePair<string, string>>();
        foreach (var h in hosts)
        {
            files.Add(new($"{h.Directory}/iptables-save.txt", SnapshotText.IptablesSave(h.Iptables)));
            if (h.IpsetSave is not null) files.Add(new($"{h.Directory}/ipset-save.txt", h.IpsetSave));
            files.Add(new($"{h.Directory}/ip-rule.txt", SnapshotText.IpRule(h.RoutingRules)));
            files.Add(new($"{h.Directory}/ip-route.txt", SnapshotText.IpRoute(h.Routes)));
            files.Add(new($"{h.Directory}/ip-addr.txt", SnapshotText.IpAddr(h.Interfaces)));
            if (h.Sysctls.Count > 0) files.Add(new($"{h.Directory}/sysctl.txt", SnapshotText.Sysctl(h.Sysctls)));
        }
        files.Add(new("scenario.yaml", ScenarioText.Write(spec, hosts)));
        return new GeneratedCluster(spec, hosts, files);
    }

    /// <summary>The default rules of every namespace (ip rule's 0 / 32766 / 32767) around the ones given.</summary>
    private static List<GeneratedRoutingRule> WithDefaultRules(IEnumerable<GeneratedRoutingRule> rules)
        => [new(0, null, "lookup local"), .. rules, new(32766, null, "lookup main"), new(32767, null, "lookup default")];

    private static GeneratedNetns Node(ClusterSpec spec, ClusterNode node)
    {
        var zt = node.Ztunnel;
        var interfaces = new List<GeneratedInterface> { Kindnet.Loopback() };
        foreach (var pod in node.Pods)
            interfaces.Add(new GeneratedInterface
            {
                Index = NodeVethIndex(node, pod), Name = pod.Veth, Kind = GeneratedLinkKind.Veth, Mac = Mac.Derived($"{node.Name}/{pod.Veth}"), Mtu = 1500,
                Addresses = [new IpPrefix(node.PodGateway, 32)], PeerIndex = PodEth0Index, LinkNetns = PodNetnsName(pod),
            });
        if (zt is not null) interfaces.AddRange(IstioCniNode.Tunnels(node, zt, interfaces.Count + 1));
        // the node's uplink: a docker veth whose peer is on the docker host (its index there is not known: one more)
        var eth0Index = interfaces.Count + 1;
        interfaces.Add(new GeneratedInterface
        {
            Index = eth0Index, Name = "eth0", Kind = GeneratedLinkKind.Veth, Mac = Mac.FromIp(node.Address.Address), Mtu = 1500,
            Addresses = [node.Address], PeerIndex = eth0Index + 1, LinkNetnsId = 0,
        });

        var tables = new IptablesTables.Builder();
        tables.Touch("mangle").Touch("nat").Touch("filter"); // iptables-save order on the kind nodes: mangle, nat, filter
        KubeProxy.Rules(tables, spec);
        Kindnet.MasqRules(tables, spec);
        var routes = new List<GeneratedRoute>();
        var rules = new List<GeneratedRoutingRule>();
        var sysctls = new List<KeyValuePair<string, string>> { new("net.ipv4.ip_forward", "1") }; // kind nodes forward
        string? ipset = null;
        if (zt is not null)
        {
            IstioCniNode.Rules(tables, node, zt, spec.Release, spec.DnsCapture);
            routes.AddRange(IstioCniNode.Routes(node, zt));
            rules.AddRange(IstioCniNode.RoutingRules());
            sysctls.AddRange(IstioCniNode.Sysctls(node, zt));
            ipset = IstioCniNode.IpsetSave(node);
        }
        routes.AddRange(Kindnet.NodeRoutes(spec, node));
        routes.AddRange(Kindnet.LocalRoutes(interfaces));
        return new GeneratedNetns
        {
            Name = node.Name, Role = "node", Directory = node.Name, Interfaces = interfaces, Routes = routes,
            RoutingRules = WithDefaultRules(rules), Iptables = tables.Build(), IpsetSave = ipset, Sysctls = sysctls,
        };
    }

    /// <summary>The node's interfaces are lo (1), then one veth per pod in the file's order, the tunnels, eth0.</summary>
    public static int NodeVethIndex(ClusterNode node, ClusterPod pod) => 2 + node.Pods.ToList().IndexOf(pod);

    /// <summary>A pod's eth0 is its second interface (after lo), the "@if2" of the node's veths.</summary>
    public const int PodEth0Index = 2;

    /// <summary>The name the node's `ip link` shows for a pod's netns (containerd: "cni-" and a UUID).</summary>
    public static string PodNetnsName(ClusterPod pod) => "cni-" + ClusterYaml.DerivedUid($"netns/{pod.Namespace}/{pod.Name}");

    private static GeneratedNetns Pod(ClusterNode node, ClusterPod pod)
    {
        var interfaces = new List<GeneratedInterface>
        {
            Kindnet.Loopback(),
            new()
            {
                Index = PodEth0Index, Name = "eth0", Kind = GeneratedLinkKind.Veth, Mac = Mac.Derived($"{pod.Namespace}/{pod.Name}/eth0"), Mtu = 1500,
                Addresses = [new IpPrefix(pod.Ip, node.PodCidr.Length)], PeerIndex = NodeVethIndex(node, pod), LinkNetnsId = 0,
            },
        };
        var tables = new IptablesTables.Builder();
        var routes = new List<GeneratedRoute>(Kindnet.PodRoutes(node, pod));
        var rules = new List<GeneratedRoutingRule>();
        var sysctls = new List<KeyValuePair<string, string>>();
        bool ztunnel = pod.IsZtunnel && node.Ztunnel == pod;
        if (ztunnel)
        {
            interfaces.AddRange(IstioCniZtunnel.Tunnels(node, pod, interfaces.Count + 1));
            IstioCniZtunnel.Rules(tables, pod);
            routes.AddRange(IstioCniZtunnel.Routes(node));
            rules.AddRange(IstioCniZtunnel.RoutingRules());
            sysctls.AddRange(IstioCniZtunnel.Sysctls());
        }
        routes.AddRange(Kindnet.LocalRoutes(interfaces));
        return new GeneratedNetns
        {
            Name = pod.Name, Role = ztunnel ? "ztunnel" : "pod", Directory = PodDirectory(node, pod), Node = node.Name,
            Mesh = ztunnel ? null : pod.Mesh && node.Ztunnel is not null,
            Interfaces = interfaces, Routes = routes, RoutingRules = WithDefaultRules(rules), Iptables = tables.Build(), Sysctls = sysctls,
        };
    }
}
