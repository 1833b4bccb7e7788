using System.Globalization;
using System.Text;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Routing;

/// <summary>The kernel's route types (include/uapi/linux/rtnetlink.h RTN_*), as "ip route" prints them before the prefix.</summary>
public enum RouteType : byte
{
    Unspec = 0,
    Unicast = 1,
    Local = 2,
    Broadcast = 3,
    Anycast = 4,
    Multicast = 5,
    Blackhole = 6,
    Unreachable = 7,
    Prohibit = 8,
    Throw = 9,
    Nat = 10,
    XResolve = 11,
}

public static class RouteTypeNames
{
    public static string Name(this RouteType t) => t.ToString().ToLowerInvariant();

    public static bool TryParse(ReadOnlySpan<char> s, out RouteType type)
    {
        type = s switch
        {
            "unicast" => RouteType.Unicast,
            "local" => RouteType.Local,
            "broadcast" => RouteType.Broadcast,
            "anycast" => RouteType.Anycast,
            "multicast" => RouteType.Multicast,
            "blackhole" => RouteType.Blackhole,
            "unreachable" => RouteType.Unreachable,
            "prohibit" => RouteType.Prohibit,
            "throw" => RouteType.Throw,
            "nat" => RouteType.Nat,
            "xresolve" => RouteType.XResolve,
            _ => RouteType.Unspec,
        };
        return type != RouteType.Unspec;
    }

    /// <summary>Types that end a lookup with an error (fib_props[].error &lt; 0) rather than a path.</summary>
    public static bool IsReject(this RouteType t) => t is RouteType.Blackhole or RouteType.Unreachable or RouteType.Prohibit or RouteType.Throw or RouteType.Nat or RouteType.XResolve;
}

/// <summary>One path of a route: gateway (null for a directly connected destination), device, weight and flags.</summary>
public sealed record NextHop(IpAddress? Gateway, string? Device, int Weight, bool OnLink, IReadOnlyList<string> Flags)
{
    public bool IsDead => Flags.Contains("dead");
    public bool IsLinkDown => Flags.Contains("linkdown");

    public override string ToString()
        => (Gateway is { } g ? $"via {g}" : "") + (Device is { } d ? (Gateway is null ? "" : " ") + $"dev {d}" : "") + (Weight != 1 ? $" weight {Weight}" : "") + (OnLink ? " onlink" : "");
}

/// <summary>
/// One route of a routing table (<c>ip route show table all</c>): type, destination prefix, gateway or device (or several
/// weighted next hops), scope, protocol, preferred source, metric and the table it lives in.
/// <see cref="Scope"/> is what the dump said; iproute2 omits "scope global", so an absent scope is global.
/// </summary>
public sealed record Route
{
    public RouteTableId Table { get; init; } = RouteTableId.Main;
    public RouteType Type { get; init; } = RouteType.Unicast;
    public required IpPrefix Destination { get; init; }
    /// <summary>IPv6 source-specific routing ("from PREFIX"); IPv4 routes never have it.</summary>
    public IpPrefix? SourcePrefix { get; init; }
    /// <summary>The "tos" of the route (0 = any).</summary>
    public byte Tos { get; init; }
    public IpAddress? Gateway { get; init; }
    public string? Device { get; init; }
    public bool OnLink { get; init; }
    public Scope Scope { get; init; } = Scope.Global;
    public string? Protocol { get; init; }
    /// <summary>The "src" of the route (the kernel's fib_prefsrc).</summary>
    public IpAddress? PreferredSource { get; init; }
    public uint Metric { get; init; }
    /// <summary>Multipath routes list their paths here (Gateway/Device of the route itself are then null).</summary>
    public IReadOnlyList<NextHop> NextHops { get; init; } = [];
    public IReadOnlyList<string> Flags { get; init; } = [];
    /// <summary>IPv6 router preference ("pref medium").</summary>
    public string? Preference { get; init; }
    public uint? NextHopId { get; init; }
    /// <summary>Other attributes kept as printed ("mtu 1400", "realm 5", "expires 300sec").</summary>
    public IReadOnlyList<string> Attributes { get; init; } = [];
    public IReadOnlyList<string> UnknownWords { get; init; } = [];
    public SourceLocation Location { get; init; } = SourceLocation.None;

    public IpFamily Family => Destination.Family;
    public bool IsMultipath => NextHops.Count > 0;
    public bool IsDead => Flags.Contains("dead");

    /// <summary>The paths of the route: its next hops, or the single path of gateway/device.</summary>
    public IReadOnlyList<NextHop> Paths => NextHops.Count > 0 ? NextHops : [new NextHop(Gateway, Device, 1, OnLink, Flags)];

    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Type != RouteType.Unicast) sb.Append(Type.Name()).Append(' ');
        sb.Append(Destination.Length == 0 ? "default" : Destination.IsHost ? Destination.Address.ToString() : new IpPrefix(Destination.Network, Destination.Length).ToString());
        if (SourcePrefix is { } sp) sb.Append(" from ").Append(sp);
        if (Tos != 0) sb.Append(" tos 0x").Append(Tos.ToString("x2", CultureInfo.InvariantCulture));
        if (Gateway is { } g) sb.Append(" via ").Append(g);
        if (Device is { } d) sb.Append(" dev ").Append(d);
        if (!Table.IsMain) sb.Append(" table ").Append(Table.Name);
        if (Protocol is { } p) sb.Append(" proto ").Append(p);
        if (Scope != Scope.Global) sb.Append(" scope ").Append(Scope.Name());
        if (PreferredSource is { } s) sb.Append(" src ").Append(s);
        if (Metric != 0) sb.Append(" metric ").Append(Metric);
        if (OnLink) sb.Append(" onlink");
        foreach (var nh in NextHops) sb.Append(" nexthop ").Append(nh);
        return sb.ToString();
    }
}
