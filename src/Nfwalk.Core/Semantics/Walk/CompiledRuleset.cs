using System.Runtime.CompilerServices;
using Nfwalk.Model;
using Nfwalk.Model.Evaluation;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Model.Targets;
using Nfwalk.Parsing.Iptables;

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

    private CompiledRuleset(Ruleset ruleset)
    {
        _ruleset = ruleset;
        ConntrackUser = ConntrackDemand.FirstUser(ruleset);
    }

    /// <summary>The first rule that needs connection tracking in the namespace (<see cref="ConntrackDemand"/>), or null.</summary>
    public string? ConntrackUser { get; }

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
        // Chains are compiled in the order a walk reaches them (depth first from the builtin chains, jump targets in rule
        // order), so that what one walk visits lies together in memory: kube-proxy's KUBE-SVC-X chain and its KUBE-SEP-Y
        // chains are then neighbours, where the dump's order (all services, then all endpoints) scatters them. With
        // thousands of services a classification is bound by the cache misses on the rules it visits.
        var stack = new Stack<Chain>();
        var order = new List<CompiledChain>(table.Chains.Count);
        foreach (var h in Hooks.All)
            if (table.BuiltinChain(h) is { } b) Compile(b);
        foreach (var c in table.Chains) Compile(c);
        void Compile(Chain root)
        {
            if (compiled.ContainsKey(root)) return;
            stack.Push(root);
            while (stack.Count > 0)
            {
                var c = stack.Pop();
                if (compiled.ContainsKey(c)) continue;
                order.Add(compiled[c] = new CompiledChain(c, this));
                for (int r = c.Rules.Count - 1; r >= 0; r--)
                    if (c.Rules[r].Target is JumpTarget j && table.FindChain(j.Chain) is { } next && !compiled.ContainsKey(next)) stack.Push(next);
            }
        }
        foreach (var c in table.Chains) _byName.TryAdd(c.Name, compiled[c]); // Table.FindChain: the first chain of that name
        foreach (var h in Hooks.All)
            if (table.BuiltinChain(h) is { } b) _builtins[(int)h] = compiled[b];
        foreach (var cc in order)
            foreach (var r in cc.Rules)
                if (r.JumpName is { } n) r.JumpChain = Find(n);
        // What a walk reads of a chain, laid out again in the order walks reach the chains, with nothing else between:
        // each chain's heads and, right behind them, the NAT bindings and random draws its heads use. Only then can a head
        // take its rule's jump: it keeps the callee's (new) heads.
        foreach (var cc in order) cc.PackHeads();
        foreach (var cc in order)
            foreach (var r in cc.Rules) r.RenewJumpHeads();
        foreach (var cc in order)
            for (int i = 0; i < cc.Heads.Length; i++) cc.Heads[i] = cc.Heads[i].WithJump();
        foreach (var cc in order) cc.Index?.LinkCallees(cc.Heads);
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

    /// <summary>The rules' folded header tests, one per rule in order, side by side (<see cref="RuleHead"/>).</summary>
    public RuleHead[] Heads { get; private set; }

    /// <summary>
    /// The heads in a new array, each with the objects its shortcut uses made right after it (<see cref="RuleHead.WithOwnShortcut"/>):
    /// called for every chain of a table in the order walks reach them, once jumps are resolved, so that what a
    /// classification reads of kube-proxy's KUBE-SVC-X chain and the KUBE-SEP-Y chains it jumps to lies together in a few
    /// cache lines and one page, instead of among the rule objects, match arrays and indexes made with them.
    /// </summary>
    public void PackHeads()
    {
        var heads = new RuleHead[Heads.Length];
        for (int i = 0; i < heads.Length; i++) heads[i] = Heads[i].WithOwnShortcut();
        Heads = heads;
    }

    public CompiledChain(Chain chain, CompiledTable table)
    {
        Chain = chain; Name = chain.Name; IsBuiltin = chain.IsBuiltin;
        var rules = new CompiledRule[chain.Rules.Count];
        var heads = new RuleHead[rules.Length];
        for (int i = 0; i < rules.Length; i++)
        {
            rules[i] = new CompiledRule(chain.Rules[i], table);
            heads[i] = new RuleHead(rules[i], chain.Rules[i], out var firstMatch);
            rules[i].BuildMatches(firstMatch);
        }
        Rules = rules; Heads = heads;
        var index = new ChainIndex(chain);
        Index = index.HasRuns ? index : null;
    }
}

internal sealed class CompiledRule
{
    private RuleTexts? _texts;

    public Rule Rule { get; }
    /// <summary>The matches still to evaluate after the header tests, in order, without the comment matches (always true, no effect).</summary>
    public Match[] Matches { get; private set; } = [];
    public Target? Target { get; }
    /// <summary>The chain a -j/-g names, and the chain it resolves to in this table (null: not in the input).</summary>
    public string? JumpName { get; }
    public CompiledChain? JumpChain
    {
        get => _jumpChain;
        set { _jumpChain = value; JumpHeads = value?.Heads; JumpIndex = value?.Index; }
    }
    private CompiledChain? _jumpChain;
    /// <summary>The jump target's rule heads and index, kept here too: entering the chain then needs no visit to the chain object.</summary>
    public RuleHead[]? JumpHeads { get; private set; }
    public ChainIndex? JumpIndex { get; private set; }

    /// <summary>The jump target's heads were laid out again (<see cref="CompiledChain.PackHeads"/>): keep the new ones.</summary>
    public void RenewJumpHeads() => JumpHeads = _jumpChain?.Heads;
    public CompiledTable Table { get; }

    public CompiledRule(Rule rule, CompiledTable table)
    {
        Rule = rule; Table = table; Target = rule.Target;
        if (rule.Target is JumpTarget j) { JumpName = j.Chain; JumpIsGoto = j.IsGoto; }
    }

    /// <summary>For a -j/-g rule: what JumpTarget.Apply returns (it reads nothing of the packet), without reaching the target object.</summary>
    public TargetOutcome JumpOutcome => new(JumpIsGoto ? Outcome.Goto : Outcome.Jump, JumpName);
    public bool JumpIsGoto { get; }

    /// <summary>For a rule whose target is a NAT target: its compiled parameters (<see cref="CompiledChain.PackHeads"/>).</summary>
    public NatBinding? NatBinding { get; set; }

    /// <summary>The assumption this rule's match made in the last walk that asked (fast path), to reuse its texts.</summary>
    public AssumeText? LastAssume { get; set; }

    /// <summary>The matches after the folded header tests (<see cref="RuleHead"/>), without the comment matches.</summary>
    public void BuildMatches(int firstMatch)
    {
        var matches = Rule.Matches;
        int n = 0;
        for (int i = firstMatch; i < matches.Count; i++) if (matches[i] is not CommentMatch) n++;
        if (n == 0) return;
        var a = new Match[n];
        n = 0;
        for (int i = firstMatch; i < matches.Count; i++) if (matches[i] is not CommentMatch) a[n++] = matches[i];
        Matches = a;
    }

    /// <summary>The texts of this rule's trace steps, made when a walk first needs them.</summary>
    public RuleTexts Texts => _texts ??= new RuleTexts(this);
}

/// <summary>A rule's trace texts ("nat KUBE-SERVICES rule 5 matches: jump to X"), each kept after its first use.</summary>
internal sealed class RuleTexts(CompiledRule rule)
{
    private string? _location, _noMatchText, _ruleText;

    /// <summary>The rule in canonical form (<see cref="Model.Rule.Text"/>), printed once.</summary>
    public string RuleText => _ruleText ??= rule.Rule.Text;
    private JumpText? _jumpVerdict;
    private Texts? _matched, _returnVerdict;

    public string Location => _location ??= rule.Rule.Location.ToString();

    public string NoMatchText => _noMatchText ??= $"{rule.Table.NameText} {rule.Rule.ChainName} rule {rule.Rule.Number} does not match";

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
        if (t is null || t.Key != verdict) _matched = t = new Texts(verdict, $"{rule.Table.NameText} {rule.Rule.ChainName} rule {rule.Rule.Number} matches: {verdict}");
        return t.Text;
    }

    private sealed record Texts(string Key, string Text);
    private sealed record JumpText(bool IsJump, string Target, string Text);
}

/// <summary>
/// An assumption's key, location and text for one match at one hook and table, kept for the next walk that asks the same;
/// <paramref name="Culture"/> is the one the texts were written in (<see cref="RandomDraw"/> checks it instead of the reason).
/// </summary>
internal sealed record AssumeText(Match Match, Hook Hook, TableName Table, bool Default, string Why, string Key, string At, bool Flipped, string Text, System.Globalization.CultureInfo Culture)
{
    /// <summary>Where an assumption about <paramref name="match"/> is said to be: the match's own place, else its rule's.</summary>
    public static Diagnostics.SourceLocation LocationOf(Match match, Rule? rule)
        => rule is null ? Diagnostics.SourceLocation.None : match.LocationIn(rule);

    /// <summary>"file:line", the key --flip takes.</summary>
    public static string KeyOf(Diagnostics.SourceLocation at) => $"{Path.GetFileName(at.File)}:{at.Line}";

    /// <summary>An assumption's text: where, which rule, why, the branch taken and how to take the other.</summary>
    public static string Format(string key, Hook hook, TableName table, Rule? rule, string why, Match match, bool value, bool flipped, IFormatProvider culture)
        => string.Create(culture, $"{key} ({hook.ChainName()} {table.Name()} {rule?.ChainName} rule {rule?.Number}): {why}; the {match.Name} match is taken as {(value ? "TRUE" : "FALSE")}")
           + (flipped ? " (flipped by --flip)" : $" — use --flip {key} for the other branch");
}
