using Nfwalk.Model;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Analysis;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// The chain graph notes, in its one pass over the rules, what the load-time checks need of each rule
/// (<see cref="ChainGraph.IsQuietAt"/>), and the validator then reads only the rules with something to check. Against the
/// reference — a validator that looks at every rule — the diagnostics must be the same, on every fixture and on cases
/// made to have each kind of problem; and the graph of a table made by hand from the same rules (new chains, in the
/// parser's order or reversed) must be the parsed one's.
/// </summary>
public class LoadCheckTests
{
    public static TheoryData<string> Inputs()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "fixtures", "corpus"), "*.rules").OrderBy(x => x)) d.Add(f);
        d.Add(Path.Combine(Repo.Root, "..", "shared", "seed", "seed-rules.txt"));
        foreach (var k in EdgeCases.Keys) d.Add(k);
        return d;
    }

    private static readonly Dictionary<string, string> EdgeCases = new()
    {
        // a jump to a chain declared after it (restore input), to none, to a builtin chain, a goto, an -I, a chain that only has rules
        ["later-missing-builtin"] = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -j LATER\n-A INPUT -j MISSING\n"
            + "-A INPUT -j OUTPUT\n-A INPUT -g LATER\n-N LATER\n-A LATER -j DROP\n-I INPUT -j LATER\n-A FORWARD -j UNDECLARED\n-A UNDECLARED -j RETURN\nCOMMIT\n",
        // nat: DROP refused, a target outside its hooks through a user chain, an unknown target, an interface test reached from the wrong hook
        ["nat-checks"] = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n"
            + "-A PREROUTING -j A\n-A POSTROUTING -j A\n-A A -j DNAT --to-destination 10.0.0.1\n-A A -j B\n-A B -o eth0 -j MASQUERADE\n-A B -j DROP\n"
            + "-A B -j FROBNICATE --frob 1\n-A B -m frob --x 1 -j RETURN\n-A B -j A\nCOMMIT\n",
        // a headerless paste: two blocks both named X (the jump of each block goes to its own block's chains)
        ["headerless-blocks"] = ":X - [0:0]\n:Y - [0:0]\n-A X -j Y\n-A Y -j MARK --set-xmark 0x1/0x1\n:X - [0:0]\n-A X -j DNAT --to-destination 10.0.0.2\n-A X -j Y\n-A X -j X\n",
        // a loop between user chains
        ["loop"] = "*filter\n:INPUT ACCEPT [0:0]\n:L1 - [0:0]\n:L2 - [0:0]\n-A INPUT -j L1\n-A L1 -j L2\n-A L2 -m mark --mark 0x1 -j L1\nCOMMIT\n",
    };

    private static Ruleset Parse(string input)
        => EdgeCases.TryGetValue(input, out var text) ? SaveParser.Parse(text, input).Ruleset : SaveParser.Parse(File.ReadAllText(input), Path.GetFileName(input)).Ruleset;

    /// <summary>The same rules in new chains, in a table the parser did not make.</summary>
    private static Table ByHand(Table t, bool reversed = false)
    {
        var chains = t.Chains.Select(c => new Chain { Name = c.Name, Rules = c.Rules, Hook = c.Hook, Policy = c.Policy, PolicyCounters = c.PolicyCounters, Declaration = c.Declaration }).ToList();
        if (reversed) chains.Reverse();
        return new Table { Name = t.Name, Chains = chains, Inference = t.Inference, Header = t.Header, Commit = t.Commit };
    }

    private static void SameGraph(ChainGraph expected, ChainGraph actual)
    {
        var chains = expected.Table.Chains;
        Assert.Equal(chains.Select(c => c.Name), actual.Table.Chains.Select(c => c.Name));
        for (int ci = 0; ci < chains.Count; ci++)
        {
            Assert.Equal(expected.HooksOfChainAt(ci), actual.HooksOfChainAt(ci));
            Assert.Equal(expected.MaxDepthAt(ci), actual.MaxDepthAt(ci));
            for (int ri = 0; ri < chains[ci].Rules.Count; ri++)
            {
                var (e, a) = (expected.CalleeAt(ci, ri), actual.CalleeAt(ci, ri));
                Assert.Equal(e?.Name, a?.Name);
                Assert.Equal(e?.IsBuiltin, a?.IsBuiltin);
                foreach (var hooks in new[] { HookSet.None, HookSet.All, expected.HooksOfChainAt(ci) })
                    Assert.Equal(expected.IsQuietAt(ci, ri, hooks), actual.IsQuietAt(ci, ri, hooks));
            }
        }
        Assert.Equal(expected.Loops.Select(l => string.Join(">", l)), actual.Loops.Select(l => string.Join(">", l)));
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void The_checks_of_the_rules_the_graph_finds_quiet_are_skipped_without_a_change(string input)
    {
        var rs = Parse(input);
        foreach (var t in rs.Tables)
        {
            SameGraph(new ChainGraph(ByHand(t)), new ChainGraph(t));
            var moved = new Table { Name = t.Name, Chains = t.Chains.Reverse().ToList(), Inference = t.Inference };
            SameGraph(new ChainGraph(ByHand(t, reversed: true)), new ChainGraph(moved));
        }

        static List<string> Text(IEnumerable<Diagnostics.Diagnostic> ds) => ds.Select(d => d.ToString()).ToList();
        var reference = Text(RulesetValidator.Validate(rs, null, everyRule: true));
        Assert.Equal(reference, Text(RulesetValidator.Validate(rs)));
        var byHand = new Ruleset { Family = rs.Family, Tables = rs.Tables.Select(t => ByHand(t)).ToList(), Items = [] };
        Assert.Equal(reference, Text(RulesetValidator.Validate(byHand)));
    }

    [Fact]
    public void The_edge_cases_have_what_they_are_there_for()
    {
        // so the cases above cannot pass by having nothing in them: each kind of problem is reported
        var all = string.Join("\n", EdgeCases.Keys.SelectMany(k => RulesetValidator.Validate(Parse(k))).Select(d => d.Message));
        foreach (var expected in new[] { "MISSING, which does not exist", "jump to builtin chain OUTPUT", "DROP in the nat table", "DNAT target is only usable from",
                     "FROBNICATE target is not modelled", "frob match is not modelled", "-o in chain B", "loop between user chains" })
            Assert.Contains(expected, all);
    }
}
