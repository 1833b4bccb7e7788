namespace Nfwalk.Parsing.Ipset;

/// <summary>
/// Service names the ipset tool resolves through /etc/services when a port is written by name ("tcp:ssh").
/// ipset save always prints numbers, so only hand-written input needs this; the common names are built in so results
/// do not depend on the machine nfwalk runs on.
/// </summary>
internal static class ServiceNames
{
    private static readonly Dictionary<string, ushort> Ports = new(StringComparer.Ordinal)
    {
        ["ftp-data"] = 20, ["ftp"] = 21, ["ssh"] = 22, ["telnet"] = 23, ["smtp"] = 25, ["domain"] = 53, ["bootps"] = 67,
        ["bootpc"] = 68, ["tftp"] = 69, ["http"] = 80, ["www"] = 80, ["kerberos"] = 88, ["pop3"] = 110, ["sunrpc"] = 111,
        ["ntp"] = 123, ["netbios-ns"] = 137, ["netbios-dgm"] = 138, ["netbios-ssn"] = 139, ["imap2"] = 143, ["imap"] = 143,
        ["snmp"] = 161, ["snmp-trap"] = 162, ["bgp"] = 179, ["ldap"] = 389, ["https"] = 443, ["microsoft-ds"] = 445,
        ["isakmp"] = 500, ["syslog"] = 514, ["submission"] = 587, ["ldaps"] = 636, ["imaps"] = 993, ["pop3s"] = 995,
        ["openvpn"] = 1194, ["mysql"] = 3306, ["ipsec-nat-t"] = 4500, ["postgresql"] = 5432, ["domain-s"] = 853,
    };

    public static bool TryGet(string name, out ushort port) => Ports.TryGetValue(name, out port);
}
