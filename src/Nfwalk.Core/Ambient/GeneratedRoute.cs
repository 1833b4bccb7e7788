using Nfwalk.Model.Net;

namespace Nfwalk.Ambient;

/// <summary>One route as `ip route show table all` prints it. <see cref="Table"/> is "main", "local" or a number;
/// <see cref="Destination"/> null is "default".</summary>
public sealed record GeneratedRoute
{
    public required string Table { get; init; }
    public string Type { get; init; } = "unicast";
    public required IpPrefix? Destination { get; init; }
    public IpAddress? Via { get; init; }
    public required string Dev { get; init; }
    public string? Proto { get; init; }
    public string? Scope { get; init; }
    public IpAddress? Src { get; init; }
    public bool Onlink { get; init; }
}

/// <summary>One policy-routing rule as `ip rule` prints it: "PRIORITY:\tfrom all [fwmark V/M] ACTION".</summary>
public sealed record GeneratedRoutingRule(int Priority, string? FwMark, string Action);
