using System.Globalization;
using System.Text;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Routing;

/// <summary>What a policy-routing rule does when its selectors match (include/uapi/linux/fib_rules.h FR_ACT_*).</summary>
public enum RuleAction : byte
{
    /// <summary>FR_ACT_TO_TBL: look the destination up in <see cref="RoutingRule.Table"/>.</summary>
    Lookup,
    /// <summary>FR_ACT_GOTO: continue the walk at the first rule whose pref is <see cref="RoutingRule.GotoTarget"/>.</summary>
    Goto,
    /// <summary>FR_ACT_NOP: do nothing, go on with the next rule.</summary>
    Nop,
    /// <summary>FR_ACT_UNREACHABLE: fail with ENETUNREACH.</summary>
    Unreachable,
    /// <summary>FR_ACT_PROHIBIT: fail with EACCES.</summary>
    Prohibit,
    /// <summary>FR_ACT_BLACKHOLE: fail with EINVAL (the packet is dropped silently).</summary>
    Blackhole,
}

/// <summary>An inclusive port range of an <c>ip rule sport/dport</c> selector.</summary>
public readonly record struct PortRange(ushort Start, ushort End)
{
    public bool Contains(int port) => port >= Start && port <= End;
    public override string ToString() => Start == End ? Start.ToString(CultureInfo.InvariantCulture) : $"{Start}-{End}";
}

/// <summary>An inclusive uid range of an <c>ip rule uidrange</c> selector.</summary>
public readonly record struct UidRange(uint Start, uint End)
{
    public bool Contains(uint uid) => uid >= Start && uid <= End;
    public override string ToString() => $"{Start}-{End}";
}

/// <summary>
/// One policy-routing rule (<c>ip rule</c>): a priority, selectors that must all match (net/core/fib_rules.c
/// <c>fib_rule_match</c>, net/ipv4/fib_rules.c <c>fib4_rule_match</c>), optionally inverted by <c>not</c>, and an action.
/// A null selector is absent (matches everything). <see cref="IifDetached"/>/<see cref="OifDetached"/> mean the named
/// device did not exist when the dump was taken: the kernel then matches no packet on that selector.
/// <see cref="UnknownWords"/> holds words the parser did not understand; <see cref="Problems"/> says which selectors
/// could not be read, so a decision that depends on this rule is not exact.
/// </summary>
public sealed record RoutingRule
{
    public IpFamily Family { get; init; } = IpFamily.V4;
    public uint Priority { get; init; }
    public bool Not { get; init; }
    public IpPrefix? From { get; init; }
    public IpPrefix? To { get; init; }
    /// <summary>The "tos" selector (legacy TOS bits, compared with the packet's TOS &amp; 0x1c).</summary>
    public byte? Tos { get; init; }
    public uint? FwMark { get; init; }
    /// <summary>The fwmark mask; 0xffffffff when only a value was given. Ignored when <see cref="FwMark"/> is null.</summary>
    public uint FwMask { get; init; } = uint.MaxValue;
    public string? Iif { get; init; }
    public bool IifDetached { get; init; }
    public string? Oif { get; init; }
    public bool OifDetached { get; init; }
    public bool L3mdev { get; init; }
    public UidRange? UidRange { get; init; }
    public byte? IpProto { get; init; }
    public PortRange? SourcePorts { get; init; }
    public PortRange? DestinationPorts { get; init; }
    public ulong? TunId { get; init; }
    public RuleAction Action { get; init; } = RuleAction.Lookup;
    /// <summary>The table of a <see cref="RuleAction.Lookup"/> rule (null for <c>l3mdev</c> rules: the VRF's table).</summary>
    public RouteTableId? Table { get; init; }
    public uint? GotoTarget { get; init; }
    /// <summary>The dump said "[unresolved]": no rule had the goto's target pref when it was taken.</summary>
    public bool Unresolved { get; init; }
    /// <summary>suppress_prefixlength N: a route found with a prefix of N bits or fewer is refused (walk continues).</summary>
    public int? SuppressPrefixLength { get; init; }
    public string? SuppressIfGroup { get; init; }
    public string? Realms { get; init; }
    public string? Protocol { get; init; }
    public IReadOnlyList<string> UnknownWords { get; init; } = [];
    public IReadOnlyList<string> Problems { get; init; } = [];
    public SourceLocation Location { get; init; } = SourceLocation.None;

    /// <summary>The kernel's rules in a fresh namespace: 0 lookup local, 32766 lookup main, and for IPv4 32767 lookup default.</summary>
    public static IReadOnlyList<RoutingRule> Defaults(IpFamily family) => family == IpFamily.V4
        ? [new() { Priority = 0, Table = RouteTableId.Local }, new() { Priority = 32766, Table = RouteTableId.Main }, new() { Priority = 32767, Table = RouteTableId.Default }]
        : [new() { Family = IpFamily.V6, Priority = 0, Table = RouteTableId.Local }, new() { Family = IpFamily.V6, Priority = 32766, Table = RouteTableId.Main }];

    /// <summary>True for a rule the kernel installs by itself (the three defaults).</summary>
    public bool IsDefault => Action == RuleAction.Lookup && !Not && From is null && To is null && Tos is null && FwMark is null && Iif is null && Oif is null
        && !L3mdev && UidRange is null && IpProto is null && SourcePorts is null && DestinationPorts is null && TunId is null && SuppressPrefixLength is null && SuppressIfGroup is null
        && ((Priority == 0 && Table is { IsLocal: true }) || (Priority == 32766 && Table is { IsMain: true }) || (Priority == 32767 && Table == RouteTableId.Default && Family == IpFamily.V4));

    /// <summary>The selectors and action the way <c>ip rule show</c> prints them (without the "PREF:" column).</summary>
    public string Selectors
    {
        get
        {
            var sb = new StringBuilder();
            if (Not) sb.Append("not ");
            sb.Append("from ").Append(From is { } f ? Show(f) : "all");
            if (To is { } t) sb.Append(" to ").Append(Show(t));
            if (Tos is { } tos) sb.Append(" tos 0x").Append(tos.ToString("x2", CultureInfo.InvariantCulture));
            if (FwMark is { } m) sb.Append(" fwmark 0x").Append(m.ToString("x", CultureInfo.InvariantCulture)).Append(FwMask != uint.MaxValue ? "/0x" + FwMask.ToString("x", CultureInfo.InvariantCulture) : "");
            if (Iif is not null) sb.Append(" iif ").Append(Iif).Append(IifDetached ? " [detached]" : "");
            if (Oif is not null) sb.Append(" oif ").Append(Oif).Append(OifDetached ? " [detached]" : "");
            if (UidRange is { } u) sb.Append(" uidrange ").Append(u);
            if (IpProto is { } p) sb.Append(" ipproto ").Append(IpProtoNames.Name(p));
            if (SourcePorts is { } sp) sb.Append(" sport ").Append(sp);
            if (DestinationPorts is { } dp) sb.Append(" dport ").Append(dp);
            if (TunId is { } tid) sb.Append(" tun_id ").Append(tid);
            switch (Action)
            {
                case RuleAction.Lookup:
                    sb.Append(" lookup ").Append(L3mdev && Table is null ? "[l3mdev-table]" : (Table ?? RouteTableId.Main).Name);
                    if (SuppressPrefixLength is { } spl) sb.Append(" suppress_prefixlength ").Append(spl);
                    if (SuppressIfGroup is { } sig) sb.Append(" suppress_ifgroup ").Append(sig);
                    break;
                case RuleAction.Goto: sb.Append(" goto ").Append(GotoTarget?.ToString(CultureInfo.InvariantCulture) ?? "none").Append(Unresolved ? " [unresolved]" : ""); break;
                case RuleAction.Nop: sb.Append(" nop"); break;
                default: sb.Append(' ').Append(Action.ToString().ToLowerInvariant()); break;
            }
            return sb.ToString();
        }
    }

    private static string Show(IpPrefix p) => p.IsHost ? p.Address.ToString() : p.ToString();

    public override string ToString() => $"{Priority}:\t{Selectors}";
}

/// <summary>IP protocol numbers and the names iproute2 prints for them (/etc/protocols).</summary>
public static class IpProtoNames
{
    private static readonly Dictionary<string, byte> ByName = new(StringComparer.Ordinal)
    {
        ["ip"] = 0, ["icmp"] = 1, ["igmp"] = 2, ["ipip"] = 4, ["ipencap"] = 4, ["tcp"] = 6, ["egp"] = 8, ["udp"] = 17, ["ipv6"] = 41,
        ["rsvp"] = 46, ["gre"] = 47, ["esp"] = 50, ["ah"] = 51, ["ipv6-icmp"] = 58, ["icmpv6"] = 58, ["ospf"] = 89, ["pim"] = 103,
        ["vrrp"] = 112, ["l2tp"] = 115, ["sctp"] = 132, ["udplite"] = 136, ["mpls-in-ip"] = 137, ["ethernet"] = 143,
    };

    public static bool TryParse(ReadOnlySpan<char> s, out byte proto)
    {
        if (byte.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out proto)) return true;
        return ByName.TryGetValue(s.ToString(), out proto);
    }

    public static string Name(byte p) => p switch
    {
        1 => "icmp", 2 => "igmp", 4 => "ipip", 6 => "tcp", 17 => "udp", 41 => "ipv6", 47 => "gre", 50 => "esp", 51 => "ah", 58 => "ipv6-icmp",
        89 => "ospf", 103 => "pim", 112 => "vrrp", 115 => "l2tp", 132 => "sctp", 136 => "udplite",
        _ => p.ToString(CultureInfo.InvariantCulture),
    };
}
