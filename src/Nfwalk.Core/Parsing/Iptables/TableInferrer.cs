using Nfwalk.Diagnostics;
using Nfwalk.Model;
using Nfwalk.Model.Targets;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// Decides which table each headerless block (e.g. from "iptables-save | grep X") belongs to, and says why.
/// Hard evidence: builtin chains only some tables have, targets the kernel accepts in one table only, DROP never in nat.
/// Then elimination (iptables-save prints each table once), then tool conventions, then filter (what iptables assumes without -t).
/// </summary>
internal static class TableInferrer
{
    public static Dictionary<TableDraft, (TableName, TableInference)> Infer(List<TableDraft> blocks, DiagnosticBag diags)
    {
        var result = new Dictionary<TableDraft, (TableName, TableInference)>();
        if (blocks.Count == 0) return result;
        var hard = new TableSet[blocks.Count];
        var reasons = new List<string>[blocks.Count];
        var soft = new TableSet[blocks.Count];
        var softReasons = new List<string>[blocks.Count];

        for (int i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            reasons[i] = new List<string>(); softReasons[i] = new List<string>();
            var cand = TableSet.All;
            // builtin chains
            var builtins = new List<string>();
            foreach (var name in b.Declarations.Select(c => c.Name)) if (Hooks.TryParseChain(name, out _) && !builtins.Contains(name)) builtins.Add(name);
            foreach (var r in b.Rules) if (Hooks.TryParseChain(r.ChainName, out _) && !builtins.Contains(r.ChainName)) builtins.Add(r.ChainName);
            if (builtins.Count > 0)
            {
                var byChains = TableSet.All;
                foreach (var n in builtins) { Hooks.TryParseChain(n, out var h); byChains &= TablesWith(h); }
                builtins.Sort((x, y) => Order(x).CompareTo(Order(y)));
                reasons[i].Add($"it has rules or policies in the builtin chain{(builtins.Count > 1 ? "s" : "")} {string.Join(", ", builtins)}, which only {Plural(byChains)} {(byChains.Count() == 1 ? "has" : "have")}{(builtins.Count > 1 ? " together" : "")}");
                cand &= byChains;
            }
            // targets
            var seen = new HashSet<string>();
            int markLike = 0;
            foreach (var r in b.Rules)
            {
                var t = r.Target;
                if (t is null) continue;
                if (t is MarkTarget or ConnmarkTarget) markLike++;
                if (t is VerdictTarget { Verdict: Verdict.Drop })
                {
                    if (seen.Add("DROP")) reasons[i].Add($"line {r.Source.Number} uses DROP, which iptables refuses in nat");
                    cand &= ~TableSet.Nat;
                    continue;
                }
                if (t is JumpTarget or VerdictTarget) continue;
                var allowed = t.AllowedTables;
                if (allowed == TableSet.All) continue;
                if (seen.Add(t.Name)) reasons[i].Add($"line {r.Source.Number} uses {t.Name}, which the kernel accepts only in {allowed.Describe()}");
                cand &= allowed;
            }
            if (cand == TableSet.None)
            {
                diags.Warning(BlockAt(b), "the rules of this headerless block cannot all belong to one table (" + string.Join("; ", reasons[i]) + "); was the paste mixed from several tables?");
                cand = TableSet.All;
            }
            hard[i] = cand;
            if (markLike > 0) softReasons[i].Add("MARK/CONNMARK are valid in every table, so they do not decide the table, though they are usually in mangle");
            // conventions (tie-breakers only)
            soft[i] = Conventions(b, softReasons[i]);
        }

        // elimination: a dump prints each table once
        var final = (TableSet[])hard.Clone();
        var eliminated = new List<string>[blocks.Count];
        for (int i = 0; i < blocks.Count; i++) eliminated[i] = new List<string>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int i = 0; i < blocks.Count; i++)
            {
                if (final[i].Count() != 1) continue;
                for (int j = 0; j < blocks.Count; j++)
                {
                    if (j == i || (final[j] & final[i]) == 0 || final[j].Count() == 1) continue;
                    final[j] &= ~final[i];
                    eliminated[j].Add($"{final[i].Describe()} is the block starting at line {BlockLine(blocks[i])}, and iptables-save prints each table once");
                    changed = true;
                }
            }
        }

        for (int i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            var cand = final[i];
            TableCertainty certainty;
            string? doubt = null;
            var why = new List<string>(reasons[i]);
            TableName chosen;
            if (hard[i].Count() == 1) { certainty = TableCertainty.Certain; chosen = hard[i].Members().First(); }
            else
            {
                why.AddRange(eliminated[i].Select(e => "not " + e));
                if (cand.Count() > 1 && (soft[i] & cand) != 0 && (soft[i] & cand) != cand)
                {
                    cand &= soft[i];
                    why.AddRange(softReasons[i].Where(s => !s.StartsWith("MARK")));
                }
                if (cand.Count() == 1)
                {
                    certainty = TableCertainty.Likely; chosen = cand.Members().First();
                    doubt = $"no rule in this block uses a target or chain that exists only in {chosen.Name()}: the rules alone fit {hard[i].Describe()}, and {chosen.Name()} was chosen "
                          + (eliminated[i].Count > 0 ? "by elimination" : "by naming convention")
                          + ". If the paste joined two dumps (for example iptables-legacy-save and iptables-nft-save output) or left lines out, it could be another of those tables";
                }
                else
                {
                    certainty = TableCertainty.Assumed;
                    chosen = (cand & TableSet.Filter) != 0 ? TableName.Filter : cand.Members().First();
                    why.Add(chosen == TableName.Filter
                        ? "nothing decides between " + cand.Describe() + "; filter is assumed, as the iptables command does without -t"
                        : "nothing decides between " + cand.Describe() + "; " + chosen.Name() + " is assumed");
                    doubt = $"any of {cand.Describe()} is possible";
                }
            }
            why.AddRange(softReasons[i].Where(s => s.StartsWith("MARK")));
            result[b] = (chosen, new TableInference(certainty, hard[i], why, doubt));
        }

        // A dump prints each table once: where two uncertain blocks landed on the same table, move the less certain one
        // to another table its rules allow (blocks exist precisely because a chain name was declared again).
        var order = Enumerable.Range(0, blocks.Count).OrderBy(i => result[blocks[i]].Item2.Certainty).ThenBy(i => i).ToList();
        var used = new HashSet<TableName>();
        foreach (var i in order)
        {
            var (t, inf) = result[blocks[i]];
            if (used.Add(t) || inf.Certainty == TableCertainty.Certain) continue;
            var free = inf.Candidates.Members().Where(c => !used.Contains(c)).ToList();
            if (free.Count == 0) continue;
            var pick = free.FirstOrDefault(c => (soft[i] & c.AsSet()) != 0, free.Contains(TableName.Filter) ? TableName.Filter : free.Contains(TableName.Nat) ? TableName.Nat : free[0]);
            used.Add(pick);
            var reasons2 = inf.Reasons.Append($"{t.Name()} is already the table of another block, and iptables-save prints each table once").ToList();
            result[blocks[i]] = (pick, inf with
            {
                Certainty = free.Count == 1 ? TableCertainty.Likely : TableCertainty.Assumed,
                Reasons = reasons2,
                Doubt = free.Count == 1 ? $"chosen by elimination: the rules alone fit {inf.Candidates.Describe()}" : $"any of {string.Join(", ", free.Select(f => f.Name()))} is possible; {pick.Name()} assumed",
            });
        }
        return result;
    }

    private static int Order(string chain) => Hooks.TryParseChain(chain, out var h) ? (int)h : 99;

    private static TableSet TablesWith(Hook h)
    {
        var s = TableSet.None;
        foreach (var t in TableNames.All) if ((t.Hooks() & h.AsSet()) != 0) s |= t.AsSet();
        return s;
    }

    private static string Plural(TableSet s) => s.Count() == 1 ? $"the {s.Describe()} table" : $"the {s.Describe()} tables";

    private static SourceLocation BlockAt(TableDraft b)
        => b.Declarations.Count > 0 ? b.Declarations[0].Declaration!.Value.Start : b.Rules.Count > 0 ? b.Rules[0].Source.Start : SourceLocation.None;

    private static int BlockLine(TableDraft b) => BlockAt(b).Line;

    /// <summary>Chain names and shapes well-known tools use (kube-proxy, Docker, Calico), as tie-breakers only.</summary>
    private static TableSet Conventions(TableDraft b, List<string> why)
    {
        var names = b.Declarations.Select(d => d.Name).Concat(b.Rules.Select(r => r.ChainName)).Distinct().ToList();
        bool Any(Func<string, bool> f) => names.Any(f);
        if (Any(n => n.StartsWith("KUBE-SVC-") || n.StartsWith("KUBE-SEP-") || n.StartsWith("KUBE-XLB-") || n.StartsWith("KUBE-EXT-") || n == "KUBE-MARK-MASQ" || n == "KUBE-POSTROUTING" || n.StartsWith("cali-nat-")))
        { why.Add("its chain names are kube-proxy's/Calico's NAT chains (KUBE-SVC-*, KUBE-SEP-*, KUBE-MARK-MASQ, cali-nat-*), which live in nat"); return TableSet.Nat; }
        if (Any(n => n is "KUBE-FIREWALL" or "KUBE-FORWARD" or "DOCKER-USER" or "KUBE-EXTERNAL-SERVICES" || n.StartsWith("DOCKER-ISOLATION") || n.StartsWith("cali-fw-") || n.StartsWith("cali-tw-") || n.StartsWith("cali-pi-") || n.StartsWith("cali-po-") || n.StartsWith("ufw-")))
        { why.Add("its chain names are filter chains by convention (KUBE-FIREWALL, KUBE-FORWARD, DOCKER-USER, DOCKER-ISOLATION-*, cali-fw-*/cali-tw-*, ufw-*)"); return TableSet.Filter; }
        if (b.Rules.Any(r => r.Target is NatTarget) && b.Rules.Any(r => r.Target is VerdictTarget { Verdict: Verdict.Accept }))
        { why.Add("ACCEPT rules next to NAT targets point to nat"); return TableSet.Nat; }
        if (b.Rules.Any(r => r.Target is MarkTarget or ConnmarkTarget or TosTarget or DscpTarget or ChecksumTarget))
        { why.Add("packet-altering targets (MARK, CONNMARK, TOS, DSCP, CHECKSUM) are by convention in mangle"); return TableSet.Mangle; }
        return TableSet.All;
    }
}
