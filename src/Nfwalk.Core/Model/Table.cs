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

    private Dictionary<string, Chain>? _byName;
    private readonly Chain?[] _builtins = new Chain?[5];
    private bool _builtinsKnown;

    /// <summary>The chain of that name (an index built on first use; the table itself never changes).</summary>
    public Chain? FindChain(string name)
    {
        var map = _byName;
        if (map is null)
        {
            map = new Dictionary<string, Chain>(Chains.Count, StringComparer.Ordinal);
            foreach (var c in Chains) map.TryAdd(c.Name, c);
            _byName = map;
        }
        return map.GetValueOrDefault(name);
    }

    /// <summary>The builtin chain of a hook, if this table has it.</summary>
    public Chain? BuiltinChain(Hook hook)
    {
        if (!_builtinsKnown)
        {
            foreach (var c in Chains) if (c.Hook is { } h) _builtins[(int)h] ??= c;
            _builtinsKnown = true;
        }
        return _builtins[(int)hook];
    }

    public IEnumerable<Rule> AllRules() => Chains.SelectMany(c => c.Rules);
}
