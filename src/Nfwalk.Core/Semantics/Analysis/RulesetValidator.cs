using Nfwalk.Diagnostics;
using Nfwalk.Hosting;
using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Targets;

namespace Nfwalk.Semantics.Analysis;

/// <summary>
/// The checks iptables-restore and the kernel make when a ruleset is loaded: chains that exist, targets and matches
/// in tables and hooks that accept them (the kernel's xt_check_target/xt_check_match hook masks, computed from
/// every builtin chain a user chain is reachable from), and loops between user chains.
/// </summary>
public static class RulesetValidator
{
    public static IReadOnlyList<Diagnostic> Validate(Ruleset ruleset, ISet<string>? knownSets = null) => Validate(ruleset, knownSets, false);

    /// <summary>
    /// <paramref name="everyRule"/>: every rule is looked at, also one the chain graph found nothing to check in
    /// (<see cref="ChainGraph.IsQuietAt"/>): the tests' reference, which must give the same diagnostics.
    /// </summary>
    internal static IReadOnlyList<Diagnostic> Validate(Ruleset ruleset, ISet<string>? knownSets, bool everyRule)
    {
        var diags = new DiagnosticBag();
        foreach (var table in ruleset.Tables) ValidateTable(table, diags, knownSets, everyRule);
        return diags.Items;
    }

    /// <summary>
    /// Whether the checks below have anything to say of a target other than a jump, in table <paramref name="table"/>,
    /// besides whether its hooks fit: the chain graph notes it per rule (<see cref="ChainGraph.IsQuietAt"/>), so a check
    /// added to <see cref="CheckRules"/> is added here too (LoadCheckTests compares with a look at every rule).
    /// </summary>
    internal static bool TargetNeedsLook(Target t, TableName table)
        => t.IsUnknown || (t.AllowedTables & table.AsSet()) == 0 || (t is VerdictTarget { Verdict: Verdict.Drop } && table == TableName.Nat);

    private static void ValidateTable(Table table, DiagnosticBag diags, ISet<string>? knownSets, bool everyRule)
    {
        var g = new ChainGraph(table);
        if (PhaseClock.On) PhaseClock.Mark($"{table.Name.Name()} graph");
        var chains = table.Chains;
        var parts = g.Parts; // a large table has its chains checked in parts on two threads
        if (parts.Length > 2)
        {
            // the checks of one rule read the graph and the rule only: each part of the chains gets its own diagnostics,
            // and they come out in chain order as from one pass
            var bags = new DiagnosticBag[parts.Length - 1];
            TwoThreads.ForEachPart(bags.Length, k => CheckRules(table, g, parts[k], parts[k + 1], bags[k] = new DiagnosticBag(), knownSets, everyRule));
            foreach (var bag in bags) diags.AddRange(bag.Items);
        }
        else CheckRules(table, g, 0, chains.Count, diags, knownSets, everyRule);
        foreach (var loop in g.Loops)
        {
            var first = g[loop[0]]!;
            var rule = first.Rules.FirstOrDefault(r => r.Target is JumpTarget jt && jt.Chain == loop[1]);
            diags.Error(rule?.Target?.LocationIn(rule) ?? first.Location, $"loop between user chains: {string.Join(" -> ", loop)}; the kernel refuses rulesets with loops");
        }
        foreach (int ci in g.BuiltinPositions)
        {
            var c = chains[ci];
            int depth = g.MaxDepthAt(ci);
            if (depth > 15)
                diags.Warning(c.Location, $"user chains are nested {depth} deep below {c.Name}; iptables-nft refuses more than 15 (\"Too many links\"), legacy iptables loads it");
        }
        if (PhaseClock.On) PhaseClock.Mark($"{table.Name.Name()} checks");
    }

    /// <summary>The per-rule checks of the chains at positions [<paramref name="from"/>, <paramref name="to"/>) of the table.</summary>
    private static void CheckRules(Table table, ChainGraph g, int from, int to, DiagnosticBag diags, ISet<string>? knownSets, bool everyRule)
    {
        var tname = table.Name.Name();
        var chains = table.Chains;
        for (int ci = from; ci < to; ci++)
        {
            var chain = chains[ci];
            var hooks = g.HooksOfChainAt(ci);
            // indexed loops: a foreach over an IReadOnlyList allocates an enumerator (one per chain and one per rule)
            int count = chain.RuleCount;
            for (int ri = 0; ri < count; ri++)
            {
                if (!everyRule && g.IsQuietAt(ci, ri, hooks)) continue; // nothing below has anything to say of it (the rule is not read)
                var rule = chain.RuleAt(ri);
                var matches = rule.OnlyPlainMatches ? [] : rule.Matches;
                for (int mi = 0; mi < matches.Count; mi++)
                {
                    var m = matches[mi];
                    if (!m.HasLoadTimeChecks) continue; // nothing below applies to it
                    if (m is InterfaceMatch im && chain.Hook is { } h && (im.AllowedHooks & h.AsSet()) == 0)
                        diags.Error(m.LocationIn(rule), $"can't use {im.Name} with {chain.Name}: {(im.IsInput ? "packets in this chain have no input interface" : "the output interface is not known yet in this chain")}");
                    else if (m is InterfaceMatch im2 && chain.Hook is null && hooks != 0 && (im2.AllowedHooks & hooks) != hooks)
                        diags.Warning(m.LocationIn(rule), $"{im2.Name} in chain {chain.Name}, which is reached from {hooks.Describe()}: from {(hooks & ~im2.AllowedHooks).Describe()} the test is {(im2.Negated ? "always true" : "never true")}");
                    else if (m is not InterfaceMatch && hooks != 0 && (m.AllowedHooks & hooks) != hooks)
                        diags.Error(m.LocationIn(rule), $"the {m.Name} match is only valid in {m.AllowedHooks.Describe()}, but chain {chain.Name} is reached from {(hooks & ~m.AllowedHooks).Describe()}; the kernel refuses this rule");
                    if (m is SetMatch sm && knownSets is not null && !knownSets.Contains(sm.SetName))
                        diags.Error(m.LocationIn(rule), $"ipset \"{sm.SetName}\" does not exist in the given ipset file; iptables-restore refuses a rule naming an unknown set");
                    if (m.IsUnknown)
                        diags.Info(m.LocationIn(rule), $"the {m.Name} match is not modelled by nfwalk: it is kept and printed back, and walks report it as unknown");
                }
                var t = rule.Target;
                if (t is null) continue;
                if (t is VerdictTarget { Verdict: Verdict.Drop } && table.Name == TableName.Nat)
                {
                    diags.Error(t.LocationIn(rule), "DROP in the nat table: iptables refuses it (\"The nat table is not intended for filtering\")");
                    continue;
                }
                if (t is JumpTarget j)
                {
                    var callee = g.CalleeAt(ci, ri);
                    if (callee is null)
                    {
                        if (table.IsHeaderless) diags.Info(t.LocationIn(rule), $"chain {j.Chain} is not part of this fragment; what it does is unknown");
                        else diags.Error(t.LocationIn(rule), $"{(j.IsGoto ? "goto" : "jump")} to chain {j.Chain}, which does not exist in table {tname} (and is not a known target)");
                    }
                    else if (callee.IsBuiltin)
                        diags.Error(t.LocationIn(rule), $"{(j.IsGoto ? "goto" : "jump")} to builtin chain {j.Chain}: only user-defined chains can be jump targets");
                    continue;
                }
                if ((t.AllowedTables & table.Name.AsSet()) == 0)
                {
                    diags.Error(t.LocationIn(rule), $"the {t.Name} target is only valid in the {t.AllowedTables.Describe()} table, not in {tname}; the kernel refuses it");
                    continue;
                }
                if (hooks != 0 && (t.AllowedHooks & hooks) != hooks)
                    diags.Error(t.LocationIn(rule), $"the {t.Name} target is only usable from {t.AllowedHooks.Describe()}, but chain {chain.Name} is reached from {(hooks & ~t.AllowedHooks).Describe()}; the kernel refuses this rule");
                if (t.IsUnknown)
                    diags.Info(t.LocationIn(rule), $"the {t.Name} target is not modelled by nfwalk: it is kept and printed back; walks report it and {(t.IsTerminating ? "stop there" : "assume it continues")}");
            }
        }
    }
}
