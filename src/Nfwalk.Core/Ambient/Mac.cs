using System.Security.Cryptography;
using System.Text;
using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

/// <summary>MAC addresses for generated interfaces.</summary>
public static class Mac
{
    /// <summary>Docker's address for a container's eth0: 02:42 followed by the IPv4 address (moby libnetwork
    /// netutils.GenerateMACFromIP), as a kind node's eth0 has.</summary>
    public static string FromIp(IpAddress ip)
    {
        var v = ip.V4;
        return $"02:42:{v >> 24:x2}:{(v >> 16) & 0xff:x2}:{(v >> 8) & 0xff:x2}:{v & 0xff:x2}";
    }

    /// <summary>Veth and GENEVE devices get random locally administered unicast addresses from the kernel; here a stable
    /// one derived from the namespace and interface name, so output is reproducible.</summary>
    public static string Derived(string key)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        h[0] = (byte)((h[0] & 0xfc) | 0x02); // locally administered, unicast
        return string.Join(":", h[..6].Select(b => b.ToString("x2")));
    }
}
