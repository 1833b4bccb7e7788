using Nfwalk.Semantics.Analysis;

namespace Nfwalk.Tests.Parsing;

/// <summary>How ChainGraph cuts a table's chains into parts for two threads (ChainGraph.CutParts).</summary>
public class ChainGraphPartsTests
{
    private static int[] Starts(params int[] rulesPerChain)
    {
        var starts = new int[rulesPerChain.Length + 1];
        for (int i = 0; i < rulesPerChain.Length; i++) starts[i + 1] = starts[i] + rulesPerChain[i];
        return starts;
    }

    [Fact]
    public void A_small_table_is_one_part()
        => Assert.Equal([0, 3], ChainGraph.CutParts(Starts(5, 0, 7), minRules: 100, perPart: 4));

    [Fact]
    public void Parts_cover_every_chain_once_in_order_with_about_as_many_rules_each()
    {
        var rng = new Random(7);
        var rules = Enumerable.Range(0, 5000).Select(_ => rng.Next(0, 9) == 0 ? 0 : rng.Next(1, 60)).ToArray();
        var starts = Starts(rules);
        var cuts = ChainGraph.CutParts(starts, minRules: 1000, perPart: 4096);
        int total = starts[^1];
        Assert.Equal(total / 4096 + 1, cuts.Length);
        Assert.Equal(0, cuts[0]);
        Assert.Equal(rules.Length, cuts[^1]);
        for (int k = 0; k + 1 < cuts.Length; k++)
        {
            Assert.True(cuts[k] <= cuts[k + 1]);
            int inPart = starts[cuts[k + 1]] - starts[cuts[k]];
            Assert.InRange(inPart, total / (cuts.Length - 1) - 60, total / (cuts.Length - 1) + 60); // within one chain of an even cut
        }
    }

    [Fact]
    public void A_chain_with_most_of_the_rules_leaves_empty_parts_not_a_wrong_cut()
    {
        var starts = Starts(1, 10_000, 1, 0, 0, 1);
        var cuts = ChainGraph.CutParts(starts, minRules: 1000, perPart: 1000);
        Assert.Equal(0, cuts[0]);
        Assert.Equal(6, cuts[^1]);
        Assert.True(cuts.Zip(cuts.Skip(1)).All(p => p.First <= p.Second));
        // every chain is in exactly one part
        var seen = new int[6];
        for (int k = 0; k + 1 < cuts.Length; k++) for (int c = cuts[k]; c < cuts[k + 1]; c++) seen[c]++;
        Assert.All(seen, n => Assert.Equal(1, n));
    }
}
