namespace Nfwalk.Ambient;

/// <summary>
/// The Istio release whose istio-cni agent (iptables redirect mode, before in-pod redirection) set the node up.
/// Only the releases with a tagged ambient implementation of node-level redirection are accepted: 1.18, 1.19 and 1.20
/// (istio/istio tags 1.18.0 = 697f4ff0, 1.19.0 = 3b3ca8ec, 1.20.0 = 6869a6c2). 1.16/1.17 tags contain no ambient code
/// (the previews came from the experimental-ambient branch) and 1.21.0 replaced node redirection with in-pod
/// redirection (commit fb917942, "Initial merge of Solo out-of-tree inpod CNI").
/// </summary>
public sealed record IstioRelease(int Minor)
{
    public static readonly IstioRelease Default = new(18);
    public static readonly IReadOnlyList<int> Supported = [18, 19, 20];

    /// <summary>1.19.0 cni/pkg/ambient/iptables.go initializeLists: a filter-table ztunnel-FORWARD chain jumped to first
    /// from FORWARD, and net_linux.go CreateRulesOnNode: its one rule "-m mark --mark 0x100/0x100 -j ACCEPT".</summary>
    public bool HasFilterForwardChain => Minor >= 19;

    /// <summary>1.20.0 cni/pkg/ambient/net_linux.go CreateRulesOnNode (commit c9b60262, "Be more selective about hostIP
    /// skips", #46936): the ztunnel-OUTPUT host-IP rule also needs "-m owner --socket-exists -p tcp -m set --match-set
    /// ztunnel-pods-ips dst". 1.18/1.19 mark everything from the host IP.</summary>
    public bool NarrowHostOutputRule => Minor >= 20;

    /// <summary>ztunnel's DNS proxy port 15053 first appears in ztunnel src/config.rs at tag 1.19.0 (6692071f); the nat
    /// DNS DNAT rule exists from 1.18 on but has no listener before 1.19.</summary>
    public bool ZtunnelHasDnsProxy => Minor >= 19;

    public override string ToString() => $"1.{Minor}";

    /// <summary>Accepts "1.18", "1.19", "1.20" and patch releases such as "1.19.3"; null with the reason otherwise.</summary>
    public static IstioRelease? TryParse(string text, out string? why)
    {
        why = null;
        var parts = text.Trim().Split('.');
        if (parts.Length is < 2 or > 3 || parts[0] != "1" || !int.TryParse(parts[1], out var minor) || (parts.Length == 3 && !int.TryParse(parts[2], out _)))
        {
            why = $"'{text}' is not an Istio release (expected 1.18, 1.19 or 1.20)";
            return null;
        }
        if (minor < 18)
        {
            why = $"Istio 1.{minor} has no release with ambient node redirection (the 1.16/1.17-era previews came from the experimental-ambient branch); use 1.18, 1.19 or 1.20";
            return null;
        }
        if (minor > 20)
        {
            why = $"Istio 1.{minor} uses in-pod redirection (1.21+), which has no node-level iptables/GENEVE rules to generate; use 1.18, 1.19 or 1.20";
            return null;
        }
        return new IstioRelease(minor);
    }
}
