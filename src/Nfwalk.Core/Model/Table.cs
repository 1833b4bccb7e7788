using Nfwalk.Diagnostics;

namespace Nfwalk.Model;

public enum TableCertainty : byte
{
    /// <summary>The input said so ("*mangle").</summary>
    Declared,
    /// <summary>Only one table can hold these rules.</summary>
    Certain,
    /// <summary>Chosen by elimination or tool conventions; another table is still possible.</summary>
    Likely,
    /// <summary>Nothing decides; filter assumed as the iptables command does without -t.</summary>
    Assumed,
}

/// <summary>How the table of a block without a "*table" header was decided.</summary>
public sealed record TableInference(TableCertainty Certainty, TableSet Candidates, IReadOnlyList<string> Reasons, string? Doubt);

/// <summary>One table: its chains in save order. A headerless fragment gives tables whose name was inferred.</summary>
public sealed class Table
{
    public required TableName Name { get; init; }
    public required IReadOnlyList<Chain> Chains { get; init; }
    /// <summary>Null when declared with "*name"; otherwise how the name was inferred.</summary>
    public TableInference? Inference { get; init; }
    public bool IsHeaderless => Inference is not null;
    public SourceLine? Header { get; init; }
    public SourceLine? Commit { get; init; }
    public SourceLocation Location => Header?.Start ?? Chains.FirstOrDefault()?.Location ?? SourceLocation.None;

    public Chain? FindChain(string name)
    {
        foreach (var c in Chains) if (c.Name == name) return c;
        return null;
    }

    public IEnumerable<Rule> AllRules() => Chains.SelectMany(c => c.Rules);
}
