using System.Text;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Analysis;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// ChainGraph.MaxDepth, the nesting the validator compares with iptables-nft's limit of 15: the same answer for every
/// builtin chain whatever the order they are asked in, whether the graph has a loop or not (without one, a depth found for
/// one builtin chain is reused for the next).
/// </summary>
public class ChainDepthTests
{
    // PREROUTING -> C1 -> ... -> C<n>; OUTPUT -> X -> C1 (one deeper); C3 also jumps to a side chain S; with a loop, S -> L1 -> L2 -> L1
    private static ChainGraph Graph(int n, bool loop)
    {
        var sb = new StringBuilder("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:X - [0:0]\n:S - [0:0]\n:L1 - [0:0]\n:L2 - [0:0]\n");
        for (int i = 1; i <= n; i++) sb.Append($":C{i} - [0:0]\n");
        sb.Append("-A PREROUTING -j C1\n-A OUTPUT -j X\n-A X -j C1\n-A C3 -j S\n");
        for (int i = 1; i < n; i++) sb.Append($"-A C{i} -j C{i + 1}\n");
        if (loop) sb.Append("-A S -j L1\n-A L1 -j L2\n-A L2 -j L1\n");
        var table = SaveParser.Parse(sb.Append("COMMIT\n").ToString(), "d.rules").Ruleset.Tables.Single();
        return new ChainGraph(table);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Every_builtin_chain_gets_its_depth_in_either_order(bool loop, bool outputFirst)
    {
        var g = Graph(17, loop);
        Assert.Equal(loop, g.Loops.Count > 0);
        // below PREROUTING: C1..C17 is 17 deep; S (below C3) is 4 deep, with the loop L1 -> L2 6
        var order = outputFirst ? new[] { "OUTPUT", "PREROUTING", "OUTPUT" } : new[] { "PREROUTING", "OUTPUT", "PREROUTING" };
        var depths = order.Select(c => (c, g.MaxDepth(c))).ToList();
        foreach (var (c, d) in depths) Assert.Equal(c == "OUTPUT" ? 18 : 17, d);
        Assert.Equal(0, g.MaxDepth("INPUT"));
        Assert.Equal(15, g.MaxDepth("C2")); // C2 -> ... -> C17
    }
}
