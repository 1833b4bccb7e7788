using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

/// <summary>
/// What istio-cni's agent (iptables redirect mode) sets up in a node's own network namespace for the node's active
/// ztunnel — istio/istio cni/pkg/ambient/ at the 1.18.0, 1.19.0 and 1.20.0 tags: net_linux.go CreateRulesOnNode (rules,
/// tunnels, routes, ip rules, sysctls), iptables.go initializeLists (chains and jumps), net.go addPodToMeshWithIptables
/// (per enrolled pod: ipset entry, table-100 route, rp_filter), constants/constants.go (marks, names, addresses,
/// table numbers). Rules are written as iptables-save prints them (--set-mark V/M saved as --set-xmark V/(V|M), a
/// maskless --set-mark as V/0xffffffff; -s/-i/-p before -m), checked against iptables 1.8.9 and the seed dump.
/// </summary>
public static class IstioCniNode
{
    // constants/constants.go @1.18.0
    public const string InboundTunnel = "istioin";      // InboundTun
    public const string OutboundTunnel = "istioout";    // OutboundTun
    public const int InboundVni = 1000;                 // InboundTunVNI (1.19+; literal 1000 in 1.18 net_linux.go)
    public const int OutboundVni = 1001;                // OutboundTunVNI
    public static readonly IpPrefix InboundTunnelAddress = IpPrefix.Parse("192.168.126.1/30");  // InboundTunIP, TunPrefix 30
    public static readonly IpPrefix OutboundTunnelAddress = IpPrefix.Parse("192.168.127.1/30"); // OutboundTunIP
    public static readonly IpAddress ZtunnelInboundTunnelIp = IpAddress.Parse("192.168.126.2");  // ZTunnelInboundTunIP
    public static readonly IpAddress ZtunnelOutboundTunnelIp = IpAddress.Parse("192.168.127.2"); // ZTunnelOutboundTunIP
    /// <summary>The GENEVE UDP port: the kernel/iproute2 default 6081 in 1.18; from 1.19 determineDstPortForGeneveLink
    /// picks the first port from 6081 up not taken by an external (collect-md) GENEVE device or one with the same
    /// VNI+remote — 6081 on a node with no other GENEVE devices, as generated here.</summary>
    public const int GenevePort = 6081;
    public const string PodSet = "ztunnel-pods-ips";    // cni/pkg/ambient/options.go / ipset name
    public const int InboundTable = 100, OutboundTable = 101, ProxyTable = 102; // RouteTableInbound/Outbound/Proxy
    public const int DnsCapturePort = 15053;            // DNSCapturePort

    /// <summary>The chains and rules of mangle, nat (and from 1.19 filter). Call after kube-proxy's rules: the jumps are
    /// inserted first in the builtin chains (iptables.go initializeLists: "-I PREROUTING -j ztunnel-PREROUTING" ...).</summary>
    public static void Rules(IptablesTables.Builder t, ClusterNode node, ClusterPod ztunnel, IstioRelease release, bool dnsCapture)
    {
        var veth = ztunnel.Veth;
        var hostIp = node.PodGateway; // net.go GetHostIP: the node's first address inside node.Spec.PodCIDR

        // iptables.go initializeLists: nat PREROUTING/POSTROUTING, mangle PREROUTING/POSTROUTING/OUTPUT/INPUT/FORWARD,
        // (1.19+) filter FORWARD — each "-N ztunnel-X" then "-I X -j ztunnel-X"
        foreach (var c in new[] { "PREROUTING", "POSTROUTING" }) t.Chain("nat", $"ztunnel-{c}").InsertFirst("nat", c, $"-j ztunnel-{c}");
        foreach (var c in new[] { "PREROUTING", "POSTROUTING", "OUTPUT", "INPUT", "FORWARD" }) t.Chain("mangle", $"ztunnel-{c}").InsertFirst("mangle", c, $"-j ztunnel-{c}");
        if (release.HasFilterForwardChain) t.Chain("filter", "ztunnel-FORWARD").InsertFirst("filter", "FORWARD", "-j ztunnel-FORWARD");

        // CreateRulesOnNode, first block (appendRules), in the code's order
        const string M = "mangle", P = "ztunnel-PREROUTING";
        t.Append(M, P, $"-i {InboundTunnel} -j MARK --set-xmark 0x200/0x200");    // SkipMark: came out of the tunnel
        t.Append(M, P, $"-i {InboundTunnel} -j RETURN");
        t.Append(M, P, $"-i {OutboundTunnel} -j MARK --set-xmark 0x200/0x200");
        t.Append(M, P, $"-i {OutboundTunnel} -j RETURN");
        t.Append(M, "ztunnel-FORWARD", "-m mark --mark 0x220/0x220 -j CONNMARK --save-mark --nfmask 0x220 --ctmask 0x220"); // ConnSkipMark → connmark
        t.Append(M, "ztunnel-INPUT", "-m mark --mark 0x220/0x220 -j CONNMARK --save-mark --nfmask 0x220 --ctmask 0x220");
        t.Append(M, "ztunnel-FORWARD", "-m mark --mark 0x210/0x210 -j CONNMARK --save-mark --nfmask 0x210 --ctmask 0x210"); // ProxyMark → connmark
        t.Append(M, "ztunnel-INPUT", "-m mark --mark 0x210/0x210 -j CONNMARK --save-mark --nfmask 0x210 --ctmask 0x210");
        // "--source HostIP -j MARK --set-mark 0x220" (ConnSkipMask, no mask: the whole mark); 1.20 (#46936) narrows it to
        // host-socket TCP towards enrolled pods: "-m owner --socket-exists -p tcp -m set --match-set ztunnel-pods-ips dst"
        t.Append(M, "ztunnel-OUTPUT", release.NarrowHostOutputRule
            ? $"-s {hostIp}/32 -p tcp -m owner --socket-exists -m set --match-set {PodSet} dst -j MARK --set-xmark 0x220/0xffffffff"
            : $"-s {hostIp}/32 -j MARK --set-xmark 0x220/0xffffffff");
        t.Append("nat", "ztunnel-PREROUTING", "-m mark --mark 0x100/0x100 -j ACCEPT");  // OutboundMark: before kube-proxy's DNAT
        t.Append("nat", "ztunnel-POSTROUTING", "-m mark --mark 0x100/0x100 -j ACCEPT");
        if (release.HasFilterForwardChain) t.Append("filter", "ztunnel-FORWARD", "-m mark --mark 0x100/0x100 -j ACCEPT"); // before KUBE-SERVICES' REJECT
        if (dnsCapture) // ISTIO_META_DNS_CAPTURE=true on the ztunnel pod (server.go ReconcileZtunnel captureDNS)
            t.Append("nat", "ztunnel-PREROUTING", $"-p udp -m set --match-set {PodSet} src -m udp --dport 53 -j DNAT --to-destination {ztunnel.Ip}:{DnsCapturePort}");

        // CreateRulesOnNode, second block
        t.Append(M, P, $"-p udp -m udp --dport {GenevePort} -j RETURN");             // the tunnel copies the mark to the inner packet
        t.Append(M, P, "-m connmark --mark 0x220/0x220 -j MARK --set-xmark 0x200/0x200");
        t.Append(M, P, "-m mark --mark 0x200/0x200 -j RETURN");
        t.Append(M, P, $"! -i {veth} -m connmark --mark 0x210/0x210 -j MARK --set-xmark 0x40/0x40"); // ProxyRetMark
        t.Append(M, P, "-m mark --mark 0x40/0x40 -j RETURN");
        t.Append(M, P, $"! -s {ztunnel.Ip}/32 -i {veth} -j MARK --set-xmark 0x210/0x210");           // ztunnel with a pod's source
        t.Append(M, P, "-m mark --mark 0x200/0x200 -j RETURN");
        t.Append(M, P, $"-i {veth} -j MARK --set-xmark 0x220/0x220");                                // ztunnel's own traffic
        t.Append(M, P, "-p udp -j MARK --set-xmark 0x220/0x220");
        t.Append(M, P, "-m mark --mark 0x200/0x200 -j RETURN");
        t.Append(M, P, $"-p tcp -m set --match-set {PodSet} src -j MARK --set-xmark 0x100/0x100");  // outbound capture
    }

    /// <summary>The two GENEVE devices towards the ztunnel pod (CreateRulesOnNode: netlink.Geneve{Name, ID, Remote:
    /// ztunnelIP}, AddrAdd 192.168.12x.1/30, LinkSetUp). MTU 1450: the kernel's default for a GENEVE device without a
    /// lower device (1500 minus the 50-byte IPv4 GENEVE overhead), as the solo.io write-up's `ip -d link` shows.</summary>
    public static IEnumerable<GeneratedInterface> Tunnels(ClusterNode node, ClusterPod ztunnel, int firstIndex)
    {
        yield return new GeneratedInterface
        {
            Index = firstIndex, Name = InboundTunnel, Kind = GeneratedLinkKind.Geneve, Mac = Mac.Derived($"{node.Name}/{InboundTunnel}"), Mtu = 1450,
            Addresses = [InboundTunnelAddress], Geneve = new GeneveConfig(InboundVni, ztunnel.Ip, GenevePort),
        };
        yield return new GeneratedInterface
        {
            Index = firstIndex + 1, Name = OutboundTunnel, Kind = GeneratedLinkKind.Geneve, Mac = Mac.Derived($"{node.Name}/{OutboundTunnel}"), Mtu = 1450,
            Addresses = [OutboundTunnelAddress], Geneve = new GeneveConfig(OutboundVni, ztunnel.Ip, GenevePort),
        };
    }

    /// <summary>Tables 100-102 (CreateRulesOnNode "ip route add table ..."; net.go buildRouteFromPod per enrolled pod).</summary>
    public static IEnumerable<GeneratedRoute> Routes(ClusterNode node, ClusterPod ztunnel)
    {
        var zt = new IpPrefix(ztunnel.Ip, 32);
        yield return new GeneratedRoute { Table = $"{OutboundTable}", Destination = zt, Dev = ztunnel.Veth, Scope = "link" };
        yield return new GeneratedRoute { Table = $"{OutboundTable}", Destination = null, Via = ZtunnelOutboundTunnelIp, Dev = OutboundTunnel };
        yield return new GeneratedRoute { Table = $"{ProxyTable}", Destination = zt, Dev = ztunnel.Veth, Scope = "link" };
        yield return new GeneratedRoute { Table = $"{ProxyTable}", Destination = null, Via = ztunnel.Ip, Dev = ztunnel.Veth, Onlink = true };
        yield return new GeneratedRoute { Table = $"{InboundTable}", Destination = zt, Dev = ztunnel.Veth, Scope = "link" };
        foreach (var pod in node.EnrolledPods) // "table 100 POD/32 via 192.168.126.2 dev istioin src HostIP"
            yield return new GeneratedRoute { Table = $"{InboundTable}", Destination = new IpPrefix(pod.Ip, 32), Via = ZtunnelInboundTunnelIp, Dev = InboundTunnel, Src = node.PodGateway };
        // the tunnels' connected routes (the kernel's, from their /30 addresses)
        yield return new GeneratedRoute { Table = "main", Destination = new IpPrefix(InboundTunnelAddress.Network, 30), Dev = InboundTunnel, Proto = "kernel", Scope = "link", Src = InboundTunnelAddress.Address };
        yield return new GeneratedRoute { Table = "main", Destination = new IpPrefix(OutboundTunnelAddress.Network, 30), Dev = OutboundTunnel, Proto = "kernel", Scope = "link", Src = OutboundTunnelAddress.Address };
    }

    /// <summary>ip rules 100-103 (CreateRulesOnNode): skip → main, outbound → 101, proxy return → 102, everything → 100.</summary>
    public static IEnumerable<GeneratedRoutingRule> RoutingRules() =>
    [
        new(100, "0x200/0x200", "goto 32766"),
        new(101, "0x100/0x100", $"lookup {OutboundTable}"),
        new(102, "0x40/0x40", $"lookup {ProxyTable}"),
        new(103, null, $"lookup {InboundTable}"),
    ];

    /// <summary>CreateRulesOnNode's procfs writes (default/all/ztunnel veth rp_filter 0, ztunnel veth accept_local 1, the
    /// tunnels' rp_filter 0 and accept_local 1) and addPodToMeshWithIptables → disableRPFiltersForLink on each enrolled
    /// pod's host veth. (The loop over every /proc/sys/net/ipv4/conf entry only writes when stat fails: it does nothing.)</summary>
    public static IEnumerable<KeyValuePair<string, string>> Sysctls(ClusterNode node, ClusterPod ztunnel)
    {
        yield return new("net.ipv4.conf.all.rp_filter", "0");
        yield return new("net.ipv4.conf.default.rp_filter", "0");
        yield return new($"net.ipv4.conf.{ztunnel.Veth}.rp_filter", "0");
        yield return new($"net.ipv4.conf.{ztunnel.Veth}.accept_local", "1");
        yield return new($"net.ipv4.conf.{InboundTunnel}.rp_filter", "0");
        yield return new($"net.ipv4.conf.{InboundTunnel}.accept_local", "1");
        yield return new($"net.ipv4.conf.{OutboundTunnel}.rp_filter", "0");
        yield return new($"net.ipv4.conf.{OutboundTunnel}.accept_local", "1");
        foreach (var pod in node.EnrolledPods) yield return new($"net.ipv4.conf.{pod.Veth}.rp_filter", "0");
    }

    /// <summary>`ipset save` of ztunnel-pods-ips: hash:ip with comments (cni/pkg/ipset/ipset_linux.go CreateSet), one
    /// entry per enrolled pod with its UID as the comment. hashsize/maxelem/bucketsize are the kernel defaults; initval
    /// is random per set in the kernel, derived from the node name here so output is reproducible.</summary>
    public static string IpsetSave(ClusterNode node)
    {
        var initval = BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{node.Name}/{PodSet}")), 0);
        var lines = new List<string> { $"create {PodSet} hash:ip family inet hashsize 1024 maxelem 65536 comment bucketsize 12 initval 0x{initval:x8}" };
        lines.AddRange(node.EnrolledPods.Select(p => $"add {PodSet} {p.Ip} comment \"{p.Uid}\""));
        return string.Join("\n", lines) + "\n";
    }
}
