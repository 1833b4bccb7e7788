namespace Nfwalk.Model.Ipsets;

/// <summary>
/// The ICMP and ICMPv6 type/code names the ipset tool reads and prints in port elements ("icmp:echo-request").
/// The printed names were read back from ipset v7.17 for every type 0–20 and code 0–16; any other pair prints as
/// "type/code". "ping" and "pong" are accepted on input only.
/// </summary>
public static class IcmpNames
{
    private static readonly (string Name, byte Type, byte Code)[] V4 =
    [
        ("echo-reply", 0, 0), ("network-unreachable", 3, 0), ("host-unreachable", 3, 1), ("protocol-unreachable", 3, 2),
        ("port-unreachable", 3, 3), ("fragmentation-needed", 3, 4), ("source-route-failed", 3, 5),
        ("network-unknown", 3, 6), ("host-unknown", 3, 7), ("network-prohibited", 3, 9), ("host-prohibited", 3, 10),
        ("TOS-network-unreachable", 3, 11), ("TOS-host-unreachable", 3, 12), ("communication-prohibited", 3, 13),
        ("host-precedence-violation", 3, 14), ("precedence-cutoff", 3, 15), ("source-quench", 4, 0),
        ("network-redirect", 5, 0), ("host-redirect", 5, 1), ("TOS-network-redirect", 5, 2), ("TOS-host-redirect", 5, 3),
        ("echo-request", 8, 0), ("router-advertisement", 9, 0), ("router-solicitation", 10, 0),
        ("ttl-zero-during-transit", 11, 0), ("ttl-zero-during-reassembly", 11, 1), ("ip-header-bad", 12, 0),
        ("required-option-missing", 12, 1), ("timestamp-request", 13, 0), ("timestamp-reply", 14, 0),
        ("address-mask-request", 17, 0), ("address-mask-reply", 18, 0),
    ];

    private static readonly (string Name, byte Type, byte Code)[] V6 =
    [
        ("no-route", 1, 0), ("communication-prohibited", 1, 1), ("address-unreachable", 1, 3), ("port-unreachable", 1, 4),
        ("packet-too-big", 2, 0), ("ttl-zero-during-transit", 3, 0), ("ttl-zero-during-reassembly", 3, 1),
        ("bad-header", 4, 0), ("unknown-header-type", 4, 1), ("unknown-option", 4, 2), ("echo-request", 128, 0),
        ("echo-reply", 129, 0), ("router-solicitation", 133, 0), ("router-advertisement", 134, 0),
        ("neighbour-solicitation", 135, 0), ("neighbour-advertisement", 136, 0), ("redirect", 137, 0),
    ];

    /// <summary>The name ipset prints for a type/code pair, or null when it prints "type/code".</summary>
    public static string? NameOf(bool v6, byte type, byte code)
    {
        foreach (var (n, t, c) in v6 ? V6 : V4)
            if (t == type && c == code) return n;
        return null;
    }

    public static bool TryParse(ReadOnlySpan<char> s, bool v6, out byte type, out byte code)
    {
        type = code = 0;
        int slash = s.IndexOf('/');
        if (slash > 0)
            return byte.TryParse(s[..slash], out type) && byte.TryParse(s[(slash + 1)..], out code);
        if (s.Equals("ping", StringComparison.OrdinalIgnoreCase)) { type = v6 ? (byte)128 : (byte)8; return true; }
        if (s.Equals("pong", StringComparison.OrdinalIgnoreCase)) { type = v6 ? (byte)129 : (byte)0; return true; }
        foreach (var (n, t, c) in v6 ? V6 : V4)
            if (s.Equals(n, StringComparison.OrdinalIgnoreCase)) { type = t; code = c; return true; }
        return false;
    }
}
