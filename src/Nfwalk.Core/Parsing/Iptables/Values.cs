using System.Globalization;
using System.Text;
using Nfwalk.Model.Net;

namespace Nfwalk.Parsing.Iptables;

/// <summary>Value syntax shared by iptables extensions (libxtables: xtables_strtoui, xtables_parse_mark_mask, port parsing).</summary>
public static class Values
{
    /// <summary>strtoul with base 0: 0x.. hex, 0.. octal, otherwise decimal; the whole text must be used.</summary>
    public static bool TryUInt(ReadOnlySpan<char> s, out uint value, uint max = uint.MaxValue)
    {
        value = 0;
        if (s.IsEmpty) return false;
        ulong v = 0;
        int i = 0; int b = 10;
        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { b = 16; i = 2; }
        else if (s.Length > 1 && s[0] == '0') { b = 8; i = 1; }
        for (; i < s.Length; i++)
        {
            int d = s[i] switch
            {
                >= '0' and <= '9' => s[i] - '0',
                >= 'a' and <= 'f' => s[i] - 'a' + 10,
                >= 'A' and <= 'F' => s[i] - 'A' + 10,
                _ => 99,
            };
            if (d >= b) return false;
            v = v * (ulong)b + (ulong)d;
            if (v > max) return false;
        }
        value = (uint)v;
        return true;
    }

    /// <summary>"V" or "V/M" as xtables_parse_mark_mask reads it; the mask defaults to 0xffffffff.</summary>
    public static bool TryMarkMask(ReadOnlySpan<char> s, out uint value, out uint mask, out bool hasMask)
    {
        int slash = s.IndexOf('/');
        hasMask = slash >= 0;
        mask = uint.MaxValue;
        if (!hasMask) return TryUInt(s, out value);
        return TryUInt(s[..slash], out value) & TryUInt(s[(slash + 1)..], out mask);
    }

    /// <summary>
    /// A floating-point number as double.TryParse reads it with NumberStyles.Float and the invariant culture (as strtod
    /// reads what iptables-save prints). Plain decimals of at most 15 digits ("0.33333333333", kube-proxy's probabilities)
    /// are read directly: the digits as an integer divided by a power of ten, both exact in a double, is the correctly
    /// rounded value the general parser gives (Clinger's fast path), at a tenth of its cost; anything else goes to it.
    /// </summary>
    public static bool TryDouble(ReadOnlySpan<char> s, out double value)
    {
        long digits = 0;
        int count = 0, fraction = -1;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c >= '0' && c <= '9') { digits = digits * 10 + (c - '0'); count++; if (fraction >= 0) fraction++; }
            else if (c == '.' && fraction < 0) fraction = 0;
            else { count = 16; break; }
        }
        if (count == 0 || count > 15) return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        value = fraction > 0 ? digits / Pow10[fraction] : digits;
        return true;
    }

    private static readonly double[] Pow10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    public static string Hex(uint v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>A port number or a service name from the small table every distribution ships in /etc/services.</summary>
    public static bool TryPort(ReadOnlySpan<char> s, out ushort port)
    {
        port = 0;
        if (s.IsEmpty) return false;
        if (char.IsAsciiDigit(s[0]))
        {
            if (!DecimalDigits.TryParse(s, out var v) || v > 65535) return false;
            port = (ushort)v; return true;
        }
        if (Services.TryGetValue(s.ToString(), out var p)) { port = p; return true; }
        return false;
    }

    /// <summary>"A", "A:B", ":B" (from 0), "A:" (to 65535), as xtables_parse_port_range / parse_ports read them.</summary>
    public static bool TryPortRange(ReadOnlySpan<char> s, out PortRange range, out string? error)
    {
        range = default; error = null;
        int colon = s.IndexOf(':');
        if (colon < 0)
        {
            if (!TryPort(s, out var p)) { error = $"invalid port/service `{Trunc(s)}' specified"; return false; }
            range = new PortRange(p, p); return true;
        }
        ushort lo = 0, hi = 65535;
        if (colon > 0 && !TryPort(s[..colon], out lo)) { error = $"invalid port/service `{Trunc(s[..colon])}' specified"; return false; }
        if (colon < s.Length - 1 && !TryPort(s[(colon + 1)..], out hi)) { error = $"invalid port/service `{Trunc(s[(colon + 1)..])}' specified"; return false; }
        if (lo > hi) { error = $"invalid port range {lo}:{hi}: the first port is greater than the second"; return false; }
        range = new PortRange(lo, hi); return true;
    }

    public static string Trunc(ReadOnlySpan<char> s, int max = 60)
        => s.Length <= max ? s.ToString() : string.Concat(s[..max], $"... ({s.Length} characters)");

    /// <summary>xtables_save_string: bare when only [A-Za-z0-9_-], otherwise double-quoted with " \ ' escaped.</summary>
    public static void AppendSaveString(StringBuilder sb, string value)
    {
        sb.Append(' ');
        bool bare = value.Length > 0;
        foreach (var c in value)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-')) { bare = false; break; }
        if (bare) { sb.Append(value); return; }
        sb.Append('"');
        foreach (var c in value)
        {
            if (c == '"' || c == '\\' || c == '\'') sb.Append('\\');
            sb.Append(c);
        }
        sb.Append('"');
    }

    public static readonly Dictionary<string, ushort> Services = new(StringComparer.Ordinal)
    {
        ["ftp-data"] = 20, ["ftp"] = 21, ["ssh"] = 22, ["telnet"] = 23, ["smtp"] = 25, ["domain"] = 53,
        ["bootps"] = 67, ["bootpc"] = 68, ["tftp"] = 69, ["http"] = 80, ["www"] = 80, ["kerberos"] = 88,
        ["pop3"] = 110, ["sunrpc"] = 111, ["ntp"] = 123, ["netbios-ns"] = 137, ["netbios-dgm"] = 138,
        ["netbios-ssn"] = 139, ["imap2"] = 143, ["imap"] = 143, ["snmp"] = 161, ["snmp-trap"] = 162, ["bgp"] = 179,
        ["ldap"] = 389, ["https"] = 443, ["microsoft-ds"] = 445, ["isakmp"] = 500, ["syslog"] = 514,
        ["submission"] = 587, ["ldaps"] = 636, ["rsync"] = 873, ["imaps"] = 993, ["pop3s"] = 995,
        ["openvpn"] = 1194, ["ms-sql-s"] = 1433, ["mysql"] = 3306, ["postgresql"] = 5432, ["ipp"] = 631,
        ["nfs"] = 2049, ["ipsec-nat-t"] = 4500, ["sip"] = 5060, ["x11"] = 6000, ["http-alt"] = 8080,
        ["webcache"] = 8080, ["dhcpv6-client"] = 546, ["dhcpv6-server"] = 547, ["domain-s"] = 853,
        ["mdns"] = 5353, ["redis"] = 6379, ["kerberos-adm"] = 749, ["radius"] = 1812, ["radius-acct"] = 1813,
    };
}

/// <summary>An inclusive port range; a single port has First == Last.</summary>
public readonly record struct PortRange(ushort First, ushort Last)
{
    public bool IsAll => First == 0 && Last == 65535;
    public bool IsSingle => First == Last;
    public bool Contains(int port) => port >= First && port <= Last;
    /// <summary>As the tcp/udp modules save it: "N" or "A:B".</summary>
    public override string ToString() => IsSingle ? First.ToString(CultureInfo.InvariantCulture) : $"{First}:{Last}";
}
