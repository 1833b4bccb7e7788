using System.Runtime.CompilerServices;
using System.Text;
using Nfwalk.Diagnostics;

namespace Nfwalk.Model;

/// <summary>One "-A CHAIN ..." line: its conditions (all must hold), its target, and where it came from.</summary>
public sealed class Rule
{
    public required string ChainName { get => _chainName; init => _chainName = value; }
    private string _chainName = "";
    /// <summary>For the parser, which reads a rule ahead on another thread before the chain's name string is known.</summary>
    internal void NameChain(string name) => _chainName = name;
    /// <summary>1-based position in its chain, as iptables -L --line-numbers counts.</summary>
    public int Number { get; internal set; }
    /// <summary>Column of the chain name after -A (for messages about the chain).</summary>
    public int ChainColumn { get; init; }
    public SourceLocation ChainLocation => Source.At(ChainColumn);
    public required IReadOnlyList<Match> Matches { get; init; }
    /// <summary>
    /// Set by the parser when no match is one the load-time checks look at (interface, set and unknown matches, matches
    /// valid in only some hooks): the validator then skips the rule's matches without reading them, which after a parse
    /// of 100,000 rules means cache misses saved on every match object. False (check them) for rules made otherwise.
    /// </summary>
    internal bool OnlyPlainMatches { get; init; }
    /// <summary>Null when the rule has no -j/-g: it only counts packets.</summary>
    public Target? Target { get; init; }
    /// <summary>The counters the line gave ("[p:b]" prefix or -c), if any.</summary>
    public Counters? Counters
    {
        get => _counters?.Value;
        init => _counters = CountersBox.Of(value);
    }
    // boxed: iptables-save writes rule counters only with -c, and a Counters? field was 24 of a rule's 104 bytes
    private readonly StrongBox<Counters>? _counters;
    public required SourceLine Source
    {
        get => new(_file, _offset, _length, _line);
        init { _file = value.File; _offset = value.Offset; _length = value.Length; _line = value.Number; }
    }
    // the line's parts as fields of their own: a SourceLine field is 24 bytes (a reference and three numbers, padded), and
    // with the rule's other numbers beside them the rule is 80 bytes, not 88 (0.9 MB of a 10,000-service kube-proxy dump)
    private readonly SourceFile? _file;
    private readonly int _offset, _length, _line;
    public SourceLocation Location => Source.Start;
    /// <summary>Column <paramref name="column"/> of the rule's line (that of a match or target, see <see cref="Match.Column"/>); the rule's own place when the column is 0 or the rule has no line.</summary>
    public SourceLocation At(int column) => column > 0 && _file is not null ? Source.At(column) : Location;
    public string OriginalText => Source.Text;

    public bool HasUnknownParts => Target?.IsUnknown == true || Matches.Any(m => m.IsUnknown);

    /// <summary>
    /// The canonical text without counters, printed when asked for: not kept in the rule (8 bytes of every rule, 0.9 MB of a
    /// 10,000-service kube-proxy dump, for a text that checking never prints); the walker's traces keep theirs (RuleTexts).
    /// </summary>
    public string Text => ToSaveText(false);

    /// <summary>The rule in canonical iptables-save form (with its counter prefix when it has one).</summary>
    public string ToSaveText(bool withCounters = true)
    {
        var sb = new StringBuilder(128);
        AppendSaveText(sb, withCounters);
        return sb.ToString();
    }

    public void AppendSaveText(StringBuilder sb, bool withCounters = true)
    {
        if (withCounters && Counters is { } c) sb.Append(c.ToString()).Append(' ');
        sb.Append("-A ").Append(ChainName);
        foreach (var m in Matches) m.Print(sb);
        Target?.Print(sb);
    }

    /// <summary>The conditions alone (without -A and target), for display.</summary>
    public string ConditionText()
    {
        var sb = new StringBuilder();
        foreach (var m in Matches) m.Print(sb);
        return sb.ToString().TrimStart();
    }

    public override string ToString() => ToSaveText();
}
