using Nfwalk.Model.Net;

namespace Nfwalk.Parsing.Ipset;

/// <summary>Address arithmetic the ipset tool and kernel do on "add" input.</summary>
internal static class AddressRanges
{
    /// <summary>
    /// The CIDR blocks a FROM-TO range is stored as in a hash:net type (kernel ip_set_range_to_cidr: from the low end,
    /// the largest aligned block that does not pass TO, repeatedly).
    /// </summary>
    public static List<IpPrefix> ToCidrs(IpAddress from, IpAddress to)
    {
        var result = new List<IpPrefix>();
        int bits = from.Bits;
        UInt128 max = bits == 32 ? uint.MaxValue : UInt128.MaxValue;
        UInt128 cur = from.Value, end = to.Value;
        while (true)
        {
            int len = bits;
            // grow the block while it stays aligned at cur and inside [cur, end]; the kernel never makes a /0
            while (len > 1)
            {
                int size = bits - (len - 1);
                UInt128 blockMask = size >= 128 ? UInt128.MaxValue : ((UInt128)1 << size) - 1;
                if ((cur & blockMask) != 0) break;
                if ((cur | blockMask) > end) break;
                len--;
            }
            result.Add(new IpPrefix(new IpAddress(cur, from.Family), len));
            UInt128 span = bits - len >= 128 ? UInt128.MaxValue : ((UInt128)1 << (bits - len)) - 1;
            UInt128 last = cur | span;
            if (last >= end || last == max) break;
            cur = last + 1;
        }
        return result;
    }

    /// <summary>The range a CIDR covers (host bits of the address cleared).</summary>
    public static (IpAddress First, IpAddress Last) Span(IpPrefix p)
    {
        var net = p.Network;
        var all = net.Bits == 32 ? (UInt128)uint.MaxValue : UInt128.MaxValue;
        return (net, new IpAddress(net.Value | (all & ~p.Mask), net.Family));
    }

    public static IpAddress Mask(IpAddress a, UInt128 mask) => new(a.Value & mask, a.Family);
}
