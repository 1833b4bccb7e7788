using System.Net;
using System.Net.Sockets;
using System.Text;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Kernel;

/// <summary>Sends one crafted packet from the current network namespace out of a named interface (raw socket, IP_HDRINCL).</summary>
public static class PacketSender
{
    private const int SolSocket = 1, SoBindToDevice = 25, SoMark = 36;

    public static void Send(PacketSpec p, string iface, ushort ipId, uint seq = 1000, uint ack = 0)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw);
        if (iface.Length > 0) s.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes(iface + "\0"));
        // a locally generated packet's mark is its socket's SO_MARK (raw_send_hdrinc: sockc.mark = sk->sk_mark), used by
        // its route lookup and seen by OUTPUT; e.g. a tunnel's outer packet carrying the inner packet's mark
        else if (p.Mark != 0) s.SetRawSocketOption(SolSocket, SoMark, BitConverter.GetBytes(p.Mark));
        var bytes = RawPacket.Build(p, ipId, seq, ack);
        s.SendTo(bytes, new IPEndPoint(new IPAddress(bytes.AsSpan(16, 4)), 0));
    }
}
