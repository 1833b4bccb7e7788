using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;

namespace Nfwalk.Semantics.Routing;

/// <summary>
/// Source address selection for locally generated packets.
/// <para>IPv4 follows net/ipv4/devinet.c <c>inet_select_addr(dev, dst, scope)</c>: on <c>dev</c>, the first primary
/// (non-secondary) address whose scope is at least as wide as <c>scope</c> (min(address scope, host — or link with
/// route_localnet) &lt;= scope) and whose subnet contains <c>dst</c> (the gateway); failing that, the first such address
/// regardless of subnet; failing that (no usable address on the device), the first primary address of suitable scope on
/// any interface, in interface order (lo first). The route's own <c>src</c> wins over all of this
/// (fib_result_prefsrc: fib_prefsrc, else inet_select_addr(nexthop dev, nexthop gateway, route scope)).</para>
/// <para>IPv6 follows the rules of RFC 6724 that the kernel's <c>ipv6_dev_get_saddr</c> applies and that a dump can
/// decide: the same address, appropriate scope, not deprecated, the outgoing interface, the longest matching prefix;
/// tentative and dadfailed addresses are never used. Address labels, temporary-address preference and the
/// "home address" rule are not modelled.</para>
/// </summary>
public static class SourceAddress
{
    /// <summary>inet_select_addr: null when no interface has a usable address.</summary>
    public static IpAddress? InetSelectAddr(RoutingState state, string? device, IpAddress? dst, Scope scope, out string how)
    {
        var dev = device is null ? null : state.Interface(device);
        if (dev is not null)
        {
            var localnet = LocalnetScope(state, dev.Name);
            IpAddress? first = null;
            foreach (var a in dev.Addresses)
            {
                if (a.Family != IpFamily.V4 || a.Secondary) continue;
                if (Math.Min((byte)a.Scope, (byte)localnet) > (byte)scope) continue;
                if (dst is not { } d || d.V4 == 0 || a.Subnet.Contains(d))
                {
                    how = dst is { } dd && dd.V4 != 0
                        ? $"the first primary address of {dev.Name} in the gateway's subnet {a.Subnet} (inet_select_addr, scope {scope.Name()})"
                        : $"the first primary address of {dev.Name} with scope {scope.Name()} or wider (inet_select_addr)";
                    return a.Local;
                }
                first ??= a.Local;
            }
            if (first is { } f)
            {
                how = $"the first primary address of {dev.Name} with scope {scope.Name()} or wider; none is in {dst}'s subnet (inet_select_addr)";
                return f;
            }
        }
        // no usable address on the device: any interface's, in device order, lo first (in_dev_select_addr)
        foreach (var i in state.Interfaces.OrderBy(i => i.IsLoopback ? 0 : 1))
        {
            var localnet = LocalnetScope(state, i.Name);
            foreach (var a in i.Addresses)
            {
                if (a.Family != IpFamily.V4 || a.Secondary) continue;
                if (Math.Min((byte)a.Scope, (byte)localnet) <= (byte)scope)
                {
                    how = $"{(dev is null ? $"{device ?? "the device"} is unknown" : $"{dev.Name} has no address of scope {scope.Name()} or wider")}: the first such address of any interface, on {i.Name} (inet_select_addr)";
                    return a.Local;
                }
            }
        }
        how = $"no interface has an IPv4 address of scope {scope.Name()} or wider";
        return null;
    }

    private static Scope LocalnetScope(RoutingState state, string dev)
        => state.Sysctls.OrConf(IpFamily.V4, dev, "route_localnet") == true ? Scope.Link : Scope.Host;

    /// <summary>RFC 6724 scope of an IPv6 address (ipv6_addr_scope): 1 interface-local/loopback, 2 link, 5 site, 14 global.</summary>
    public static int V6Scope(IpAddress a)
    {
        var v = a.Value;
        if (v == 1) return 1;
        if ((v >> 118) == 0x3fa) return 2; // fe80::/10
        if ((v >> 118) == 0x3fb) return 5; // fec0::/10 (deprecated site-local)
        if ((v >> 120) == 0xff) return (int)((v >> 112) & 0xf); // multicast scope nibble
        return 14;
    }

    private static int CommonPrefix(IpAddress a, IpAddress b)
    {
        var x = a.Value ^ b.Value;
        if (x == UInt128.Zero) return 128;
        return (int)UInt128.LeadingZeroCount(x);
    }

    /// <summary>ipv6_dev_get_saddr, for the rules a dump can decide (see the class remarks).</summary>
    public static IpAddress? V6SelectAddr(RoutingState state, string? device, IpAddress dst, out string how)
    {
        int dstScope = V6Scope(dst);
        var candidates = new List<(IpAddress Addr, string Dev, InterfaceAddress Info)>();
        foreach (var i in state.Interfaces)
        {
            // link-local and multicast link-scope destinations only consider the outgoing device
            if (dstScope <= 2 && device is not null && i.Name != device) continue;
            foreach (var a in i.Addresses)
                if (a.Family == IpFamily.V6 && !a.Tentative && !a.DadFailed) candidates.Add((a.Local, i.Name, a));
        }
        if (candidates.Count == 0) { how = "no usable IPv6 address"; return null; }
        int Compare((IpAddress Addr, string Dev, InterfaceAddress Info) x, (IpAddress Addr, string Dev, InterfaceAddress Info) y)
        {
            // rule 1: the destination itself
            if ((x.Addr == dst) != (y.Addr == dst)) return x.Addr == dst ? -1 : 1;
            // rule 2: appropriate scope
            int sx = V6Scope(x.Addr), sy = V6Scope(y.Addr);
            if (sx != sy)
            {
                if (sx < sy) return sx >= dstScope ? -1 : 1;
                return sy >= dstScope ? 1 : -1;
            }
            // rule 3: avoid deprecated
            if (x.Info.Deprecated != y.Info.Deprecated) return x.Info.Deprecated ? 1 : -1;
            // rule 5: the outgoing interface
            if (device is not null && (x.Dev == device) != (y.Dev == device)) return x.Dev == device ? -1 : 1;
            // rule 8: longest matching prefix (only within the address's own prefix length, as the kernel does)
            int px = Math.Min(CommonPrefix(x.Addr, dst), x.Info.PrefixLength), py = Math.Min(CommonPrefix(y.Addr, dst), y.Info.PrefixLength);
            if (px != py) return px > py ? -1 : 1;
            return 0;
        }
        var best = candidates[0];
        foreach (var c in candidates.Skip(1)) if (Compare(c, best) < 0) best = c;
        how = $"{best.Addr} on {best.Dev} (ipv6_dev_get_saddr: same address, scope, not deprecated, outgoing interface, longest prefix)";
        return best.Addr;
    }
}
