namespace Nfwalk.Model.Ipsets;

/// <summary>What one dimension of a set element holds (ipset's IPSET_DIM_ONE … IPSET_DIM_THREE, in order).</summary>
public enum IpSetDimension : byte
{
    /// <summary>An IP address (a single host; "add" may give a range or CIDR that the kernel expands into hosts).</summary>
    Ip,
    /// <summary>A network (address and prefix length); lookups try the stored prefix lengths, longest first.</summary>
    Net,
    /// <summary>A protocol and port (ICMP/ICMPv6 store type and code in the port); bitmap:port has no protocol.</summary>
    Port,
    /// <summary>An interface name (hash:net,iface), optionally a physdev and/or a prefix ("eth+").</summary>
    Iface,
    /// <summary>The packet mark (hash:ip,mark); the kernel ignores the flag given for this dimension.</summary>
    Mark,
    /// <summary>An Ethernet address.</summary>
    Mac,
    /// <summary>The name of another set (list:set).</summary>
    SetName,
}

/// <summary>How the kernel stores a set type (ip_set_hash_gen.h, ip_set_bitmap_gen.h, ip_set_list_set.c).</summary>
public enum IpSetMethod : byte { Hash, Bitmap, List }

/// <summary>
/// One ipset type as the kernel registers it (struct ip_set_type): its name, its dimensions in order, whether it has the
/// IPSET_TYPE_NOMATCH feature (which --return-nomatch needs) and which families it accepts.
/// </summary>
public sealed class IpSetType
{
    public string Name { get; }
    public IpSetMethod Method { get; }
    public IReadOnlyList<IpSetDimension> Dimensions { get; }
    /// <summary>struct ip_set_type .dimension: ip_set_test answers "no" when the rule gives fewer src/dst flags.</summary>
    public int Dimension => Dimensions.Count;
    /// <summary>IPSET_TYPE_NOMATCH: elements may carry "nomatch", and --return-nomatch inverts the element result.</summary>
    public bool SupportsNomatch { get; }
    /// <summary>IP_SET_HASH_WITH_NET0: a /0 network may be stored.</summary>
    public bool AllowsZeroPrefix { get; }
    /// <summary>NFPROTO_UNSPEC sets (bitmap:port, hash:mac, list:set) serve IPv4 and IPv6 rules alike.</summary>
    public bool FamilyIndependent { get; }
    /// <summary>bitmap:ip and bitmap:ip,mac are IPv4 only.</summary>
    public bool Ipv4Only { get; }
    /// <summary>Create options the type accepts beyond the common ones (netmask, bitmask, markmask, range, size).</summary>
    public IReadOnlyList<string> TypeOptions { get; }

    private IpSetType(string name, IpSetMethod method, IpSetDimension[] dims, bool nomatch = false, bool net0 = false,
        bool unspec = false, bool v4Only = false, string[]? options = null)
    {
        Name = name; Method = method; Dimensions = dims; SupportsNomatch = nomatch; AllowsZeroPrefix = net0;
        FamilyIndependent = unspec; Ipv4Only = v4Only; TypeOptions = options ?? [];
    }

    private const IpSetDimension Ip = IpSetDimension.Ip, Net = IpSetDimension.Net, Port = IpSetDimension.Port,
        Iface = IpSetDimension.Iface, Mark = IpSetDimension.Mark, Mac = IpSetDimension.Mac;

    public static readonly IpSetType HashIp = new("hash:ip", IpSetMethod.Hash, [Ip], options: ["netmask", "bitmask"]);
    public static readonly IpSetType HashNet = new("hash:net", IpSetMethod.Hash, [Net], nomatch: true);
    public static readonly IpSetType HashIpPort = new("hash:ip,port", IpSetMethod.Hash, [Ip, Port]);
    public static readonly IpSetType HashNetPort = new("hash:net,port", IpSetMethod.Hash, [Net, Port], nomatch: true);
    public static readonly IpSetType HashIpPortIp = new("hash:ip,port,ip", IpSetMethod.Hash, [Ip, Port, Ip]);
    public static readonly IpSetType HashIpPortNet = new("hash:ip,port,net", IpSetMethod.Hash, [Ip, Port, Net], nomatch: true);
    public static readonly IpSetType HashNetPortNet = new("hash:net,port,net", IpSetMethod.Hash, [Net, Port, Net], nomatch: true, net0: true);
    public static readonly IpSetType HashNetIface = new("hash:net,iface", IpSetMethod.Hash, [Net, Iface], nomatch: true, net0: true);
    public static readonly IpSetType HashIpMark = new("hash:ip,mark", IpSetMethod.Hash, [Ip, Mark], options: ["markmask"]);
    public static readonly IpSetType HashNetNet = new("hash:net,net", IpSetMethod.Hash, [Net, Net], nomatch: true, net0: true, options: ["netmask", "bitmask"]);
    public static readonly IpSetType HashMac = new("hash:mac", IpSetMethod.Hash, [Mac], unspec: true);
    public static readonly IpSetType HashIpMac = new("hash:ip,mac", IpSetMethod.Hash, [Ip, Mac]);
    public static readonly IpSetType BitmapIp = new("bitmap:ip", IpSetMethod.Bitmap, [Ip], v4Only: true, options: ["range", "netmask"]);
    public static readonly IpSetType BitmapPort = new("bitmap:port", IpSetMethod.Bitmap, [Port], unspec: true, options: ["range"]);
    public static readonly IpSetType BitmapIpMac = new("bitmap:ip,mac", IpSetMethod.Bitmap, [Ip, Mac], v4Only: true, options: ["range"]);
    public static readonly IpSetType ListSet = new("list:set", IpSetMethod.List, [IpSetDimension.SetName], unspec: true, options: ["size"]);

    public static IReadOnlyList<IpSetType> All { get; } =
    [
        HashIp, HashNet, HashIpPort, HashNetPort, HashIpPortIp, HashIpPortNet, HashNetPortNet, HashNetIface, HashIpMark,
        HashNetNet, HashMac, HashIpMac, BitmapIp, BitmapPort, BitmapIpMac, ListSet,
    ];

    /// <summary>Old names the ipset tool still accepts (ipset_type .alias).</summary>
    private static readonly Dictionary<string, IpSetType> ByName = BuildNames();

    private static Dictionary<string, IpSetType> BuildNames()
    {
        var d = All.ToDictionary(t => t.Name, StringComparer.Ordinal);
        d["iphash"] = HashIp; d["nethash"] = HashNet; d["ipporthash"] = HashIpPort; d["netporthash"] = HashNetPort;
        d["ipportiphash"] = HashIpPortIp; d["ipportnethash"] = HashIpPortNet; d["netifacehash"] = HashNetIface;
        d["ipmap"] = BitmapIp; d["portmap"] = BitmapPort; d["macipmap"] = BitmapIpMac; d["setlist"] = ListSet;
        return d;
    }

    public static bool TryGet(string name, out IpSetType type)
    {
        if (ByName.TryGetValue(name, out var t)) { type = t; return true; }
        type = null!;
        return false;
    }

    /// <summary>Index of the n-th network dimension (0 or 1), used for the kernel's per-dimension prefix lists.</summary>
    public int NetOrdinal(int dimensionIndex)
    {
        int n = 0;
        for (int i = 0; i < dimensionIndex; i++) if (Dimensions[i] == IpSetDimension.Net) n++;
        return n;
    }

    public int NetDimensionCount => Dimensions.Count(d => d == IpSetDimension.Net);

    public override string ToString() => Name;
}
