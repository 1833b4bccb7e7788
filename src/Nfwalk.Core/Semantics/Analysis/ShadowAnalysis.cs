using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Targets;

namespace Nfwalk.Semantics.Analysis;

/// <summary>
/// Finds rules that can never matter (an earlier rule with the same or weaker condition already ended the chain,
/// and nothing in between can change what it tested), rules whose conditions can never hold, and repeated rules
/// that are NOT redundant because something in between changes the state they test.
/// </summary>
public static class ShadowAnalysis
{
    public static Dictionary<Rule, List<string>> Analyse(Table table, ChainGraph graph)
    {
        var notes = new Dictionary<Rule, List<string>>();
        var effects = new RuleEffects(graph);
        void Note(Rule r, string s) { if (!notes.TryGetValue(r, out var l)) notes[r] = l = new List<string>(); l.Add(s); }

        foreach (var chain in table.Chains)
        {
            var rules = chain.Rules;
            var texts = rules.Select(r => r.Matches.Select(m => m.ToString()).ToHashSet()).ToArray();
            var full = rules.Select(r => r.ToSaveText(false)).ToArray();
            for (int i = 0; i < rules.Count; i++)
            {
                var ri = rules[i];
                foreach (var m in ri.Matches)
                    if (m is MarkMatch mm && mm.IsImpossible)
                        Note(ri, mm.Negated
                            ? $"its {mm.Name} test is always true: {Nfwalk.Parsing.Iptables.Values.Hex(mm.Value)} has bits outside the mask {Nfwalk.Parsing.Iptables.Values.Hex(mm.Mask)}"
                            : $"can never match: {Nfwalk.Parsing.Iptables.Values.Hex(mm.Value)} has bits outside the mask {Nfwalk.Parsing.Iptables.Values.Hex(mm.Mask)}, so (mark & mask) can never equal it");

                // identical earlier rules
                var same = new List<int>();
                for (int j = 0; j < i; j++) if (full[j] == full[i]) same.Add(j);
                if (same.Count > 0 && ri.Target is not null && !ri.Target.IsTerminating)
                    Note(ri, $"repeats rule{(same.Count > 1 ? "s" : "")} {string.Join(", ", same.Select(j => rules[j].Number))} word for word");

                // shadowing by an earlier terminating rule with a weaker-or-equal condition
                for (int j = i - 1; j >= 0; j--)
                {
                    var rj = rules[j];
                    if (rj.Target is null || !rj.Target.IsTerminating || rj.Target is TproxyTarget or NfqueueTarget) continue;
                    if (!texts[j].IsSubsetOf(texts[i])) continue;
                    // what could change between j and i?
                    var between = Effects.None;
                    var changers = new List<Rule>();
                    for (int k = j + 1; k < i; k++)
                    {
                        var e = effects.Of(rules[k]);
                        if (e.IsNone) continue;
                        bool relevant = false; bool unstable = false;
                        foreach (var m in rj.Matches)
                        {
                            var a = RuleEffects.Affects(m, e);
                            if (a is null) unstable = true; else if (a.Value) relevant = true;
                        }
                        if (unstable) { changers.Clear(); between = new Effects(0, 0, false, true); break; }
                        if (relevant) { changers.Add(rules[k]); between = between.Union(e); }
                    }
                    bool deterministic = rj.Matches.All(m => RuleEffects.Affects(m, Effects.None) is not null);
                    if (!deterministic || between.Anything) break;
                    bool identical = full[j].Replace("-A " + chain.Name, "") == full[i].Replace("-A " + chain.Name, "");
                    bool sameCond = texts[j].SetEquals(texts[i]);
                    if (changers.Count == 0)
                    {
                        Note(ri, $"can never matter: rule {rj.Number} (line {rj.Source.Number}) already {Verb(rj.Target)} every packet this rule could match"
                               + (sameCond ? " (same condition)" : " (its condition is weaker)")
                               + ", and no rule in between can change what it tests");
                        break;
                    }
                    if (sameCond && ri.Target?.Name == rj.Target.Name)
                    {
                        Note(ri, $"repeats the test of rule {rj.Number}{(identical ? " word for word" : "")}, but is not redundant: "
                               + string.Join("; ", changers.Select(c => $"rule {c.Number} ({c.Target}) can change {Describe(c, effects, rj)}"))
                               + $" after rule {rj.Number} was checked");
                        break;
                    }
                }
            }
        }
        return notes;
    }

    private static string Verb(Target t) => t switch
    {
        VerdictTarget { Verdict: Verdict.Return } => "returned",
        VerdictTarget { Verdict: Verdict.Accept } => "accepted",
        VerdictTarget { Verdict: Verdict.Drop } => "dropped",
        RejectTarget => "rejected",
        JumpTarget { IsGoto: true } => "sent away (goto)",
        _ => "ended the chain for",
    };

    private static string Describe(Rule changer, RuleEffects effects, Rule tested)
    {
        var e = effects.Of(changer);
        var parts = new List<string>();
        foreach (var m in tested.Matches)
        {
            if (m is MarkMatch { IsConnmark: false } mm && (mm.Mask & e.SkbMarkBits) != 0) parts.Add($"packet-mark {MarkText.Bits(mm.Mask & e.SkbMarkBits)}");
            if (m is MarkMatch { IsConnmark: true } cm && (cm.Mask & e.CtMarkBits) != 0) parts.Add($"connection-mark {MarkText.Bits(cm.Mask & e.CtMarkBits)}");
            if (m is SetMatch sm && e.Sets) parts.Add($"ipset {sm.SetName}");
        }
        return parts.Count == 0 ? "what it tests" : string.Join(" and ", parts.Distinct());
    }
}
