using Nfwalk.Model.Ipsets;

namespace Nfwalk.Semantics.Ipsets;

public enum SetLookupStatus : byte
{
    /// <summary>The -m set match is true (after "!").</summary>
    Match,
    /// <summary>The -m set match is false (after "!").</summary>
    NoMatch,
    /// <summary>No set of that name: the kernel refuses such a rule at load time, so the caller should report it.</summary>
    SetNotFound,
}

/// <summary>The answer of a lookup and why.</summary>
public sealed record SetLookupResult
{
    public required SetLookupStatus Status { get; init; }
    /// <summary>ip_set_test's answer, before "!" (false when the set was not found).</summary>
    public bool InSet { get; init; }
    /// <summary>What -m set answers: <see cref="InSet"/> XOR "!" (false when the set was not found).</summary>
    public bool IsMatch => Status == SetLookupStatus.Match;
    /// <summary>A short sentence: which element decided, or why nothing matched.</summary>
    public required string Explanation { get; init; }
    public IpSet? Set { get; init; }
    /// <summary>The element the lookup landed on (a match, or the nomatch element that refused it), if any.</summary>
    public IpSetEntry? Element { get; init; }
    /// <summary>The set holding <see cref="Element"/>: differs from <see cref="Set"/> when a list:set member matched.</summary>
    public IpSet? ElementSet { get; init; }
    /// <summary>
    /// A bitmap:ip,mac element without a MAC matches any MAC, and the kernel then stores the packet's MAC in it
    /// (ip_set_test's -EAGAIN path): that MAC. Later lookups see the element with it.
    /// </summary>
    public MacAddress? LearnedMac { get; init; }

    public override string ToString() => $"{Status}: {Explanation}";
}
