namespace Nfwalk.Ambient;

/// <summary>
/// One generated network namespace — a node or a pod — with everything its snapshot holds: interfaces, routes, policy
/// rules, the iptables tables, the ipsets and the sysctls that matter, plus what the scenario file says of it.
/// </summary>
public sealed record GeneratedNetns
{
    public required string Name { get; init; }
    /// <summary>node | pod | ztunnel (docs/scenario.md host roles).</summary>
    public required string Role { get; init; }
    /// <summary>The snapshot directory, relative to the output directory ("ambient-worker", "ambient-worker/pods/sleep").</summary>
    public required string Directory { get; init; }
    public string? Node { get; init; }
    public bool? Mesh { get; init; }
    public required IReadOnlyList<GeneratedInterface> Interfaces { get; init; }
    public required IReadOnlyList<GeneratedRoute> Routes { get; init; }
    public required IReadOnlyList<GeneratedRoutingRule> RoutingRules { get; init; }
    public required IptablesTables Iptables { get; init; }
    /// <summary>The ipset-save text, or null when the namespace has no sets.</summary>
    public string? IpsetSave { get; init; }
    public required IReadOnlyList<KeyValuePair<string, string>> Sysctls { get; init; }
}
