using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Nfwalk.Model.Ipsets;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Ipsets;

namespace Nfwalk.Tests.Ipsets;

/// <summary>One crafted packet of the kernel-differential test: what is sent, and where it enters the node.</summary>
internal sealed record KernelPacket(string InPeer, MacAddress SourceMac, MacAddress DestinationMac, SetPacket View)
{
    public override string ToString()
    {
        var v = View;
        var l4 = v.Protocol switch
        {
            Protocols.Tcp or Protocols.Udp or Protocols.Sctp => $"{Protocols.Name(v.Protocol)} {v.SourcePort}->{v.DestinationPort}",
            Protocols.Icmp or Protocols.Icmpv6 => $"{Protocols.Name(v.Protocol)} {v.IcmpType}/{v.IcmpCode}",
            _ => Protocols.Name(v.Protocol),
        };
        return $"{v.Source} -> {v.Destination} {l4}{(v.IsFragment ? " (non-first fragment)" : "")} in {v.InInterface} out {v.OutInterface ?? "-"} mac {SourceMac}>{DestinationMac}";
    }
}

/// <summary>Builds Ethernet frames (IPv4/IPv6 with TCP, UDP, ICMP, ICMPv6, GRE, SCTP; non-first fragments) and sends
/// them from a named interface of the current network namespace through an AF_PACKET socket.</summary>
internal static class KernelFrames
{
    public static byte[] Build(KernelPacket k, ushort id)
    {
        var v = k.View;
        var l4 = v.IsFragment ? new byte[16] : L4(v);
        var ip = v.Family == IpFamily.V4 ? Ipv4(v, l4, id) : Ipv6(v, l4, id);
        var frame = new byte[14 + ip.Length];
        WriteMac(frame.AsSpan(0), k.DestinationMac);
        WriteMac(frame.AsSpan(6), k.SourceMac);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), v.Family == IpFamily.V4 ? (ushort)0x0800 : (ushort)0x86dd);
        ip.CopyTo(frame, 14);
        return frame;
    }

    /// <summary>skb->len the kernel sees at the IP hooks (IPv4 total length / 40 + IPv6 payload length).</summary>
    public static int IpLength(SetPacket v)
    {
        int l4 = v.IsFragment ? 16 : L4(v).Length;
        return v.Family == IpFamily.V4 ? 20 + l4 : 40 + (v.IsFragment ? 8 : 0) + l4;
    }

    private static void WriteMac(Span<byte> b, MacAddress m)
    {
        for (int i = 0; i < 6; i++) b[i] = (byte)(m.Value >> (8 * (5 - i)));
    }

    private static byte[] L4(SetPacket v)
    {
        switch (v.Protocol)
        {
            case Protocols.Udp:
            {
                var b = new byte[12];
                BinaryPrimitives.WriteUInt16BigEndian(b, v.SourcePort);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), v.DestinationPort);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), (ushort)b.Length);
                "nfw!"u8.CopyTo(b.AsSpan(8));
                var c = Checksum(b, Pseudo(v, b.Length));
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), c == 0 ? (ushort)0xffff : c);
                return b;
            }
            case Protocols.Tcp:
            {
                var b = new byte[20];
                BinaryPrimitives.WriteUInt16BigEndian(b, v.SourcePort);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), v.DestinationPort);
                BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), 1000);
                b[12] = 0x50; b[13] = 0x02; // SYN
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(14), 64240);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(16), Checksum(b, Pseudo(v, b.Length)));
                return b;
            }
            case Protocols.Icmp or Protocols.Icmpv6:
            {
                var b = new byte[8];
                b[0] = v.IcmpType; b[1] = v.IcmpCode;
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), 0x4e46);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), 1);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), Checksum(b, v.Protocol == Protocols.Icmpv6 ? Pseudo(v, b.Length) : 0));
                return b;
            }
            case Protocols.Sctp:
            {
                var b = new byte[12]; // common header only; the CRC32c is checked by sctp_rcv, after netfilter
                BinaryPrimitives.WriteUInt16BigEndian(b, v.SourcePort);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), v.DestinationPort);
                BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), 0x12345678);
                return b;
            }
            default:
            {
                var b = new byte[8]; // GRE: no flags, protocol 0x0800, a few bytes of payload
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), 0x0800);
                return b;
            }
        }
    }

    private static byte[] Ipv4(SetPacket v, byte[] l4, ushort id)
    {
        var b = new byte[20 + l4.Length];
        b[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)b.Length);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), id);
        if (v.IsFragment) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), 0x0003); // offset 24 bytes, last fragment
        b[8] = 64; b[9] = v.Protocol;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(12), v.Source.V4);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(16), v.Destination.V4);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(10), Checksum(b.AsSpan(0, 20), 0));
        l4.CopyTo(b, 20);
        return b;
    }

    private static byte[] Ipv6(SetPacket v, byte[] l4, ushort id)
    {
        int ext = v.IsFragment ? 8 : 0;
        var b = new byte[40 + ext + l4.Length];
        b[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), (ushort)(ext + l4.Length));
        b[6] = v.IsFragment ? (byte)44 : v.Protocol;
        b[7] = 64;
        BinaryPrimitives.WriteUInt128BigEndian(b.AsSpan(8), v.Source.Value);
        BinaryPrimitives.WriteUInt128BigEndian(b.AsSpan(24), v.Destination.Value);
        if (v.IsFragment)
        {
            b[40] = v.Protocol;
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(42), 3 << 3); // offset 24 bytes, no more fragments
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(44), id);
        }
        l4.CopyTo(b, 40 + ext);
        return b;
    }

    private static uint Pseudo(SetPacket v, int length)
    {
        uint sum = 0;
        void Add(UInt128 a, int bytes) { for (int i = 0; i < bytes / 2; i++) sum += (uint)(ushort)(a >> (16 * i)); }
        Add(v.Source.Value, v.Family == IpFamily.V4 ? 4 : 16);
        Add(v.Destination.Value, v.Family == IpFamily.V4 ? 4 : 16);
        return sum + v.Protocol + (uint)length;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint sum)
    {
        for (int i = 0; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if ((data.Length & 1) != 0) sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    // ------------------------------------------------------------------------------------------ AF_PACKET

    private const int AfPacket = 17, SockRaw = 3;

    [DllImport("libc", SetLastError = true)] private static extern int socket(int domain, int type, int protocol);
    [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
    [DllImport("libc", SetLastError = true)] private static extern uint if_nametoindex(string name);
    [DllImport("libc", SetLastError = true)] private static extern nint sendto(int fd, byte[] buf, nint len, int flags, byte[] addr, int addrlen);

    /// <summary>Sends frames out of <paramref name="iface"/>; must run on a thread that has entered the namespace.</summary>
    public static void Send(string iface, IEnumerable<byte[]> frames)
    {
        int fd = socket(AfPacket, SockRaw, 0);
        if (fd < 0) throw new InvalidOperationException($"socket(AF_PACKET) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            uint index = if_nametoindex(iface);
            if (index == 0) throw new InvalidOperationException($"no interface {iface} in this namespace");
            var sll = new byte[20]; // struct sockaddr_ll
            BinaryPrimitives.WriteUInt16LittleEndian(sll, AfPacket);
            BinaryPrimitives.WriteInt32LittleEndian(sll.AsSpan(4), (int)index);
            sll[11] = 6;
            foreach (var f in frames)
            {
                Array.Copy(f, 0, sll, 12, 6); // destination MAC
                if (sendto(fd, f, f.Length, 0, sll, sll.Length) != f.Length)
                    throw new InvalidOperationException($"sendto({iface}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally { close(fd); }
    }
}
