using System.Runtime.CompilerServices;
using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Targets;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// A ruleset prepared for fast walks: per table its chains as arrays, jump targets resolved to chains, the exact-destination
/// index of each chain, and the texts trace steps repeat (rule location, "nat KUBE-SERVICES rule 5 matches: jump to X").
/// Built once per <see cref="Ruleset"/> (one cache entry per ruleset, not per chain: thousands of weak entries would be
/// scanned by every garbage collection). Nothing here changes an answer: the same matches and targets run in the same order
/// as the straightforward scan (<see cref="WalkOptions.UseIndex"/> = false), which is kept as the reference.
/// </summary>
internal sealed class CompiledRuleset
{
    private static readonly ConditionalWeakTable<Ruleset, CompiledRuleset> Cache = new();
    private static readonly object NoTable = new();
    private readonly Ruleset _ruleset;
    private readonly object?[] _tables = new object?[5];

    private CompiledRuleset(Ruleset ruleset) => _ruleset = ruleset;

    public static CompiledRuleset For(Ruleset ruleset) => Cache.GetValue(ruleset, r => new CompiledRuleset(r));

    /// <summary>The table as <c>ruleset[name]</c> finds it, compiled; null when there is none.</summary>
    public CompiledTable? Table(TableName name)
    {
        var t = Volatile.Read(ref _tables[(int)name]);
        if (t is null)
        {
            t = (object?)(_ruleset[name] is { } table ? new CompiledTable(table) : null) ?? NoTable;
            t = Interlocked.CompareExchange(ref _tables[(int)name], t, null) ?? t;
        }
        return t as CompiledTable;
    }
}

internal sealed class CompiledTable
{
    private readonly CompiledChain?[] _builtins = new CompiledChain?[5];
    private readonly Dictionary<string, CompiledChain> _byName;

    public Table Table { get; }
    public TableName Name { get; }
    public string NameText { get; }

    public CompiledTable(Table table)
    {
        Table = table; Name = table.Name; NameText = table.Name.Name();
        var compiled = new Dictionary<Chain, CompiledChain>(table.Chains.Count, ReferenceEqualityComparer.Instance);
        _byName = new Dictionary<string, CompiledChain>(table.Chains.Count, StringComparer.Ordinal);
        foreach (var c in table.Chains)
        {
            if (!compiled.TryGetValue(c, out var cc)) compiled[c] = cc = new CompiledChain(c, this);
            _byName.TryAdd(c.Name, cc); // Table.FindChain: the first chain of that name
        }
        foreach (var h in Hooks.All)
            if (table.BuiltinChain(h) is { } b) _builtins[(int)h] = compiled[b];
        foreach (var cc in compiled.Values)
            foreach (var r in cc.Rules)
                if (r.JumpName is { } n) r.JumpChain = Find(n);
    }

    public CompiledChain? Builtin(Hook hook) => _builtins[(int)hook];

    /// <summary>As <see cref="Model.Table.FindChain"/>.</summary>
    public CompiledChain? Find(string name) => _byName.GetValueOrDefault(name);
}

internal sealed class CompiledChain
{
    public Chain Chain { get; }
    public string Name { get; }
    public bool IsBuiltin { get; }
    public CompiledRule[] Rules { get; }
    /// <summary>Null when the chain has no run of exact-destination rules long enough to index.</summary>
    public ChainIndex? Index { get; }

    public CompiledChain(Chain chain, CompiledTable table)
    {
        Chain = chain; Name = chain.Name; IsBuiltin = chain.IsBuiltin;
        var rules = new CompiledRule[chain.Rules.Count];
        for (int i = 0; i < rules.Length; i++) rules[i] = new CompiledRule(chain.Rules[i], table);
        Rules = rules;
        var index = new ChainIndex(chain);
        Index = index.HasRuns ? index : null;
    }
}

internal sealed class CompiledRule
{
    private readonly CompiledTable _table;
    private string? _location, _noMatchText;
    private JumpText? _jumpVerdict;
    private Texts? _matched;
    private Texts? _returnVerdict;
    private AssumeText? _assume;

    public Rule Rule { get; }
    /// <summary>The rule's matches in order, without the comment matches (always true, no effect on the packet).</summary>
    public Match[] Matches { get; }
    public Target? Target { get; }
    /// <summary>The chain a -j/-g names, and the chain it resolves to in this table (null: not in the input).</summary>
    public string? JumpName { get; }
    public CompiledChain? JumpChain { get; set; }

    public CompiledRule(Rule rule, CompiledTable table)
    {
        Rule = rule; _table = table; Target = rule.Target;
        var ms = new List<Match>(rule.Matches.Count);
        foreach (var m in rule.Matches) if (m is not CommentMatch) ms.Add(m);
        Matches = ms.ToArray();
        if (rule.Target is JumpTarget j) JumpName = j.Chain;
    }

    public string Location => _location ??= Rule.Location.ToString();

    public string NoMatchText => _noMatchText ??= $"{_table.NameText} {Rule.ChainName} rule {Rule.Number} does not match";

    /// <summary>"jump to X" / "goto X" for the chain this rule's target names.</summary>
    public string JumpVerdict(bool isJump, string target)
    {
        var t = _jumpVerdict;
        if (t is null || t.IsJump != isJump || t.Target != target) _jumpVerdict = t = new JumpText(isJump, target, isJump ? $"jump to {target}" : $"goto {target}");
        return t.Text;
    }

    public string ReturnVerdict(string caller)
    {
        var t = _returnVerdict;
        if (t is null || t.Key != caller) _returnVerdict = t = new Texts(caller, $"RETURN to {caller}");
        return t.Text;
    }

    /// <summary>The rule step's text for a match with this verdict (the last one is kept: a rule almost always has one).</summary>
    public string MatchedText(string verdict)
    {
        var t = _matched;
        if (t is null || t.Key != verdict) _matched = t = new Texts(verdict, $"{_table.NameText} {Rule.ChainName} rule {Rule.Number} matches: {verdict}");
        return t.Text;
    }

    public AssumeText? LastAssume { get => _assume; set => _assume = value; }

    private sealed record Texts(string Key, string Text);
    private sealed record JumpText(bool IsJump, string Target, string Text);
}

/// <summary>An assumption's key, location and text for one match at one hook and table, kept for the next walk that asks the same.</summary>
internal sealed record AssumeText(Match Match, Hook Hook, TableName Table, bool Default, string Why, string Key, string At, bool Flipped, string Text);
