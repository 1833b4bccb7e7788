using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// A rule's chain is its "-A" name whatever order the runs of rules come in: the order of the declarations (what
/// iptables-save writes, and what the builder tries first), the reverse, interleaved, skipping chains without rules,
/// or naming a chain twice in separate runs.
/// </summary>
public class RuleRunTests
{
    [Theory]
    [InlineData("A B C D")]
    [InlineData("D C B A")]
    [InlineData("A C B D")]
    [InlineData("B D")]
    [InlineData("A B A C A D B")]
    public void Every_rule_lands_in_its_chain_in_order(string runs)
    {
        var text = "*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n:C - [0:0]\n:D - [0:0]\n";
        var expected = new Dictionary<string, List<string>>();
        int n = 0;
        foreach (var chain in runs.Split(' '))
            for (int i = 0; i < 2; i++)
            {
                var s = $"10.0.0.{++n}/32";
                text += $"-A {chain} -s {s} -j RETURN\n";
                (expected.TryGetValue(chain, out var l) ? l : expected[chain] = []).Add(s);
            }
        foreach (bool parallel in new[] { false, true })
        {
            var parsed = SaveParser.Parse(text + "COMMIT\n", "runs.rules", parallel: parallel);
            Assert.Empty(parsed.Diagnostics);
            var table = parsed.Ruleset.Tables.Single();
            foreach (var name in new[] { "A", "B", "C", "D" })
            {
                var rules = table.FindChain(name)!.Rules;
                Assert.Equal(expected.GetValueOrDefault(name) ?? [], rules.Select(r => r.Matches.OfType<Nfwalk.Model.Matches.AddressMatch>().Single().Prefix.ToString()).ToList());
                Assert.Equal(Enumerable.Range(1, rules.Count), rules.Select(r => r.Number));
                Assert.All(rules, r => Assert.Equal(name, r.ChainName));
            }
        }
    }
}
