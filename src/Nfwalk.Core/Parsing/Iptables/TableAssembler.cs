using Nfwalk.Diagnostics;
using Nfwalk.Hosting;
using Nfwalk.Model;

namespace Nfwalk.Parsing.Iptables;

/// <summary>Turns a table draft (declarations and rules in file order) into an immutable <see cref="Table"/>.</summary>
internal static class TableAssembler
{
    public static Table Assemble(TableDraft d, TableName name, TableInference? inference, DiagnosticBag diags)
    {
        var hooks = name.Hooks();
        var chains = new List<Chain>(d.Declarations.Count + 5);
        // builtin chains used by rules but never declared come first, in hook order (as iptables-save lists them)
        foreach (var h in Hooks.All)
        {
            if ((hooks & h.AsSet()) == 0 || d.Find(h) is not { IsDeclared: false, RuleCount: > 0 } c) continue;
            chains.Add(Build(d, c, h, Policy.Accept, null, null));
        }
        // the declared chains, in declaration order; a large table's in parts on two threads (making 40,000 chains from
        // drafts spread over the parse's memory is mostly waiting for it), each part with its messages, kept in line order
        var declared = new Chain[d.Declarations.Count];
        int parts = TwoThreads.PartsOf(declared.Length, TwoThreadChains, ChainsPerPart);
        var errors = new List<Diagnostic>?[parts];
        TwoThreads.ForEachRange(declared.Length, parts, (k, from, to) => Declared(d, name, inference, declared, from, to, ref errors[k]));
        foreach (var part in errors) if (part is not null) foreach (var e in part) diags.Add(e);
        chains.AddRange(declared);
        foreach (var c in d.RuledBeforeDeclared)
        {
            if (c.Assembled) continue;
            var rules = d.RulesOf(c);
            var cname = c.Name;
            Hook? hook = null;
            if (Hooks.TryParseChain(cname, out var h))
            {
                if ((hooks & h.AsSet()) != 0) hook = h;
                else diags.Error(rules[0].ChainLocation, $"table {name.Name()} has no builtin chain {cname} (its builtin chains are {hooks.Describe()})"
                    + (inference is not null ? " — the table was inferred, so the inference may be wrong" : ""));
            }
            else if (!d.Headerless)
                diags.Error(rules[0].ChainLocation, $"chain {cname} is not declared in table {name.Name()} (no \":{cname} - [0:0]\" line); iptables-restore refuses rules for an unknown chain");
            chains.Add(Build(d, c, hook, hook is null ? Policy.None : Policy.Accept, null, null));
        }
        return new Table { Name = name, Chains = chains, Inference = inference, Header = d.Header, Commit = d.Commit };
    }

    /// <summary>A table with at least this many declared chains has them made in parts on two threads.</summary>
    internal const int TwoThreadChains = 10_000;

    /// <summary>About this many declared chains make one part of that work.</summary>
    private const int ChainsPerPart = 2048;

    private static void Declared(TableDraft d, TableName name, TableInference? inference, Chain[] into, int from, int to, ref List<Diagnostic>? errors)
    {
        var hooks = name.Hooks();
        for (int i = from; i < to; i++)
        {
            var c = d.Declarations[i];
            Hook? hook = null;
            if (Hooks.TryParseChain(c.Name, out var h))
            {
                if ((hooks & h.AsSet()) != 0) hook = h;
                else (errors ??= []).Add(new Diagnostic(Severity.Error, c.DeclarationAt, $"table {name.Name()} has no builtin chain {c.Name} (its builtin chains are {hooks.Describe()})"
                    + (inference is not null ? " — the table was inferred, so the inference may be wrong" : "")));
            }
            var policy = c.DeclaredPolicy;
            var p = hook is null ? Policy.None : policy == Policy.None ? Policy.Accept : policy;
            into[i] = Build(d, c, hook, p, c.DeclaredCounters?.Value, c.Declaration);
        }
    }

    private static Chain Build(TableDraft d, ChainDraft c, Hook? hook, Policy policy, Counters? counters, SourceLine? decl)
    {
        c.Assembled = true;
        var chain = c.OwnRules is { } own
            ? new Chain { Name = c.Name, Hook = hook, Policy = policy, PolicyCounters = counters, Declaration = decl, Rules = own }
            : new Chain { Name = c.Name, Hook = hook, Policy = policy, PolicyCounters = counters, Declaration = decl, RuleRun = d.RunOf(c) };
        return chain;
    }
}
