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

    /// <summary>The straightforward scan: every rule of every chain visited, in order (the reference the fast path must equal).</summary>
    public static Outcome Run(Table table, Hook hook, WalkContext ctx)
    {
        var builtin = table.BuiltinChain(hook);
        if (builtin is null) return Outcome.Accept;
        var stack = new Stack<(Chain Chain, int Next)>();
        var current = builtin;
        int i = 0, steps = 0;
        while (steps++ < MaxSteps)
        {
            if (i >= current.Rules.Count)
            {
                if (current.IsBuiltin || stack.Count == 0) return Policy(builtin, ctx, current.IsBuiltin ? "end of chain" : $"end of {current.Name}, reached by goto: no return point");
                (current, i) = stack.Pop();
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
                        break;
            }
        }
        ctx.AddAssumption("the rule walk did not end after 100000 steps (a loop?); treated as DROP");
        return Outcome.Drop;
    }

    /// <summary>
    /// The same walk over the compiled table: chain arrays, resolved jumps, comment matches left out (always true), the
    /// exact-destination index (not in verbose walks, which list every rule tried), cached step texts, a reused return stack.
    /// The 100000-step limit counts the rules the index skips, as the scan would have visited them.
    /// </summary>
    public static Outcome RunCompiled(CompiledTable table, Hook hook, WalkContext ctx)
    {
        var builtin = table.Builtin(hook);
        if (builtin is null) return Outcome.Accept;
        var stack = ctx.ReturnStack ?? ctx.BorrowReturnStack();
        int depth = 0;
        var current = builtin;
        int i = 0, steps = 0;
        bool verbose = ctx.Options.Verbose, recording = ctx.Recording;
        var index = verbose ? null : current.Index;
        var heads = current.Heads;
        while (steps++ < MaxSteps)
        {
            if (index is not null)
            {
                int j = index.Next(i, ctx.Destination);
                if (j != i)
                {
                    if (steps + (j - i) > MaxSteps) break;
                    steps += j - i; i = j;
                }
            }
            if (i >= heads.Length)
            {
                if (current.IsBuiltin || depth == 0) return Policy(builtin.Chain, ctx, current.IsBuiltin ? "end of chain" : $"end of {current.Name}, reached by goto: no return point");
                (current, i) = stack[--depth];
                heads = current.Heads; index = verbose ? null : current.Index;
                continue;
            }
            ref readonly var head = ref heads[i];
            if (!head.Matches(ctx))
            {
                // rejected on its header tests: the rule object is not read, unless the walk lists every rule
                if (verbose) { var r = head.Rule; ctx.CurrentRule = r.Rule; ctx.CurrentCompiled = r; ctx.RuleStep(r, false, null); }
                i++;
                continue;
            }
            if (head.Nat is { } nat && !recording && !verbose)
            {
                // an outcome-only walk through a rule that only does NAT: what its target's Apply does (the NAT decision,
                // handed over with its compiled parameters; it always ACCEPTs)
                ctx.Nat(nat);
                return Outcome.Accept;
            }
            if (head.Jump is { } callee && !recording && !verbose)
            {
                // an outcome-only walk through a rule that only jumps (perhaps after a random draw): done from the head, as
                // the branches below do it, without reading the rule (nothing after this reads the rule that jumped)
                if (head.Draw is not null && !head.TakeDraw(ctx)) { i++; continue; }
                if (!head.IsGoto)
                {
                    if (depth == stack.Length) ctx.ReturnStack = stack = GrowStack(stack);
                    stack[depth++] = (current, i + 1);
                }
                current = callee; i = 0;
                heads = head.JumpHeads!; index = head.JumpIndex;
                // the callee's heads and, in walk order behind them, those of its first callee (kube-proxy: KUBE-SVC-X's
                // draws, then KUBE-SEP-Y's heads and NAT binding): fetched at once, not each after the jump to it is read
                if (index is null) Prefetch.Heads(heads);
                continue;
            }
            var cr = head.Rule;
            ctx.CurrentRule = cr.Rule; ctx.CurrentCompiled = cr;
            bool matched = true;
            foreach (var m in cr.Matches)
                if (!m.Evaluate(ctx)) { matched = false; break; }
            if (!matched)
            {
                if (verbose) ctx.RuleStep(cr, false, null);
                i++;
                continue;
            }
            var target = cr.Target;
            var outcome = cr.JumpName is not null ? cr.JumpOutcome : target?.Apply(ctx) ?? TargetOutcome.Continue;
            switch (outcome.Kind)
            {
                case Outcome.Continue:
                    if (recording) ctx.RuleStep(cr, true, target is null ? "counted, continue" : "continue");
                    i++;
                    break;
                case Outcome.Accept: if (recording) ctx.RuleStep(cr, true, "ACCEPT"); return Outcome.Accept;
                case Outcome.Drop: if (recording) ctx.RuleStep(cr, true, "DROP"); return Outcome.Drop;
                case Outcome.Queue: if (recording) ctx.RuleStep(cr, true, "QUEUE"); return Outcome.Queue;
                case Outcome.Return:
                    if (depth == 0)
                    {
                        if (recording) ctx.RuleStep(cr, true, current.IsBuiltin ? "RETURN in a builtin chain: policy applies" : "RETURN with no return point: policy applies");
                        return Policy(builtin.Chain, ctx, "RETURN");
                    }
                    if (recording) ctx.RuleStep(cr, true, cr.Texts.ReturnVerdict(stack[depth - 1].Chain.Name));
                    (current, i) = stack[--depth];
                    heads = current.Heads; index = verbose ? null : current.Index;
                    break;
                case Outcome.Jump:
                case Outcome.Goto:
                    var name = outcome.Chain!;
                    bool resolved = cr.JumpName is { } jn && jn == name;
                    var next = resolved ? cr.JumpChain : table.Find(name);
                    if (next is null)
                    {
                        ctx.RuleStep(cr, true, $"jump to {name}, which is not in the input: assumed to return without effect");
                        ctx.AddAssumption($"chain {name} is not in the input; its rules are unknown and assumed to do nothing");
                        i++;
                        break;
                    }
                    if (recording) ctx.RuleStep(cr, true, cr.Texts.JumpVerdict(outcome.Kind == Outcome.Jump, next.Name));
                    if (outcome.Kind == Outcome.Jump)
                    {
                        if (depth == stack.Length) ctx.ReturnStack = stack = GrowStack(stack);
                        stack[depth++] = (current, i + 1);
                    }
                    current = next; i = 0;
                    heads = resolved ? cr.JumpHeads! : current.Heads;
                    index = verbose ? null : resolved ? cr.JumpIndex : current.Index;
                    break;
            }
        }
        ctx.AddAssumption("the rule walk did not end after 100000 steps (a loop?); treated as DROP");
        return Outcome.Drop;
    }

    private static (CompiledChain Chain, int Next)[] GrowStack((CompiledChain Chain, int Next)[] stack)
    {
        var bigger = new (CompiledChain Chain, int Next)[stack.Length * 2];
        Array.Copy(stack, bigger, stack.Length);
        return bigger;
    }

    private static Outcome Policy(Chain builtin, WalkContext ctx, string why)
    {
        var p = builtin.Policy == Model.Policy.Drop ? Outcome.Drop : Outcome.Accept;
        ctx.PolicyStep(builtin, p, why);
        return p;
    }
}
