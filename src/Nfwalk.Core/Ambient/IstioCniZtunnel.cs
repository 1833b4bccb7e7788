using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

/// <summary>
/// What istio-cni sets up inside the ztunnel pod's network namespace — istio/istio cni/pkg/ambient/net_linux.go
/// CreateRulesWithinNodeProxyNS and addTProxyMarks (1.18.0; addTProxyMarkRule + addOrgSrcMarkRule in 1.19.0/1.20.0),
/// called from server.go ReconcileZtunnel with hostIP = GetHostIPByRoute (net.go: the local address the node uses to
/// reach its ztunnel pod, a UDP "dial"; the agent's pod informer only sees its own node, informers.go
/// "spec.nodeName="). With the CNI ptp plugin that address is the node's address on the pod veths (podGateway).
/// </summary>
public static class IstioCniZtunnel
{
    public const string InboundTunnel = "pistioin";   // "p" + InboundTun
    public const string OutboundTunnel = "pistioout"; // "p" + OutboundTun
    public static readonly IpPrefix InboundTunnelAddress = IpPrefix.Parse("192.168.126.2/30");   // ZTunnelInboundTunIP
    public static readonly IpPrefix OutboundTunnelAddress = IpPrefix.Parse("192.168.127.2/30");  // ZTunnelOutboundTunIP
    // constants/constants.go: TProxyMark 0x400/TProxyMask 0xfff, priority 20000; OrgSrcRetMark 0x4d3/0xfff, priority 20003
    public const string TproxyMark = "0x400/0xfff", OrgSrcRetMark = "0x4d3/0xfff";
    public const int TproxyRulePriority = 20000, OrgSrcRulePriority = 20003;
    // ZtunnelInboundPort, ZtunnelOutboundPort, ZtunnelInboundPlaintextPort
    public const int HbonePort = 15008, OutboundPort = 15001, InboundPlaintextPort = 15006;

    /// <summary>The node's address as ztunnel's tunnels see it (GetHostIPByRoute; see the class comment).</summary>
    public static IpAddress HostIp(ClusterNode node) => node.PodGateway;

    /// <summary>pistioin (VNI 1000) and pistioout (VNI 1001), remote = the node's address, 192.168.12x.2/30.</summary>
    public static IEnumerable<GeneratedInterface> Tunnels(ClusterNode node, ClusterPod ztunnel, int firstIndex)
    {
        yield return new GeneratedInterface
        {
            Index = firstIndex, Name = InboundTunnel, Kind = GeneratedLinkKind.Geneve, Mac = Mac.Derived($"{ztunnel.Name}/{InboundTunnel}"), Mtu = 1450,
            Addresses = [InboundTunnelAddress], Geneve = new GeneveConfig(IstioCniNode.InboundVni, HostIp(node), IstioCniNode.GenevePort),
        };
        yield return new GeneratedInterface
        {
            Index = firstIndex + 1, Name = OutboundTunnel, Kind = GeneratedLinkKind.Geneve, Mac = Mac.Derived($"{ztunnel.Name}/{OutboundTunnel}"), Mtu = 1450,
            Addresses = [OutboundTunnelAddress], Geneve = new GeneveConfig(IstioCniNode.OutboundVni, HostIp(node), IstioCniNode.GenevePort),
        };
    }

    /// <summary>mangle PREROUTING is flushed and gets four rules; nat OUTPUT is flushed (so the nat table exists, empty).</summary>
    public static void Rules(IptablesTables.Builder t, ClusterPod ztunnel)
    {
        t.Touch("mangle").Touch("nat");
        t.Append("mangle", "PREROUTING", $"-i {InboundTunnel} -p tcp -m tcp --dport {HbonePort} -j TPROXY --on-port {HbonePort} --on-ip 127.0.0.1 --tproxy-mark {TproxyMark}");
        t.Append("mangle", "PREROUTING", $"-i {OutboundTunnel} -p tcp -j TPROXY --on-port {OutboundPort} --on-ip 127.0.0.1 --tproxy-mark {TproxyMark}");
        t.Append("mangle", "PREROUTING", $"-i {InboundTunnel} -p tcp -j TPROXY --on-port {InboundPlaintextPort} --on-ip 127.0.0.1 --tproxy-mark {TproxyMark}");
        // "For anything NOT going to the ztunnel IP, add the OrgSrcRet mark": -p tcp -i <veth in the pod, eth0> ! --dst ztunnelIP
        t.Append("mangle", "PREROUTING", $"! -d {ztunnel.Ip}/32 -i eth0 -p tcp -j MARK --set-xmark {OrgSrcRetMark}");
    }

    public static IEnumerable<GeneratedRoutingRule> RoutingRules() =>
    [
        new(TproxyRulePriority, TproxyMark, $"lookup {IstioCniNode.InboundTable}"),
        new(OrgSrcRulePriority, OrgSrcRetMark, $"lookup {IstioCniNode.InboundTable}"),
    ];

    /// <summary>Table 100: local 0.0.0.0/0 dev lo (scope host, RTN_LOCAL). Tables 101/102 (default via the node's tunnel
    /// end, and the host IP on eth0) are created too, though no ip rule selects them (rules 20001/20002 were removed in
    /// d99e8423, "Cleanup unused bits in redirection logic").</summary>
    public static IEnumerable<GeneratedRoute> Routes(ClusterNode node)
    {
        var host = new IpPrefix(HostIp(node), 32);
        yield return new GeneratedRoute { Table = $"{IstioCniNode.InboundTable}", Type = "local", Destination = null, Dev = "lo", Scope = "host" };
        yield return new GeneratedRoute { Table = $"{IstioCniNode.OutboundTable}", Destination = null, Via = IstioCniNode.OutboundTunnelAddress.Address, Dev = OutboundTunnel };
        yield return new GeneratedRoute { Table = $"{IstioCniNode.OutboundTable}", Destination = host, Dev = "eth0", Scope = "link" };
        yield return new GeneratedRoute { Table = $"{IstioCniNode.ProxyTable}", Destination = null, Via = IstioCniNode.InboundTunnelAddress.Address, Dev = InboundTunnel };
        yield return new GeneratedRoute { Table = $"{IstioCniNode.ProxyTable}", Destination = host, Dev = "eth0", Scope = "link" };
        yield return new GeneratedRoute { Table = "main", Destination = new IpPrefix(InboundTunnelAddress.Network, 30), Dev = InboundTunnel, Proto = "kernel", Scope = "link", Src = InboundTunnelAddress.Address };
        yield return new GeneratedRoute { Table = "main", Destination = new IpPrefix(OutboundTunnelAddress.Network, 30), Dev = OutboundTunnel, Proto = "kernel", Scope = "link", Src = OutboundTunnelAddress.Address };
    }

    /// <summary>rp_filter 0 on both tunnels, and disableRPFiltersForLink(eth0): default, all and eth0.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Sysctls() =>
    [
        new("net.ipv4.conf.all.rp_filter", "0"),
        new("net.ipv4.conf.default.rp_filter", "0"),
        new("net.ipv4.conf.eth0.rp_filter", "0"),
        new($"net.ipv4.conf.{InboundTunnel}.rp_filter", "0"),
        new($"net.ipv4.conf.{OutboundTunnel}.rp_filter", "0"),
    ];
}
