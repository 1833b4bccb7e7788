using System.Globalization;
using System.Text;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Ipsets;

/// <summary>
/// The options of a "create" line. Null/false means "not given". <see cref="ToString"/> prints them in the order
/// ipset save uses for the type (hash: family hashsize maxelem netmask|bitmask timeout counters comment skbinfo
/// bucketsize initval; hash:ip,mark puts markmask after family; bitmap: range netmask …; list:set: size …),
/// followed by options nfwalk does not know.
/// </summary>
public sealed record IpSetCreateOptions
{
    public uint? HashSize { get; init; }
    public uint? MaxElem { get; init; }
    /// <summary>Default timeout of the set; its presence is what gives elements the timeout extension.</summary>
    public uint? Timeout { get; init; }
    public bool Counters { get; init; }
    public bool Comment { get; init; }
    public bool SkbInfo { get; init; }
    /// <summary>Accepted by the kernel but never printed back by ipset save.</summary>
    public bool ForceAdd { get; init; }
    /// <summary>hash:ip, hash:net,net, bitmap:ip: prefix length the addresses are masked to.</summary>
    public int? Netmask { get; init; }
    /// <summary>hash:ip, hash:net,net: arbitrary mask (mutually exclusive with netmask).</summary>
    public IpAddress? Bitmask { get; init; }
    /// <summary>hash:ip,mark: mask applied to stored marks and to the packet mark.</summary>
    public uint? MarkMask { get; init; }
    /// <summary>bitmap:ip, bitmap:ip,mac: the address range of the bitmap.</summary>
    public (IpAddress First, IpAddress Last)? AddressRange { get; init; }
    /// <summary>bitmap:port: the port range of the bitmap.</summary>
    public (ushort First, ushort Last)? PortRange { get; init; }
    /// <summary>list:set: the maximal number of members.</summary>
    public uint? Size { get; init; }
    public uint? BucketSize { get; init; }
    public uint? InitVal { get; init; }
    public IReadOnlyList<IpSetOption> UnknownOptions { get; init; } = [];

    /// <summary>The options as ipset save prints them for a set of <paramref name="type"/> and <paramref name="family"/>.</summary>
    public string Format(IpSetType type, IpFamily? family)
    {
        var parts = new List<string>();
        void Num(string n, uint? v) { if (v is { } x) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{n} {x}")); }
        if (type.Method == IpSetMethod.Hash)
        {
            if (!type.FamilyIndependent) parts.Add(family == IpFamily.V6 ? "family inet6" : "family inet");
            if (type == IpSetType.HashIpMark && MarkMask is { } mm) parts.Add($"markmask 0x{mm:x8}");
            Num("hashsize", HashSize); Num("maxelem", MaxElem);
        }
        if (AddressRange is { } r) parts.Add($"range {r.First}-{r.Last}");
        if (PortRange is { } pr) parts.Add($"range {pr.First}-{pr.Last}");
        Num("size", Size);
        if (Netmask is { } nm) parts.Add(string.Create(CultureInfo.InvariantCulture, $"netmask {nm}"));
        if (Bitmask is { } bm) parts.Add($"bitmask {bm}");
        if (type != IpSetType.HashIpMark && MarkMask is { } mm2) parts.Add($"markmask 0x{mm2:x8}");
        Num("timeout", Timeout);
        if (Counters) parts.Add("counters");
        if (Comment) parts.Add("comment");
        if (SkbInfo) parts.Add("skbinfo");
        if (ForceAdd) parts.Add("forceadd");
        Num("bucketsize", BucketSize);
        if (InitVal is { } iv) parts.Add($"initval 0x{iv:x8}");
        foreach (var o in UnknownOptions) parts.Add(o.ToString());
        var sb = new StringBuilder();
        foreach (var p in parts) { if (sb.Length > 0) sb.Append(' '); sb.Append(p); }
        return sb.ToString();
    }
}
