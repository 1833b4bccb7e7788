using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Nfwalk.Ambient;

/// <summary>
/// kube-proxy's iptables mode (and kubelet's canary/firewall chains) as on a kind v0.20-era node (Kubernetes 1.27,
/// kubernetes pkg/proxy/iptables/proxier.go): ClusterIP services only. Chain names are kube-proxy's
/// (servicePortChainName: "KUBE-SVC-" + base32(sha256(servicePortName + "tcp"))[:16]; servicePortEndpointChainName:
/// "KUBE-SEP-" + base32(sha256(servicePortName + "tcp" + "IP:port"))[:16]).
/// </summary>
public static class KubeProxy
{
    public static string ServiceChain(ClusterService s) => "KUBE-SVC-" + Hash(s.ServicePortName + "tcp");
    public static string EndpointChain(ClusterService s, string endpoint) => "KUBE-SEP-" + Hash(s.ServicePortName + "tcp" + endpoint);

    private static string Hash(string s) => Base32(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..16];

    private static string Base32(byte[] data)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; // RFC 4648, Go's base32.StdEncoding
        var sb = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b; bits += 8;
            while (bits >= 5) { sb.Append(alphabet[(buffer >> (bits - 5)) & 31]); bits -= 5; }
        }
        if (bits > 0) sb.Append(alphabet[(buffer << (5 - bits)) & 31]);
        return sb.ToString();
    }

    /// <summary>xt_statistic's probability as iptables-save prints it: kube-proxy passes "%0.10f" of 1/n, iptables stores
    /// lround(p * 2^31) (libxt_statistic.c) and prints stored / 2^31 with 11 decimals.</summary>
    public static string Probability(int remaining)
    {
        var p = double.Parse((1.0 / remaining).ToString("F10", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var stored = (uint)Math.Round(p * 0x80000000u, MidpointRounding.AwayFromZero);
        return (stored / (double)0x80000000u).ToString("F11", CultureInfo.InvariantCulture);
    }

    public static void Rules(IptablesTables.Builder t, ClusterSpec spec)
    {
        // kubelet: iptables-hint and canaries (pkg/kubelet/kubelet_network_linux.go)
        t.Chain("mangle", "KUBE-IPTABLES-HINT").Chain("mangle", "KUBE-KUBELET-CANARY").Chain("mangle", "KUBE-PROXY-CANARY");
        foreach (var c in new[] { "KUBE-KUBELET-CANARY", "KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-PROXY-CANARY", "KUBE-SERVICES" }) t.Chain("nat", c);
        t.Append("nat", "PREROUTING", "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
        t.Append("nat", "OUTPUT", "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
        t.Append("nat", "POSTROUTING", "-m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING");
        t.Append("nat", "KUBE-MARK-MASQ", "-j MARK --set-xmark 0x4000/0x4000");
        t.Append("nat", "KUBE-POSTROUTING", "-m mark ! --mark 0x4000/0x4000 -j RETURN");
        t.Append("nat", "KUBE-POSTROUTING", "-j MARK --set-xmark 0x4000/0x0");
        t.Append("nat", "KUBE-POSTROUTING", "-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully");

        var noEndpoints = new List<ClusterService>();
        foreach (var s in spec.Services)
        {
            var spn = s.ServicePortName;
            var vip = $"-d {s.Vip}/32 -p tcp -m comment --comment \"{spn} cluster IP\" -m tcp --dport {s.Port}";
            if (s.Pods.Count == 0) { noEndpoints.Add(s); continue; }
            var svc = ServiceChain(s);
            t.Chain("nat", svc);
            t.Append("nat", "KUBE-SERVICES", $"{vip} -j {svc}");
            t.Append("nat", svc, $"! -s {spec.ClusterCidr} {vip} -j KUBE-MARK-MASQ");
            for (int i = 0; i < s.Pods.Count; i++)
            {
                var ip = spec.FindPod(s.Pods[i])!.Ip;
                var endpoint = $"{ip}:{s.TargetPort}";
                var sep = EndpointChain(s, endpoint);
                t.Chain("nat", sep);
                var random = i < s.Pods.Count - 1 ? $" -m statistic --mode random --probability {Probability(s.Pods.Count - i)}" : "";
                t.Append("nat", svc, $"-m comment --comment \"{spn} -> {endpoint}\"{random} -j {sep}");
                t.Append("nat", sep, $"-s {ip}/32 -m comment --comment \"{spn}\" -j KUBE-MARK-MASQ");
                t.Append("nat", sep, $"-p tcp -m comment --comment \"{spn}\" -m tcp -j DNAT --to-destination {endpoint}");
            }
        }
        t.Append("nat", "KUBE-SERVICES", "-m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS");

        foreach (var c in new[] { "KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-KUBELET-CANARY", "KUBE-NODEPORTS", "KUBE-PROXY-CANARY", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES" }) t.Chain("filter", c);
        t.Append("filter", "INPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL");
        t.Append("filter", "INPUT", "-m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS");
        t.Append("filter", "INPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally visible service portals\" -j KUBE-EXTERNAL-SERVICES");
        t.Append("filter", "INPUT", "-j KUBE-FIREWALL");
        t.Append("filter", "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL");
        t.Append("filter", "FORWARD", "-m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD");
        t.Append("filter", "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
        t.Append("filter", "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally visible service portals\" -j KUBE-EXTERNAL-SERVICES");
        t.Append("filter", "OUTPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL");
        t.Append("filter", "OUTPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
        t.Append("filter", "OUTPUT", "-j KUBE-FIREWALL");
        t.Append("filter", "KUBE-FIREWALL", "! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP");
        t.Append("filter", "KUBE-FORWARD", "-m conntrack --ctstate INVALID -j DROP");
        t.Append("filter", "KUBE-FORWARD", "-m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT");
        t.Append("filter", "KUBE-FORWARD", "-m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        // a service without endpoints is rejected in filter KUBE-SERVICES (the reason istio 1.19 added filter ztunnel-FORWARD)
        foreach (var s in noEndpoints)
            t.Append("filter", "KUBE-SERVICES", $"-d {s.Vip}/32 -p tcp -m comment --comment \"{s.ServicePortName} has no endpoints\" -m tcp --dport {s.Port} -j REJECT --reject-with icmp-port-unreachable");
    }
}
