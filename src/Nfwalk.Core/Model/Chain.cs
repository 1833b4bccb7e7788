using System.Diagnostics.CodeAnalysis;
using Nfwalk.Diagnostics;

namespace Nfwalk.Model;

public enum Policy : byte { None, Accept, Drop }

/// <summary>A builtin chain (a hook, with a policy) or a user-defined chain (policy "-") with its rules in order.</summary>
/// <remarks>
/// The parser makes a chain when it first meets the name and fills it in when its table is assembled (<see cref="Fill"/>),
/// so that a rule jumping to it can name the chain itself (<see cref="Targets.JumpTarget"/>) while the line is read;
/// from the end of the parse on, a chain never changes.
/// </remarks>
public sealed class Chain
{
    private IReadOnlyList<Rule> _rules;
    private Hook? _hook;
    private Policy _policy;
    private Counters? _policyCounters;
    private SourceLine? _declaration;

    public Chain() { _rules = []; }

    /// <summary>The parser's chain, named and empty until <see cref="Fill"/>.</summary>
    [SetsRequiredMembers]
    internal Chain(string name) { Name = name; _rules = []; }

    public required string Name { get; init; }
    public required IReadOnlyList<Rule> Rules { get => _rules; init => _rules = value; }
    public Hook? Hook { get => _hook; init => _hook = value; }
    public bool IsBuiltin => Hook.HasValue;
    /// <summary>ACCEPT or DROP for builtin chains; None for user chains.</summary>
    public Policy Policy { get => _policy; init => _policy = value; }
    public Counters? PolicyCounters { get => _policyCounters; init => _policyCounters = value; }
    /// <summary>Where the ":NAME POLICY [p:b]" line was, or null when the chain was only seen in rules.</summary>
    public SourceLine? Declaration { get => _declaration; init => _declaration = value; }
    public bool IsDeclared => Declaration.HasValue;
    public SourceLocation Location => Declaration?.Start ?? (Rules.Count > 0 ? Rules[0].Location : SourceLocation.None);

    /// <summary>
    /// Its position in the parsed table's <see cref="Table.Chains"/>, set when the table is assembled (-1 for a chain
    /// made otherwise). A reader checks it (<c>table.Chains[c.Position] == c</c>) before relying on it.
    /// </summary>
    internal int Position { get; private set; } = -1;

    /// <summary>The parser, assembling the table: what the chain is, once its table's lines are all read.</summary>
    internal void Fill(Hook? hook, Policy policy, Counters? counters, SourceLine? declaration, IReadOnlyList<Rule> rules, int position)
    {
        _hook = hook; _policy = policy; _policyCounters = counters; _declaration = declaration; _rules = rules; Position = position;
    }

    public override string ToString() => Name;
}
