using System.Globalization;
using Nfwalk.Model.Ipsets;
using Nfwalk.Model.Net;

namespace Nfwalk.Parsing.Ipset;

/// <summary>
/// Reads the element of an "add" line ("10.0.0.0/24,tcp:80", "::1", "10.0.0.1,eth0", …) into typed values, one per
/// dimension, with the checks the ipset tool and the kernel's *_uadt functions make. A FROM-TO range in a network
/// dimension becomes several CIDR elements, as the kernel stores it.
/// </summary>
internal static class IpsetElementParser
{
    /// <summary>Why an element was refused and where: <see cref="Offset"/> is 0-based within the element text.</summary>
    internal readonly record struct Failure(string Message, int Offset);

    private const int MaxExpansion = 65536;

    public static bool TryParse(IpSetType type, IpFamily? family, IpSetCreateOptions opts, string text,
        out List<IpSetValue[]> elements, out Failure failure)
    {
        elements = new List<IpSetValue[]>();
        failure = default;
        if (text.Length == 0) { failure = new Failure("empty element", 0); return false; }
        if (type == IpSetType.ListSet)
        {
            elements.Add([new IpSetNameValue(text)]);
            return true;
        }

        var parts = new List<(string Text, int Offset)>();
        int start = 0;
        for (int i = 0; i <= text.Length; i++)
            if (i == text.Length || text[i] == ',') { parts.Add((text[start..i], start)); start = i + 1; }

        int dims = type.Dimension;
        bool macOptional = type == IpSetType.BitmapIpMac;
        if (parts.Count != dims && !(macOptional && parts.Count == 1))
        {
            failure = new Failure($"{type.Name} elements have {dims} part{(dims == 1 ? "" : "s")} ({Describe(type)}), this one has {parts.Count}",
                parts.Count < dims ? text.Length : parts[dims].Offset);
            return false;
        }

        var fam = family ?? IpFamily.V4;
        var perDim = new List<IpSetValue[]>();
        for (int d = 0; d < dims; d++)
        {
            if (d >= parts.Count) { perDim.Add([new IpSetMacValue(null)]); continue; }
            var (s, off) = parts[d];
            if (s.Length == 0) { failure = new Failure($"the {Ordinal(d)} part ({Describe(type.Dimensions[d])}) is empty", off); return false; }
            string? error;
            IpSetValue[]? values = type.Dimensions[d] switch
            {
                IpSetDimension.Ip => ParseIp(type, fam, opts, d, s, out error),
                IpSetDimension.Net => ParseNet(type, fam, s, out error),
                IpSetDimension.Port => ParsePort(type, fam, opts, s, out error),
                IpSetDimension.Iface => ParseIface(s, out error),
                IpSetDimension.Mark => ParseMark(opts, s, out error),
                IpSetDimension.Mac => ParseMac(s, out error),
                _ => Fail("unexpected dimension", out error),
            };
            if (values is null) { failure = new Failure(error!, off); return false; }
            perDim.Add(values);
        }

        long total = 1;
        foreach (var v in perDim) total *= v.Length;
        if (total > MaxExpansion) { failure = new Failure($"the ranges expand to {total} elements; at most {MaxExpansion} are read", 0); return false; }
        Expand(perDim, 0, new IpSetValue[dims], elements);
        return true;
    }

    private static void Expand(List<IpSetValue[]> perDim, int d, IpSetValue[] cur, List<IpSetValue[]> output)
    {
        if (d == perDim.Count) { output.Add((IpSetValue[])cur.Clone()); return; }
        foreach (var v in perDim[d]) { cur[d] = v; Expand(perDim, d + 1, cur, output); }
    }

    private static IpSetValue[]? Fail(string message, out string? error) { error = message; return null; }

    private static string Ordinal(int d) => d switch { 0 => "first", 1 => "second", 2 => "third", _ => $"#{d + 1}" };

    private static string Describe(IpSetDimension d) => d switch
    {
        IpSetDimension.Ip => "IP address", IpSetDimension.Net => "network", IpSetDimension.Port => "[proto:]port",
        IpSetDimension.Iface => "interface", IpSetDimension.Mark => "mark", IpSetDimension.Mac => "MAC address",
        _ => "set name",
    };

    private static string Describe(IpSetType t) => string.Join(",", t.Dimensions.Select(Describe));

    private static string FamilyName(IpFamily f) => f == IpFamily.V6 ? "inet6" : "inet";

    /// <summary>An IP dimension: a host, or (IPv4, first dimension) a CIDR or FROM-TO range the kernel expands.</summary>
    private static IpSetValue[]? ParseIp(IpSetType type, IpFamily fam, IpSetCreateOptions opts, int dim, string s, out string? error)
    {
        error = null;
        bool rangeAllowed = dim == 0 && fam == IpFamily.V4 && type != IpSetType.HashIpMac && type != IpSetType.BitmapIpMac;
        IpAddress first, last; int? cidr = null;
        int dash = s.IndexOf('-'), slash = s.IndexOf('/');
        if (dash > 0 || slash > 0)
        {
            if (!rangeAllowed)
                return Fail(fam == IpFamily.V6
                    ? $"\"{s}\": {type.Name} stores single IPv6 addresses (the kernel refuses ranges and CIDRs here)"
                    : $"\"{s}\": this part of a {type.Name} element is a single address, not a range", out error);
            if (dash > 0)
            {
                if (!IpAddress.TryParse(s.AsSpan(0, dash), out first) || !IpAddress.TryParse(s.AsSpan(dash + 1), out last))
                    return Fail($"\"{s}\" is not an address range FROM-TO", out error);
                if (first.Family != fam || last.Family != fam) return Fail($"\"{s}\" is not an {FamilyName(fam)} range", out error);
                if (first.CompareTo(last) > 0) (first, last) = (last, first);
            }
            else
            {
                if (!IpPrefix.TryParse(s, out var p)) return Fail($"\"{s}\" is not an address/prefix", out error);
                if (p.Family != fam) return Fail($"\"{s}\" is not an {FamilyName(fam)} address", out error);
                if (p.Length == 0) return Fail($"\"{s}\": prefix length 0 is refused by the kernel (IPSET_ERR_INVALID_CIDR)", out error);
                (first, last) = AddressRanges.Span(p);
                cidr = p.Length;
            }
        }
        else
        {
            if (!IpAddress.TryParse(s, out first)) return Fail($"\"{s}\" is not an IP address", out error);
            if (first.Family != fam) return Fail($"\"{s}\" is an {FamilyName(first.Family)} address in an {FamilyName(fam)} set", out error);
            last = first;
        }

        // hash:ip netmask/bitmask and bitmap:ip netmask: the kernel stores masked addresses
        var mask = AddressMask(type, fam, opts);
        if (mask is { } m)
        {
            var mf = AddressRanges.Mask(first, m);
            if (AddressRanges.Mask(last, m) == mf) { first = last = mf; cidr = null; }
            else first = mf;
        }
        if (type == IpSetType.HashIp && first.IsV4 && first.Value == 0 && last.Value == 0)
            return Fail($"\"{s}\": the kernel refuses the zero address in hash:ip (IPSET_ERR_HASH_ELEM)", out error);
        if (type == IpSetType.HashIp && !first.IsV4 && first.Value == 0)
            return Fail($"\"{s}\": the kernel refuses the zero address in hash:ip (IPSET_ERR_HASH_ELEM)", out error);
        if (type.Method == IpSetMethod.Bitmap && opts.AddressRange is { } r && (first.CompareTo(AddressRanges.Mask(r.First, mask ?? UInt128.MaxValue)) < 0 || last.CompareTo(r.Last) > 0))
            return Fail($"\"{s}\" is outside the bitmap's range {r.First}-{r.Last} (IPSET_ERR_BITMAP_RANGE)", out error);
        return [new IpSetAddressValue(first, last) { Cidr = cidr }];
    }

    /// <summary>The mask a hash:ip/bitmap:ip applies to addresses (netmask or bitmask), or null for none.</summary>
    public static UInt128? AddressMask(IpSetType type, IpFamily fam, IpSetCreateOptions opts)
    {
        if (type != IpSetType.HashIp && type != IpSetType.BitmapIp && type != IpSetType.HashNetNet) return null;
        int bits = fam == IpFamily.V6 ? 128 : 32;
        if (opts.Netmask is { } n && n < bits) return IpPrefix.MaskOf(n, bits);
        if (opts.Bitmask is { } b && b.Family == fam) return b.Value;
        return null;
    }

    private static IpSetValue[]? ParseNet(IpSetType type, IpFamily fam, string s, out string? error)
    {
        error = null;
        int dash = s.IndexOf('-');
        if (dash > 0 && s.IndexOf('/') < 0)
        {
            if (fam == IpFamily.V6) return Fail($"\"{s}\": IPv6 ranges are not supported, use a CIDR", out error);
            if (!IpAddress.TryParse(s.AsSpan(0, dash), out var a) || !IpAddress.TryParse(s.AsSpan(dash + 1), out var b) || !a.IsV4 || !b.IsV4)
                return Fail($"\"{s}\" is not an address range FROM-TO", out error);
            if (a.CompareTo(b) > 0) (a, b) = (b, a);
            var blocks = AddressRanges.ToCidrs(a, b);
            if (blocks.Count > MaxExpansion) return Fail($"\"{s}\" expands to {blocks.Count} networks; at most {MaxExpansion} are read", out error);
            return blocks.Select(p => (IpSetValue)new IpSetNetValue(p)).ToArray();
        }
        if (!IpPrefix.TryParse(s, out var prefix)) return Fail($"\"{s}\" is not a network (address[/prefix])", out error);
        if (prefix.Family != fam) return Fail($"\"{s}\" is an {FamilyName(prefix.Family)} network in an {FamilyName(fam)} set", out error);
        if (prefix.Length == 0 && !type.AllowsZeroPrefix)
            return Fail($"\"{s}\": {type.Name} refuses a /0 network (IPSET_ERR_INVALID_CIDR)", out error);
        return [new IpSetNetValue(new IpPrefix(prefix.Network, prefix.Length))];
    }

    private static IpSetValue[]? ParsePort(IpSetType type, IpFamily fam, IpSetCreateOptions opts, string s, out string? error)
    {
        error = null;
        int colon = s.IndexOf(':');
        string protoText = colon < 0 ? "tcp" : s[..colon];
        string spec = colon < 0 ? s : s[(colon + 1)..];
        if (!Protocols.TryParse(protoText, out var proto, out var all) || all)
            return Fail($"\"{protoText}\" is not a protocol ipset accepts", out error);

        if (type == IpSetType.BitmapPort)
        {
            if (colon >= 0 && proto is not (Protocols.Tcp or Protocols.Udp))
                return Fail($"bitmap:port takes tcp: or udp: ports only, not \"{protoText}\"", out error);
            if (!TryPortRange(spec, out var lo, out var hi)) return Fail($"\"{spec}\" is not a port or port range", out error);
            if (opts.PortRange is { } r && (lo < r.First || hi > r.Last))
                return Fail($"port {spec} is outside the bitmap's range {r.First}-{r.Last} (IPSET_ERR_BITMAP_RANGE)", out error);
            return [new IpSetPortValue(null, lo, hi)];
        }

        switch (proto)
        {
            case Protocols.Tcp or Protocols.Udp or Protocols.Sctp or Protocols.Udplite:
            {
                if (!TryPortRange(spec, out var lo, out var hi)) return Fail($"\"{spec}\" is not a port, port range or service name", out error);
                return [new IpSetPortValue(proto, lo, hi)];
            }
            case Protocols.Icmp or Protocols.Icmpv6:
            {
                bool v6 = proto == Protocols.Icmpv6;
                if (v6 != (fam == IpFamily.V6))
                    return Fail($"protocol {(v6 ? "ICMPv6" : "ICMP")} can be used with family {(v6 ? "inet6" : "inet")} only", out error);
                if (!IcmpNames.TryParse(spec, v6, out var t, out var c))
                    return Fail($"\"{spec}\" is not an {(v6 ? "ICMPv6" : "ICMP")} type name or TYPE/CODE", out error);
                return [IpSetPortValue.Icmp(v6, t, c)];
            }
            default:
                if (spec != "0") return Fail($"protocol {Protocols.Name(proto)} has no ports: write {protoText}:0", out error);
                return [new IpSetPortValue(proto, 0, 0)];
        }
    }

    private static bool TryPortRange(string spec, out ushort lo, out ushort hi)
    {
        lo = hi = 0;
        int dash = spec.IndexOf('-');
        if (dash < 0) { if (!TryPort(spec, out lo)) return false; hi = lo; return true; }
        if (!TryPort(spec[..dash], out lo) || !TryPort(spec[(dash + 1)..], out hi)) return false;
        if (lo > hi) (lo, hi) = (hi, lo);
        return true;
    }

    private static bool TryPort(string s, out ushort port)
        => ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port) || ServiceNames.TryGet(s, out port);

    private static IpSetValue[]? ParseIface(string s, out string? error)
    {
        error = null;
        bool physdev = s.StartsWith("physdev:", StringComparison.Ordinal);
        var name = physdev ? s["physdev:".Length..] : s;
        if (name.Length == 0) return Fail("empty interface name", out error);
        if (name.Length > 15) return Fail($"interface name \"{name}\" is longer than 15 characters", out error);
        return [new IpSetIfaceValue(name, physdev)];
    }

    private static IpSetValue[]? ParseMark(IpSetCreateOptions opts, string s, out string? error)
    {
        error = null;
        if (!TryUInt32(s, out var mark)) return Fail($"\"{s}\" is not a mark (a 32-bit number)", out error);
        return [new IpSetMarkValue(mark & (opts.MarkMask ?? uint.MaxValue))];
    }

    private static IpSetValue[]? ParseMac(string s, out string? error)
    {
        error = null;
        if (!MacAddress.TryParse(s, out var mac)) return Fail($"\"{s}\" is not a MAC address (XX:XX:XX:XX:XX:XX)", out error);
        if (mac.IsZero) return Fail("the kernel refuses the all-zero MAC address", out error);
        return [new IpSetMacValue(mac)];
    }

    /// <summary>A 32-bit number as strtoul(…, 0) reads it: 0x… hex, otherwise decimal.</summary>
    public static bool TryUInt32(string s, out uint v)
    {
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return uint.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v);
        return uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v);
    }
}
