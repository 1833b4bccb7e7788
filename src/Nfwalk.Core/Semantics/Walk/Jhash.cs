namespace Nfwalk.Semantics.Walk;

/// <summary>The kernel's jhash2 (include/linux/jhash.h), used by NAT to pick an address from a range (find_best_ips_proto).</summary>
public static class Jhash
{
    private const uint InitVal = 0xdeadbeef;
    private static uint Rol(uint x, int s) => (x << s) | (x >> (32 - s));

    public static uint Jhash2(ReadOnlySpan<uint> k, uint initval)
    {
        uint a, b, c;
        a = b = c = InitVal + ((uint)k.Length << 2) + initval;
        int i = 0, len = k.Length;
        while (len > 3)
        {
            a += k[i]; b += k[i + 1]; c += k[i + 2];
            a -= c; a ^= Rol(c, 4); c += b;
            b -= a; b ^= Rol(a, 6); a += c;
            c -= b; c ^= Rol(b, 8); b += a;
            a -= c; a ^= Rol(c, 16); c += b;
            b -= a; b ^= Rol(a, 19); a += c;
            c -= b; c ^= Rol(b, 4); b += a;
            len -= 3; i += 3;
        }
        switch (len)
        {
            case 3: c += k[i + 2]; goto case 2;
            case 2: b += k[i + 1]; goto case 1;
            case 1:
                a += k[i];
                c ^= b; c -= Rol(b, 14);
                a ^= c; a -= Rol(c, 11);
                b ^= a; b -= Rol(a, 25);
                c ^= b; c -= Rol(b, 16);
                a ^= c; a -= Rol(c, 4);
                b ^= a; b -= Rol(a, 14);
                c ^= b; c -= Rol(b, 24);
                break;
        }
        return c;
    }

    /// <summary>An IPv4 address as the kernel's u32 word on little-endian x86 (network-order bytes read as little endian).</summary>
    public static uint RawV4(uint hostOrder) => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(hostOrder);
}
