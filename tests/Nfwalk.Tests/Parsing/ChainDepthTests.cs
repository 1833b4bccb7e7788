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

    [Fact]
    public void Without_loops_every_chain_has_its_longest_path_whatever_is_asked_first()
    {
        // the depths the loop search finds on its way are those of the longest-path definition, for every chain of random
        // acyclic graphs (jumps only to chains declared later), asked in a random order
        var rng = new Random(7);
        for (int round = 0; round < 200; round++)
        {
            int n = rng.Next(1, 60);
            var jumps = new List<int>[n];
            var sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
            for (int i = 0; i < n; i++) sb.Append($":C{i} - [0:0]\n");
            for (int i = 0; i < n; i++)
            {
                jumps[i] = Enumerable.Range(0, rng.Next(0, 4)).Where(_ => i + 1 < n).Select(_ => rng.Next(i + 1, n)).ToList();
                foreach (var t in jumps[i]) sb.Append($"-A C{i} -j C{t}\n");
            }
            foreach (var b in new[] { "INPUT", "FORWARD", "OUTPUT" })
                if (n > 0) sb.Append($"-A {b} -j C{rng.Next(n)}\n");
            var g = new ChainGraph(SaveParser.Parse(sb.Append("COMMIT\n").ToString(), "dag.rules").Ruleset.Tables.Single());
            Assert.Empty(g.Loops);
            var depth = new int?[n];
            int Depth(int c) => depth[c] ??= jumps[c].Count == 0 ? 0 : jumps[c].Max(t => 1 + Depth(t));
            foreach (var c in Enumerable.Range(0, n).OrderBy(_ => rng.Next()))
                Assert.Equal(Depth(c), g.MaxDepth($"C{c}"));
            foreach (var b in new[] { "INPUT", "FORWARD", "OUTPUT" })
            {
                var first = g.Table.FindChain(b)!.Rules.Select(r => ((Nfwalk.Model.Targets.JumpTarget)r.Target!).Chain).Select(x => int.Parse(x[1..]));
                Assert.Equal(first.Select(t => 1 + Depth(t)).DefaultIfEmpty(0).Max(), g.MaxDepth(b));
            }
        }
    }
}
