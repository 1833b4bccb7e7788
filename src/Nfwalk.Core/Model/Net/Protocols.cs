using System.Globalization;

namespace Nfwalk.Model.Net;

/// <summary>IP protocol numbers and the names iptables prints for them (netbase /etc/protocols).</summary>
public static class Protocols
{
    public const byte Icmp = 1, Igmp = 2, Tcp = 6, Udp = 17, Gre = 47, Esp = 50, Ah = 51, Icmpv6 = 58, Sctp = 132, Udplite = 136, Dccp = 33, Mh = 135;

    private static readonly (string Name, byte Number)[] Table =
    [
        ("icmp", 1), ("igmp", 2), ("ggp", 3), ("ipencap", 4), ("st", 5), ("tcp", 6), ("egp", 8), ("igp", 9), ("pup", 12),
        ("udp", 17), ("hmp", 20), ("xns-idp", 22), ("rdp", 27), ("iso-tp4", 29), ("dccp", 33), ("xtp", 36), ("ddp", 37),
        ("idpr-cmtp", 38), ("ipv6", 41), ("ipv6-route", 43), ("ipv6-frag", 44), ("idrp", 45), ("rsvp", 46), ("gre", 47),
        ("esp", 50), ("ah", 51), ("skip", 57), ("ipv6-icmp", 58), ("ipv6-nonxt", 59), ("ipv6-opts", 60), ("rspf", 73),
        ("vmtp", 81), ("eigrp", 88), ("ospf", 89), ("ax.25", 93), ("ipip", 94), ("etherip", 97), ("encap", 98),
        ("pim", 103), ("ipcomp", 108), ("vrrp", 112), ("l2tp", 115), ("isis", 124), ("sctp", 132), ("fc", 133),
        ("mobility-header", 135), ("udplite", 136), ("mpls-in-ip", 137), ("manet", 138), ("hip", 139), ("shim6", 140),
        ("wesp", 141), ("rohc", 142), ("ethernet", 143),
    ];

    private static readonly Dictionary<string, byte> ByName = BuildByName();
    private static Dictionary<string, byte> BuildByName()
    {
        var d = new Dictionary<string, byte>(StringComparer.OrdinalIgnoreCase);
        foreach (var (n, v) in Table) d.TryAdd(n, v);
        d["icmpv6"] = 58; d["ipv6-icmp"] = 58; d["mh"] = 135;
        return d;
    }

    /// <summary>Name for -p as iptables-save prints it (xtables_chain_protos first, then /etc/protocols).</summary>
    public static string Name(byte number) => number switch
    {
        6 => "tcp", 17 => "udp", 1 => "icmp", 58 => "ipv6-icmp", 132 => "sctp", 136 => "udplite", 50 => "esp", 51 => "ah", 135 => "mh",
        _ => Array.Find(Table, e => e.Number == number).Name ?? number.ToString(CultureInfo.InvariantCulture),
    };

    public static bool TryParse(ReadOnlySpan<char> s, out byte number, out bool all)
    {
        all = false; number = 0;
        // the spellings iptables-save prints for nearly every rule, before the number parse and the name table
        if (s is "tcp") { number = Tcp; return true; }
        if (s is "udp") { number = Udp; return true; }
        if (s.Equals("all", StringComparison.OrdinalIgnoreCase)) { all = true; return true; }
        if (uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            if (n > 255) return false;
            if (n == 0) all = true;
            number = (byte)n; return true;
        }
        if (ByName.TryGetValue(s.ToString(), out number)) return true;
        return false;
    }

    public static bool HasPorts(byte p) => p is Tcp or Udp or Sctp or Dccp or Udplite;
}
