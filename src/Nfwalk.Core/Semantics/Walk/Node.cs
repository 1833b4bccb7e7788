using Nfwalk.Model;
using Nfwalk.Model.Evaluation;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// Everything a walk needs to know about one node: its rules (IPv4 and IPv6), ipsets, routing and addresses,
/// and its conntrack table (which persists across the packets of a connection).
/// </summary>
public sealed class Node
{
    public required string Name { get; init; }
    public Ruleset? Rules4 { get; init; }
    public Ruleset? Rules6 { get; init; }
    public required INodeNetwork Network { get; init; }
    /// <summary>ipset membership as ip_set_test answers it; null when no ipset input was given.</summary>
    public Func<SetMatch, IPacketContext, bool?>? SetTester { get; init; }
    public ConntrackTable Conntrack { get; } = new();
    /// <summary>-m statistic --mode nth counters, one per rule (keyed by its match: the parser never shares a statistic match between rules), kept across packets.</summary>
    internal Dictionary<Match, long> NthCounters => _nth ??= new(ReferenceEqualityComparer.Instance);
    private Dictionary<Match, long>? _nth;

    public Ruleset? RulesFor(IpFamily f) => f == IpFamily.V4 ? Rules4 : Rules6;
}
