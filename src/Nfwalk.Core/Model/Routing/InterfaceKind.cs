namespace Nfwalk.Model.Routing;

/// <summary>
/// What an interface is, from its link type and <c>linkinfo.info_kind</c>. Kinds nfwalk does not single out are
/// <see cref="Other"/>; the kernel's own kind name stays in <see cref="Interface.KindName"/>.
/// </summary>
public enum InterfaceKind : byte
{
    Unknown,
    Loopback,
    Ethernet,
    Veth,
    Vxlan,
    Geneve,
    Bridge,
    Dummy,
    Vrf,
    Other,
}

public static class InterfaceKinds
{
    /// <summary>From the kernel's info_kind (veth, vxlan, ...) and the link type (loopback, ether).</summary>
    public static InterfaceKind FromKernel(string? infoKind, string? linkType) => infoKind switch
    {
        "veth" => InterfaceKind.Veth,
        "vxlan" => InterfaceKind.Vxlan,
        "geneve" => InterfaceKind.Geneve,
        "bridge" => InterfaceKind.Bridge,
        "dummy" => InterfaceKind.Dummy,
        "vrf" => InterfaceKind.Vrf,
        null or "" => linkType switch
        {
            "loopback" => InterfaceKind.Loopback,
            "ether" => InterfaceKind.Ethernet,
            null => InterfaceKind.Unknown,
            _ => InterfaceKind.Other,
        },
        _ => InterfaceKind.Other,
    };
}
