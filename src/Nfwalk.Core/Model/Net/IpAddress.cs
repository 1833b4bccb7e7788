using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Nfwalk.Model.Net;

public enum IpFamily : byte { V4 = 4, V6 = 6 }

/// <summary>An IPv4 or IPv6 address as a 128-bit number (IPv4 in the low 32 bits). Cheap to compare and mask.</summary>
/// <remarks>
/// Kept as two 64-bit halves rather than a UInt128 field: a UInt128 is aligned to 16 bytes, which made this 32 bytes
/// (16 + the family, padded) where 24 hold it — and every prefix, connection tuple and packet state that holds
/// addresses grew with it. Equality and hashing are those of the halves and the family, i.e. of Value and Family.
/// </remarks>
public readonly record struct IpAddress : IComparable<IpAddress>
{
    private readonly ulong _low, _high;

    public IpAddress(UInt128 Value, IpFamily Family)
    {
        _low = (ulong)Value; _high = (ulong)(Value >> 64); this.Family = Family;
    }

    public UInt128 Value => new(_high, _low);
    public IpFamily Family { get; }

    public void Deconstruct(out UInt128 Value, out IpFamily Family) { Value = this.Value; Family = this.Family; }

    public int Bits => Family == IpFamily.V4 ? 32 : 128;
    public bool IsV4 => Family == IpFamily.V4;
    public uint V4 => (uint)_low;

    public static IpAddress FromV4(uint v) => new(v, IpFamily.V4);
    public static readonly IpAddress AnyV4 = FromV4(0);
    public static readonly IpAddress AnyV6 = new(UInt128.Zero, IpFamily.V6);

    public static bool TryParse(ReadOnlySpan<char> s, out IpAddress address)
    {
        address = default;
        if (s.IsEmpty) return false;
        if (TryParseV4(s, out uint v4)) { address = FromV4(v4); return true; }
        // text with no ':' is a dotted quad or nothing (the quad was tried first: an address of a dump is nearly always one)
        if (s.IndexOf(':') < 0) return false;
        if (!IPAddress.TryParse(s, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6) return false;
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out _);
        address = new IpAddress(BinaryPrimitives.ReadUInt128BigEndian(b), IpFamily.V6);
        return true;
    }

    /// <summary>A strict dotted quad, as the kernel tools print it: four decimal parts of one to three digits, each at most 255.</summary>
    private static bool TryParseV4(ReadOnlySpan<char> s, out uint v)
    {
        v = 0;
        if (s.Length < 7 || s.Length > 15) return false; // "1.2.3.4" to "255.255.255.255"
        uint acc = 0, octet = 0;
        int digits = 0, dots = 0;
        foreach (char c in s)
        {
            uint d = (uint)(c - '0');
            if (d <= 9)
            {
                octet = octet * 10 + d;
                if (++digits > 3) return false;
                continue;
            }
            if (c != '.' || digits == 0 || dots == 3 || octet > 255) return false;
            acc = (acc << 8) | octet;
            octet = 0; digits = 0; dots++;
        }
        if (dots != 3 || digits == 0 || octet > 255) return false;
        v = (acc << 8) | octet;
        return true;
    }

    public static IpAddress Parse(string s) => TryParse(s, out var a) ? a : throw new FormatException($"not an IP address: {s}");

    public int CompareTo(IpAddress other) => Family != other.Family ? Family.CompareTo(other.Family) : Value.CompareTo(other.Value);

    public IpAddress Add(long delta) => new(Value + (UInt128)delta, Family);

    public override string ToString()
    {
        if (Family == IpFamily.V4)
        {
            uint v = (uint)Value;
            return string.Create(CultureInfo.InvariantCulture, $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}");
        }
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, Value);
        return new IPAddress(b).ToString();
    }
}

/// <summary>An address with a prefix length (a CIDR). Host bits are kept as given; <see cref="Network"/> masks them.</summary>
public readonly record struct IpPrefix(IpAddress Address, int Length)
{
    public IpFamily Family => Address.Family;
    public UInt128 Mask => MaskOf(Length, Address.Bits);
    public IpAddress Network => new(Address.Value & Mask, Address.Family);
    public bool IsHost => Length == Address.Bits;

    public static UInt128 MaskOf(int length, int bits)
    {
        if (length <= 0) return UInt128.Zero;
        UInt128 all = bits == 32 ? (UInt128)uint.MaxValue : UInt128.MaxValue;
        if (length >= bits) return all; // a shift by 128 would wrap to 0 for UInt128
        return all ^ (all >> length);
    }

    public bool Contains(IpAddress a) => a.Family == Family && (a.Value & Mask) == (Address.Value & Mask);

    public static bool TryParse(ReadOnlySpan<char> s, out IpPrefix prefix)
    {
        prefix = default;
        int slash = s.IndexOf('/');
        var addrPart = slash < 0 ? s : s[..slash];
        if (!IpAddress.TryParse(addrPart, out var a)) return false;
        int len = a.Bits;
        if (slash >= 0)
        {
            var lenPart = s[(slash + 1)..];
            if (DecimalDigits.TryParse(lenPart, out var l))
            {
                if (l > (uint)a.Bits) return false;
                len = (int)l;
            }
            else if (IpAddress.TryParse(lenPart, out var m) && m.Family == a.Family)
            {
                // dotted mask such as 255.255.0.0: must be contiguous
                var mv = m.Value; int ones = 0; var bit = a.Bits == 32 ? (UInt128)1 << 31 : (UInt128)1 << 127;
                while (ones < a.Bits && (mv & bit) != 0) { ones++; bit >>= 1; }
                if (mv != MaskOf(ones, a.Bits)) return false;
                len = ones;
            }
            else return false;
        }
        prefix = new IpPrefix(a, len);
        return true;
    }

    public static IpPrefix Parse(string s) => TryParse(s, out var p) ? p : throw new FormatException($"not a prefix: {s}");

    public override string ToString() => $"{Address}/{Length}";
}

/// <summary>An address with an optional port as iproute2 and conntrack print it: "10.0.0.1:80", "[fd00::1]:80".</summary>
public static class Endpoint
{
    public static string Format(IpAddress address, int? port)
        => port is not { } p ? address.ToString() : address.IsV4 ? $"{address}:{p}" : $"[{address}]:{p}";

    public static string Format(string address, int? port)
        => port is not { } p ? address : address.Contains(':') ? $"[{address}]:{p}" : $"{address}:{p}";
}
