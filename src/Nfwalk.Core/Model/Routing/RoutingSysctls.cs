using System.Collections.Frozen;
using System.Globalization;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Routing;

/// <summary>
/// The sysctls that change routing decisions, as <c>sysctl -a</c> prints them ("net.ipv4.ip_forward = 1",
/// "net.ipv4.conf.eth0.rp_filter = 2"). Per-interface values combine with "all" the way the kernel's IN_DEV_* macros do.
/// An interface without its own line takes the "default" value (what a new interface is created with).
/// </summary>
public sealed class RoutingSysctls
{
    public static readonly RoutingSysctls Empty = new(new Dictionary<string, string>());

    private readonly FrozenDictionary<string, string> _values;

    public RoutingSysctls(IReadOnlyDictionary<string, string> values) => _values = values.ToFrozenDictionary(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Values => _values;
    public bool IsEmpty => _values.Count == 0;

    public string? Raw(string key) => _values.TryGetValue(key, out var v) ? v : null;

    public int? Int(string key) => _values.TryGetValue(key, out var v) && int.TryParse(v.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static string Proto(IpFamily f) => f == IpFamily.V4 ? "ipv4" : "ipv6";

    /// <summary>net.ipv4.conf.DEV.NAME, else net.ipv4.conf.default.NAME; null when neither is known.</summary>
    public int? DeviceConf(IpFamily family, string device, string name) => OwnConf(family, device, name) ?? Int($"net.{Proto(family)}.conf.default.{name}");

    // sysctl prints a dot in an interface name as "/" (eth0/100); a key built from /proc paths keeps the dot
    private int? OwnConf(IpFamily family, string device, string name)
        => Int($"net.{Proto(family)}.conf.{device.Replace('.', '/')}.{name}") ?? (device.Contains('.') ? Int($"net.{Proto(family)}.conf.{device}.{name}") : null);

    public int? AllConf(IpFamily family, string name) => Int($"net.{Proto(family)}.conf.all.{name}");

    /// <summary>IN_DEV_MAXCONF: the larger of "all" and the device's value (rp_filter).</summary>
    public int? MaxConf(IpFamily family, string device, string name)
    {
        var all = AllConf(family, name); var dev = DeviceConf(family, device, name);
        return all is null && dev is null ? null : Math.Max(all ?? 0, dev ?? 0);
    }

    /// <summary>IN_DEV_ORCONF: set when "all" or the device has it (accept_local, src_valid_mark, route_localnet, send_redirects).</summary>
    public bool? OrConf(IpFamily family, string device, string name)
    {
        var all = AllConf(family, name); var dev = DeviceConf(family, device, name);
        return all is null && dev is null ? null : (all ?? 0) != 0 || (dev ?? 0) != 0;
    }

    /// <summary>net.ipv4.ip_forward.</summary>
    public int? IpForward => Int("net.ipv4.ip_forward");

    /// <summary>IN_DEV_FORWARD: the device's own "forwarding" (net.ipv4.ip_forward sets it on every device).</summary>
    public bool? Forwarding(IpFamily family, string device)
    {
        var v = OwnConf(family, device, "forwarding")
                ?? (family == IpFamily.V4 ? IpForward : null)
                ?? AllConf(family, "forwarding");
        return v is null ? null : v != 0;
    }

    /// <summary>rp_filter as the kernel applies it to packets received on <paramref name="device"/>: max(all, device).</summary>
    public int? RpFilter(string device) => MaxConf(IpFamily.V4, device, "rp_filter");
}
