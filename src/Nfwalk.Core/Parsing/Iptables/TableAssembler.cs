using Nfwalk.Diagnostics;
using Nfwalk.Model;

namespace Nfwalk.Parsing.Iptables;

/// <summary>Turns a table draft (declarations and rules in file order) into an immutable <see cref="Table"/>.</summary>
internal static class TableAssembler
{
    public static Table Assemble(SaveParser.TableDraft d, TableName name, TableInference? inference, DiagnosticBag diags)
    {
        var hooks = name.Hooks();
        // the draft grouped and numbered its rules as they were appended, unless an "-I" line inserted one
        bool renumber = d.Inserted;
        var rulesByChain = d.ByChain;
        var order = d.ChainOrder;
        if (renumber)
        {
            rulesByChain = new Dictionary<string, List<Rule>>(StringComparer.Ordinal);
            order = new List<string>();
            // a dump lists each chain's rules together, and chain names are pooled strings: look a name up only when it changes
            string? lastChain = null;
            List<Rule>? list = null;
            foreach (var r in d.Rules)
            {
                if (!ReferenceEquals(r.ChainName, lastChain))
                {
                    lastChain = r.ChainName;
                    if (!rulesByChain.TryGetValue(lastChain, out list)) { list = new List<Rule>(); rulesByChain[lastChain] = list; order.Add(lastChain); }
                }
                list!.Add(r);
            }
        }

        var chains = new List<Chain>(d.Declarations.Count + 5);
        var declared = new HashSet<string>(StringComparer.Ordinal);
        // builtin chains used by rules but never declared come first, in hook order (as iptables-save lists them)
        foreach (var h in Hooks.All)
        {
            var n = h.ChainName();
            if ((hooks & h.AsSet()) == 0 || d.Declared.Contains(n) || !rulesByChain.ContainsKey(n)) continue;
            chains.Add(Build(n, h, Policy.Accept, null, null, rulesByChain[n], renumber));
            declared.Add(n);
        }
        foreach (var (cname, line, policy, counters, at) in d.Declarations)
        {
            Hook? hook = null;
            if (Hooks.TryParseChain(cname, out var h))
            {
                if ((hooks & h.AsSet()) != 0) hook = h;
                else diags.Error(at, $"table {name.Name()} has no builtin chain {cname} (its builtin chains are {hooks.Describe()})"
                    + (inference is not null ? " — the table was inferred, so the inference may be wrong" : ""));
            }
            var p = hook is null ? Policy.None : policy == Policy.None ? Policy.Accept : policy;
            chains.Add(Build(cname, hook, p, counters, line, rulesByChain.GetValueOrDefault(cname), renumber));
            declared.Add(cname);
        }
        foreach (var cname in order)
        {
            if (declared.Contains(cname)) continue;
            var rules = rulesByChain[cname];
            Hook? hook = null;
            if (Hooks.TryParseChain(cname, out var h))
            {
                if ((hooks & h.AsSet()) != 0) hook = h;
                else diags.Error(rules[0].ChainLocation, $"table {name.Name()} has no builtin chain {cname} (its builtin chains are {hooks.Describe()})"
                    + (inference is not null ? " — the table was inferred, so the inference may be wrong" : ""));
            }
            else if (!d.Headerless)
                diags.Error(rules[0].ChainLocation, $"chain {cname} is not declared in table {name.Name()} (no \":{cname} - [0:0]\" line); iptables-restore refuses rules for an unknown chain");
            chains.Add(Build(cname, hook, hook is null ? Policy.None : Policy.Accept, null, null, rules, renumber));
            declared.Add(cname);
        }
        return new Table { Name = name, Chains = chains, Inference = inference, Header = d.Header, Commit = d.Commit };
    }

    private static Chain Build(string name, Hook? hook, Policy policy, Counters? counters, SourceLine? decl, List<Rule>? parsed, bool renumber)
    {
        IReadOnlyList<Rule> rules = parsed is null ? Array.Empty<Rule>() : parsed;
        if (parsed is not null && renumber)
        {
            int n = 0;
            foreach (var p in parsed) p.Number = ++n;
        }
        return new Chain { Name = name, Hook = hook, Policy = policy, PolicyCounters = counters, Declaration = decl, Rules = rules };
    }
}
