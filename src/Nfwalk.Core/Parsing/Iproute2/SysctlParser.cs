using Nfwalk.Diagnostics;

namespace Nfwalk.Parsing.Iproute2;

/// <summary>
/// Reads <c>sysctl -a</c> output ("net.ipv4.ip_forward = 1") and sysctl.conf-style "key=value" lines into a key → value map.
/// Comment lines (# or ;) and "sysctl: permission denied ..." complaints are skipped; other lines without "=" are warned about.
/// </summary>
public static class SysctlParser
{
    public static IReadOnlyDictionary<string, string> Parse(string text, string file, DiagnosticBag diagnostics)
    {
        var report = new Reporter(file, diagnostics);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        TextLines.ForEach(text, (lineNo, line) =>
        {
            var t = line.Trim();
            if (t.IsEmpty || t[0] == '#' || t[0] == ';' || t.StartsWith("sysctl:")) return;
            int eq = t.IndexOf('=');
            if (eq <= 0)
            {
                report.Warning(lineNo, line.IndexOf(t[0]) + 1, "expected \"key = value\"; line skipped");
                return;
            }
            var key = t[..eq].Trim().ToString().Replace('/', '.');
            // sysctl prints a dot inside an interface name as "/": net.ipv4.conf.eth0/100.rp_filter is eth0.100
            var raw = t[..eq].Trim().ToString();
            if (raw.StartsWith("net.ipv4.conf.", StringComparison.Ordinal) || raw.StartsWith("net.ipv6.conf.", StringComparison.Ordinal)) key = raw;
            if (key.StartsWith("-", StringComparison.Ordinal)) key = key[1..];
            values[key] = t[(eq + 1)..].Trim().ToString();
        });
        return values;
    }
}
