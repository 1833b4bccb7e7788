using Nfwalk.Model;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// One table at one hook, as ipt_do_table runs it: rules in order, all matches must hold, targets continue or decide;
/// jumps push a return point, gotos do not; RETURN (or the end of a user chain) pops it, and with nothing to pop the
/// builtin chain's policy applies. ACCEPT ends only this table's traversal.
/// </summary>
internal static class TableRunner
{
    private const int MaxSteps = 100_000;

    public static Outcome Run(Table table, Hook hook, WalkContext ctx)
    {
        var builtin = table.BuiltinChain(hook);
        if (builtin is null) return Outcome.Accept;
        var stack = new Stack<(Chain Chain, int Next)>();
        var current = builtin;
        int i = 0, steps = 0;
        bool useIndex = ctx.Options.UseIndex && !ctx.Options.Verbose;
        var index = useIndex ? ChainIndex.For(current) : null;
        while (steps++ < MaxSteps)
        {
            if (index is { HasRuns: true }) i = index.Next(i, ctx.Destination);
            if (i >= current.Rules.Count)
            {
                if (current.IsBuiltin || stack.Count == 0) return Policy(builtin, ctx, current.IsBuiltin ? "end of chain" : $"end of {current.Name}, reached by goto: no return point");
                (current, i) = stack.Pop();
                if (useIndex) index = ChainIndex.For(current);
                continue;
            }
            var rule = current.Rules[i];
            ctx.CurrentRule = rule;
            bool matched = true;
            foreach (var m in rule.Matches)
                if (!m.Evaluate(ctx)) { matched = false; break; }
            if (!matched)
            {
                if (ctx.Options.Verbose) ctx.RuleStep(rule, false, null);
                i++;
                continue;
            }
            var outcome = rule.Target?.Apply(ctx) ?? TargetOutcome.Continue;
            switch (outcome.Kind)
            {
                case Outcome.Continue:
                    ctx.RuleStep(rule, true, rule.Target is null ? "counted, continue" : "continue");
                    i++;
                    break;
                case Outcome.Accept: ctx.RuleStep(rule, true, "ACCEPT"); return Outcome.Accept;
                case Outcome.Drop: ctx.RuleStep(rule, true, "DROP"); return Outcome.Drop;
                case Outcome.Queue: ctx.RuleStep(rule, true, "QUEUE"); return Outcome.Queue;
                case Outcome.Return:
                    if (stack.Count == 0)
                    {
                        ctx.RuleStep(rule, true, current.IsBuiltin ? "RETURN in a builtin chain: policy applies" : "RETURN with no return point: policy applies");
                        return Policy(builtin, ctx, "RETURN");
                    }
                    ctx.RuleStep(rule, true, $"RETURN to {stack.Peek().Chain.Name}");
                    (current, i) = stack.Pop();
                    if (useIndex) index = ChainIndex.For(current);
                    break;
                case Outcome.Jump:
                case Outcome.Goto:
                    if (table.FindChain(outcome.Chain!) is not { } target)
                    {
                        ctx.RuleStep(rule, true, $"jump to {outcome.Chain}, which is not in the input: assumed to return without effect");
                        ctx.AddAssumption($"chain {outcome.Chain} is not in the input; its rules are unknown and assumed to do nothing");
                        i++;
                        break;
                    }
                    ctx.RuleStep(rule, true, outcome.Kind == Outcome.Jump ? $"jump to {target.Name}" : $"goto {target.Name}");
                    if (outcome.Kind == Outcome.Jump) stack.Push((current, i + 1));
                    current = target; i = 0;
                    if (useIndex) index = ChainIndex.For(current);
                    break;
            }
        }
        ctx.AddAssumption("the rule walk did not end after 100000 steps (a loop?); treated as DROP");
        return Outcome.Drop;
    }

    private static Outcome Policy(Chain builtin, WalkContext ctx, string why)
    {
        var p = builtin.Policy == Model.Policy.Drop ? Outcome.Drop : Outcome.Accept;
        ctx.PolicyStep(builtin, p, why);
        return p;
    }
}
