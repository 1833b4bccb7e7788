using System.Buffers.Binary;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Kernel;

/// <summary>Builds the bytes of a crafted IPv4 packet (header, TCP/UDP/ICMP, checksums) for a raw socket.</summary>
public static class RawPacket
{
    public static byte[] Build(PacketSpec p, ushort ipId, uint seq = 1000, uint ack = 0)
    {
        if (!p.Source.IsV4) throw new NotSupportedException("only IPv4 packets can be crafted so far");
        int l4Len = p.Protocol switch { Protocols.Tcp => 20, Protocols.Udp => 8, Protocols.Icmp => 8, _ => 0 };
        var b = new byte[20 + l4Len];
        b[0] = 0x45; b[1] = p.Tos;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)b.Length);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), ipId);
        b[8] = 64; b[9] = p.Protocol;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(12), p.Source.V4);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(16), p.Destination.V4);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(10), Checksum(b.AsSpan(0, 20), 0));
        var l4 = b.AsSpan(20);
        switch (p.Protocol)
        {
            case Protocols.Tcp:
                BinaryPrimitives.WriteUInt16BigEndian(l4, p.SourcePort);
                BinaryPrimitives.WriteUInt16BigEndian(l4[2..], p.DestinationPort);
                BinaryPrimitives.WriteUInt32BigEndian(l4[4..], seq);
                BinaryPrimitives.WriteUInt32BigEndian(l4[8..], (p.TcpFlags & Model.Matches.TcpFlags.Ack) != 0 ? ack : 0u);
                l4[12] = 0x50; l4[13] = (byte)p.TcpFlags;
                BinaryPrimitives.WriteUInt16BigEndian(l4[14..], 64240);
                BinaryPrimitives.WriteUInt16BigEndian(l4[16..], Checksum(l4, Pseudo(p, l4.Length)));
                break;
            case Protocols.Udp:
                BinaryPrimitives.WriteUInt16BigEndian(l4, p.SourcePort);
                BinaryPrimitives.WriteUInt16BigEndian(l4[2..], p.DestinationPort);
                BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)l4.Length);
                BinaryPrimitives.WriteUInt16BigEndian(l4[6..], Checksum(l4, Pseudo(p, l4.Length)));
                break;
            case Protocols.Icmp:
                l4[0] = p.IcmpType; l4[1] = p.IcmpCode;
                BinaryPrimitives.WriteUInt16BigEndian(l4[4..], 0x1234);
                BinaryPrimitives.WriteUInt16BigEndian(l4[6..], 1);
                BinaryPrimitives.WriteUInt16BigEndian(l4[2..], Checksum(l4, 0));
                break;
        }
        return b;
    }

    private static uint Pseudo(PacketSpec p, int len)
        => (p.Source.V4 >> 16) + (p.Source.V4 & 0xffff) + (p.Destination.V4 >> 16) + (p.Destination.V4 & 0xffff) + p.Protocol + (uint)len;

    private static ushort Checksum(ReadOnlySpan<byte> data, uint sum)
    {
        for (int i = 0; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if ((data.Length & 1) != 0) sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        var c = (ushort)~sum;
        return c == 0 ? (ushort)0xffff : c;
    }
}
