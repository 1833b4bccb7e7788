using Nfwalk.Diagnostics;

namespace Nfwalk.Model;

public enum Policy : byte { None, Accept, Drop }

/// <summary>A builtin chain (a hook, with a policy) or a user-defined chain (policy "-") with its rules in order.</summary>
public sealed class Chain
{
    public required string Name { get; init; }
    public required IReadOnlyList<Rule> Rules { get; init; }
    public Hook? Hook { get; init; }
    public bool IsBuiltin => Hook.HasValue;
    /// <summary>ACCEPT or DROP for builtin chains; None for user chains.</summary>
    public Policy Policy { get; init; }
    public Counters? PolicyCounters { get => _policyCounters?.Value; init => _policyCounters = CountersBox.Of(value); }
    // boxed (CountersBox): a user chain's declaration carries [0:0], one shared box; a Counters? was 24 bytes of 104
    private readonly System.Runtime.CompilerServices.StrongBox<Counters>? _policyCounters;
    /// <summary>Where the ":NAME POLICY [p:b]" line was, or null when the chain was only seen in rules.</summary>
    public SourceLine? Declaration { get; init; }
    public bool IsDeclared => Declaration.HasValue;
    public SourceLocation Location => Declaration?.Start ?? (Rules.Count > 0 ? Rules[0].Location : SourceLocation.None);
    public override string ToString() => Name;
}
