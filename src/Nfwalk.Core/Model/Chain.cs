using Nfwalk.Diagnostics;

namespace Nfwalk.Model;

public enum Policy : byte { None, Accept, Drop }

/// <summary>A builtin chain (a hook, with a policy) or a user-defined chain (policy "-") with its rules in order.</summary>
public sealed class Chain
{
    public required string Name { get; init; }

    /// <summary>The rules, in order (none when not given).</summary>
    public IReadOnlyList<Rule> Rules
    {
        // a chain of a parse has its rules as a run of the table's rule array (RuleRun): the list object is made when first
        // asked for, as the checks of a load (which read RuleCount and RuleAt) never do — one object fewer per chain, 1.3 MB
        // of a 10,000-service kube-proxy dump's 40,000 chains
        get => _rules ??= _count == 0 ? Array.Empty<Rule>() : new ArraySegment<Rule>(_run!, _start, _count);
        init { _rules = value; _run = null; _start = _count = 0; }
    }

    /// <summary>The rules as <paramref name="value"/>'s Count rules of its Array from its Start on (the array is not copied: it must not change).</summary>
    internal (Rule[] Array, int Start, int Count) RuleRun
    {
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value.Start);
            ArgumentOutOfRangeException.ThrowIfNegative(value.Count);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Start + value.Count, value.Array.Length);
            _run = value.Array; _start = value.Start; _count = value.Count; _rules = null;
        }
    }

    private IReadOnlyList<Rule>? _rules;
    private readonly Rule[]? _run;
    private readonly int _start, _count;

    /// <summary>How many rules the chain has (as Rules.Count, without making the list).</summary>
    internal int RuleCount => _run is not null ? _count : _rules?.Count ?? 0;

    /// <summary>Rule <paramref name="index"/> (0-based; as Rules[index], without making the list).</summary>
    internal Rule RuleAt(int index)
    {
        if (_run is null) return _rules is null ? throw new ArgumentOutOfRangeException(nameof(index)) : _rules[index];
        if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
        return _run[_start + index];
    }

    public Hook? Hook { get; init; }
    public bool IsBuiltin => Hook.HasValue;
    /// <summary>ACCEPT or DROP for builtin chains; None for user chains.</summary>
    public Policy Policy { get; init; }
    public Counters? PolicyCounters { get => _policyCounters?.Value; init => _policyCounters = CountersBox.Of(value); }
    // boxed (CountersBox): a user chain's declaration carries [0:0], one shared box; a Counters? was 24 bytes of 104
    private readonly System.Runtime.CompilerServices.StrongBox<Counters>? _policyCounters;

    /// <summary>Where the ":NAME POLICY [p:b]" line was, or null when the chain was only seen in rules.</summary>
    public SourceLine? Declaration
    {
        get => _declared ? new SourceLine(_declFile, _declOffset, _declLength, _declLine) : null;
        init
        {
            _declared = value.HasValue;
            if (value is { } v) { _declFile = v.File; _declOffset = v.Offset; _declLength = v.Length; _declLine = v.Number; }
        }
    }
    // the line's parts as fields (a SourceLine? is 32 bytes with its flag and padding): the chain is 80 bytes, not 96
    private readonly SourceFile? _declFile;
    private readonly int _declOffset, _declLength, _declLine;
    private readonly bool _declared;

    public bool IsDeclared => _declared;
    public SourceLocation Location => Declaration?.Start ?? (RuleCount > 0 ? RuleAt(0).Location : SourceLocation.None);
    public override string ToString() => Name;
}
