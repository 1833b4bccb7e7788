using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

/// <summary>
/// kind's networking: kindnetd (kubernetes-sigs/kind images/kindnetd) configures the CNI ptp plugin with host-local IPAM
/// per node pod CIDR, routes every other node's pod CIDR via that node's address, and runs kind-masq-agent.
/// The ptp plugin (containernetworking/plugins plugins/main/ptp/ptp.go): the pod's eth0 gets its IP with the subnet's
/// prefix length; the automatic subnet route is replaced by "GW/32 dev eth0 scope link src IP" and "SUBNET via GW src IP";
/// the IPAM default route goes via GW; the host veth gets GW/32 and a host route "IP/32 dev veth scope host".
/// </summary>
public static class Kindnet
{
    public static void MasqRules(IptablesTables.Builder t, ClusterSpec spec)
    {
        t.Chain("nat", "KIND-MASQ-AGENT");
        t.Append("nat", "POSTROUTING", "-m addrtype ! --dst-type LOCAL -m comment --comment \"kind-masq-agent: ensure nat POSTROUTING directs relevant traffic to the kind-masq-agent chain\" -j KIND-MASQ-AGENT");
        t.Append("nat", "KIND-MASQ-AGENT", $"-d {spec.ClusterCidr} -m comment --comment \"kind-masq-agent: local traffic is not subject to MASQUERADE\" -j RETURN");
        t.Append("nat", "KIND-MASQ-AGENT", "-m comment --comment \"kind-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)\" -j MASQUERADE");
    }

    /// <summary>The node's main-table routes: default via the gateway, the other nodes' pod CIDRs via those nodes
    /// (kindnetd), one host route per pod (ptp), the kernel's connected route for eth0.</summary>
    public static IEnumerable<GeneratedRoute> NodeRoutes(ClusterSpec spec, ClusterNode node)
    {
        yield return new GeneratedRoute { Table = "main", Destination = null, Via = node.Gateway, Dev = "eth0" };
        foreach (var other in spec.Nodes.Where(n => n != node))
            yield return new GeneratedRoute { Table = "main", Destination = other.PodCidr, Via = other.Address.Address, Dev = "eth0" };
        foreach (var pod in node.Pods)
            yield return new GeneratedRoute { Table = "main", Destination = new IpPrefix(pod.Ip, 32), Dev = pod.Veth, Scope = "host" };
        yield return new GeneratedRoute { Table = "main", Destination = new IpPrefix(node.Address.Network, node.Address.Length), Dev = "eth0", Proto = "kernel", Scope = "link", Src = node.Address.Address };
    }

    /// <summary>The pod side: eth0 with IP/len of the pod CIDR, and ptp's three routes.</summary>
    public static IEnumerable<GeneratedRoute> PodRoutes(ClusterNode node, ClusterPod pod)
    {
        yield return new GeneratedRoute { Table = "main", Destination = null, Via = node.PodGateway, Dev = "eth0" };
        yield return new GeneratedRoute { Table = "main", Destination = node.PodCidr, Via = node.PodGateway, Dev = "eth0", Src = pod.Ip };
        yield return new GeneratedRoute { Table = "main", Destination = new IpPrefix(node.PodGateway, 32), Dev = "eth0", Scope = "link", Src = pod.Ip };
    }

    /// <summary>The local table the kernel derives from a namespace's addresses (fib_add_ifaddr): "local ADDR" per address
    /// and device, "broadcast" for the subnet's last address below /31 (and the given brd), the loopback's 127/8.</summary>
    public static IEnumerable<GeneratedRoute> LocalRoutes(IEnumerable<GeneratedInterface> interfaces)
    {
        foreach (var i in interfaces.OrderBy(i => i.Index))
            foreach (var a in i.Addresses)
            {
                if (i.Kind == GeneratedLinkKind.Loopback)
                {
                    yield return new GeneratedRoute { Table = "local", Type = "local", Destination = new IpPrefix(a.Network, a.Length), Dev = i.Name, Proto = "kernel", Scope = "host", Src = a.Address };
                    yield return new GeneratedRoute { Table = "local", Type = "local", Destination = new IpPrefix(a.Address, 32), Dev = i.Name, Proto = "kernel", Scope = "host", Src = a.Address };
                    yield return new GeneratedRoute { Table = "local", Type = "broadcast", Destination = new IpPrefix(IpAddress.FromV4(a.Network.V4 | ~(uint)IpPrefix.MaskOf(a.Length, 32)), 32), Dev = i.Name, Proto = "kernel", Scope = "link", Src = a.Address };
                    continue;
                }
                yield return new GeneratedRoute { Table = "local", Type = "local", Destination = new IpPrefix(a.Address, 32), Dev = i.Name, Proto = "kernel", Scope = "host", Src = a.Address };
                if (SnapshotText.Broadcast(a) is { } b)
                    yield return new GeneratedRoute { Table = "local", Type = "broadcast", Destination = new IpPrefix(b, 32), Dev = i.Name, Proto = "kernel", Scope = "link", Src = a.Address };
            }
    }

    public static GeneratedInterface Loopback() => new()
    {
        Index = 1, Name = "lo", Kind = GeneratedLinkKind.Loopback, Mac = "00:00:00:00:00:00", Mtu = 65536, Addresses = [IpPrefix.Parse("127.0.0.1/8")],
    };
}
