using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Walk;

/// <summary>A route lookup as the kernel makes it (fib_lookup with a flowi4); a value, as the kernel's flowi4 is on the stack.</summary>
public readonly record struct RouteQuery(IpFamily Family, IpAddress Destination, IpAddress? Source, string? InInterface, uint Mark, byte Tos, byte Protocol, ushort SourcePort, ushort DestinationPort);

public enum RouteKind : byte { Local, Forward, Unreachable, Prohibit, Blackhole, NoRoute }

/// <summary>The decision: local delivery, or out of an interface (via a gateway or directly), or an error; plus the rule walk that led there.</summary>
public sealed record RouteResult(RouteKind Kind, string? OutInterface, IpAddress? Gateway, IpAddress? PreferredSource, string Summary, IReadOnlyList<string> Steps)
{
    public int? RulePriority { get; init; }
    public string? Table { get; init; }
    public string? Route { get; init; }
}

/// <summary>The node's routing and addressing, as the walk needs it (policy routing, local addresses, interface addresses).</summary>
public interface INodeNetwork
{
    RouteResult Route(RouteQuery q);
    /// <summary>Addresses configured on an interface, primary first.</summary>
    IReadOnlyList<IpAddress> AddressesOf(string iface, IpFamily family);
    /// <summary>The interface owning a local address, or null when the address is not local.</summary>
    string? LocalInterfaceOf(IpAddress address);
    bool IsBroadcast(IpAddress address);
    /// <summary>Facts that had to be assumed to answer (missing files), to show in traces.</summary>
    IReadOnlyList<string> Assumptions { get; }
}
