using System.Net;
using System.Net.Sockets;
using System.Text;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Kernel;

/// <summary>Sends one crafted packet from the current network namespace out of a named interface (raw socket, IP_HDRINCL).</summary>
public static class PacketSender
{
    private const int SolSocket = 1, SoBindToDevice = 25;

    public static void Send(PacketSpec p, string iface, ushort ipId, uint seq = 1000, uint ack = 0)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw);
        if (iface.Length > 0) s.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes(iface + "\0"));
        var bytes = RawPacket.Build(p, ipId, seq, ack);
        s.SendTo(bytes, new IPEndPoint(new IPAddress(bytes.AsSpan(16, 4)), 0));
    }
}
