using System.Text;
using Nfwalk.Diagnostics;
using Nfwalk.Model;
using Nfwalk.Model.Targets;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Analysis;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// A jump to a user chain keeps its chain's name as its place in the file (no string) until asked for (JumpTarget), and the
/// chain graph looks it up by those bytes: the name, the graph, the messages and the printed rule must be those of a jump
/// that had its string from the start, whichever way the file was read and parsed.
/// </summary>
public class JumpNameTests
{
    private const string Text = """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]
        :KUBE-SEP-BBBBBBBBBBBBBBBB - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :SHORT - [0:0]
        -A INPUT -m comment --comment "café" -j KUBE-SVC-AAAAAAAAAAAAAAAA
        -A INPUT -j KUBE-SVC-AAAAAAAAAAAAAAAA
        -A INPUT -g SHORT
        -A INPUT -j NOWHERE
        -A INPUT -j A-CHAIN-NAME-OF-MORE-THAN-28-CHARACTERS
        -A INPUT -j SHORT --some-option 1
        -A INPUT -j "SHORT"
        -A FORWARD -s 10.0.0.1/32 -j KUBE-MARK-MASQ
        -A FORWARD -s 10.0.0.2/32 -j KUBE-MARK-MASQ
        -A KUBE-SVC-AAAAAAAAAAAAAAAA -j KUBE-SEP-BBBBBBBBBBBBBBBB
        -A KUBE-SEP-BBBBBBBBBBBBBBBB -j KUBE-MARK-MASQ
        COMMIT

        """;

    private static IEnumerable<ParseResult> Parses()
    {
        yield return SaveParser.Parse(Text, "jumps.rules", parallel: false);
        yield return SaveParser.Parse(Text, "jumps.rules", parallel: true);
        // and from a file, mapped (padded past a megabyte) and read
        var path = Path.Combine(Path.GetTempPath(), $"nfwalk-jumps-{Guid.NewGuid():N}.rules");
        try
        {
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(Text + string.Concat(Enumerable.Repeat("# padding to make the file large enough to be mapped\n", 25_000))));
            foreach (var map in new[] { true, false }) yield return SaveParser.ParseFile(path, null, map);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Jumps_name_resolve_print_and_report_as_written()
    {
        bool first = true;
        foreach (var parsed in Parses())
        {
            var table = parsed.Ruleset.Tables.Single();
            var input = table.Chains.Single(c => c.Name == "INPUT").Rules;
            var jumps = input.Select(r => r.Target).ToList();
            Assert.Equal("KUBE-SVC-AAAAAAAAAAAAAAAA", ((JumpTarget)jumps[0]!).Chain); // a line that is not ASCII: a string from the start
            Assert.Equal("KUBE-SVC-AAAAAAAAAAAAAAAA", ((JumpTarget)jumps[1]!).Chain);
            Assert.True(((JumpTarget)jumps[2]!).IsGoto);
            Assert.Equal("SHORT", ((JumpTarget)jumps[2]!).Chain);
            Assert.Equal("NOWHERE", ((JumpTarget)jumps[3]!).Chain);
            Assert.IsType<UnknownTarget>(jumps[5]);                    // options after it: an extension target nfwalk does not know
            Assert.Equal("SHORT", ((JumpTarget)jumps[6]!).Chain);       // quoted
            var forward = table.Chains.Single(c => c.Name == "FORWARD").Rules;
            // the same jump at the same column: one object (in a parse on one thread; two threads may each have theirs)
            if (first) Assert.Same(forward[0].Target, forward[1].Target);
            first = false;
            Assert.Equal("-A INPUT -g SHORT", input[2].Text);
            Assert.Equal("-A FORWARD -s 10.0.0.2/32 -j KUBE-MARK-MASQ", forward[1].Text);

            var graph = new ChainGraph(table);
            var chains = table.Chains.ToList();
            int at = chains.FindIndex(c => c.Name == "INPUT");
            Assert.Equal("KUBE-SVC-AAAAAAAAAAAAAAAA", graph.CalleeAt(at, 1)!.Name);
            Assert.Equal("SHORT", graph.CalleeAt(at, 2)!.Name);
            Assert.Null(graph.CalleeAt(at, 3));
            int svc = chains.FindIndex(c => c.Name == "KUBE-SVC-AAAAAAAAAAAAAAAA");
            Assert.Equal("KUBE-SEP-BBBBBBBBBBBBBBBB", graph.CalleeAt(svc, 0)!.Name);

            var errors = parsed.Diagnostics.Concat(RulesetValidator.Validate(parsed.Ruleset)).Where(d => d.Severity == Severity.Error).Select(d => d.Message).ToList();
            Assert.Contains(errors, m => m.Contains("A-CHAIN-NAME-OF-MORE-THAN-28-CHARACTERS") && m.Contains("longer than 28"));
            Assert.Contains(errors, m => m.Contains("NOWHERE"));
        }
    }

    [Fact]
    public void A_jump_is_shared_by_rules_that_name_the_same_chain_at_the_same_column_and_only_by_those()
    {
        var text = """
            *filter
            :X - [0:0]
            -A X -m comment --comment "a" -j M
            -A X -j Y1
            -A X -m comment --comment "bb" -j M
            -A X -j Y2
            -A X -m comment --comment "c" -j M
            -A X -m comment --comment "c" -j N
            -A X -j AM
            -A X -j BM
            -A X -g M
            -A X -j M
            -A X -g M
            COMMIT

            """;
        var rules = SaveParser.Parse(text, "shared.rules", parallel: false).Ruleset.Tables.Single().Chains.Single().Rules;
        JumpTarget J(int i) => (JumpTarget)rules[i].Target!;
        Assert.Same(J(0), J(4));      // same chain, same column, two rules apart
        Assert.NotSame(J(0), J(2));   // same chain, another column
        Assert.NotSame(J(4), J(5));   // same column, another chain
        Assert.Equal("N", J(5).Chain);
        Assert.NotSame(J(6), J(7));   // same length, same last letter, same column
        Assert.Equal(["AM", "BM"], [J(6).Chain, J(7).Chain]);
        Assert.True(J(8).IsGoto);
        Assert.False(J(9).IsGoto);    // a -j after a -g of the same chain at the same column is a jump
        Assert.True(J(10).IsGoto);
        Assert.NotSame(J(8), J(10));  // gotos are not kept

        // many chains at many columns, through the slots in every order: every rule's jump is its own name at its own column
        var random = new Random(7);
        var lines = new List<(string Chain, int Column)>();
        var sb = new StringBuilder("*filter\n:X - [0:0]\n");
        for (int i = 0; i < 2000; i++)
        {
            string chain = $"C{random.Next(40)}", pad = new string('x', random.Next(1, 30));
            string line = $"-A X -m comment --comment {pad} -j {chain}";
            lines.Add((chain, line.IndexOf(" -j ", StringComparison.Ordinal) + 2));
            sb.Append(line).Append('\n');
        }
        sb.Append("COMMIT\n");
        foreach (bool parallel in new[] { false, true })
        {
            var many = SaveParser.Parse(sb.ToString(), "many.rules", parallel: parallel).Ruleset.Tables.Single().Chains.Single().Rules;
            for (int i = 0; i < lines.Count; i++)
            {
                var j = (JumpTarget)many[i].Target!;
                Assert.Equal(lines[i].Chain, j.Chain);
                Assert.Equal(lines[i].Column, j.Column);
            }
        }
    }

    [Fact]
    public void Jumps_resolve_alike_in_batches_whatever_their_names()
    {
        // more rules than a batch of the resolution holds, mixing every kind of name and target, in both parse paths
        string[] names = ["KUBE-SVC-AAAAAAAAAAAAAAAA", "SHORT", "caf\u00e9-chain", "A-NAME-OF-MORE-THAN-THIRTY-ONE-CHARACTERS-X", "INPUT"];
        var sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n");
        foreach (var n in names.Where(n => n != "INPUT")) sb.Append($":{n} - [0:0]\n");
        var rng = new Random(17);
        var expected = new List<string?>();
        for (int i = 0; i < 300; i++)
        {
            int kind = rng.Next(8);
            string target = kind < names.Length ? names[kind] : kind == 5 ? "MISSING-CHAIN" : kind == 6 ? "ACCEPT" : "LOG";
            sb.Append($"-A FORWARD -s 10.0.{i % 256}.1/32 -j {target}\n");
            expected.Add(kind < names.Length ? target : null); // a missing chain and a verdict or extension target: no callee
        }
        sb.Append("COMMIT\n");
        foreach (bool parallel in new[] { false, true })
        {
            var table = SaveParser.Parse(sb.ToString(), "batches.rules", parallel: parallel).Ruleset.Tables.Single();
            var graph = new ChainGraph(table);
            int forward = table.Chains.ToList().FindIndex(c => c.Name == "FORWARD");
            for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], graph.CalleeAt(forward, i)?.Name);
        }
    }

    [Fact]
    public void Every_target_nfwalk_models_is_known_as_a_target_name()
    {
        // a word Extensions.IsTargetName does not know is taken for a chain's name without asking the target parsers
        string[] targets = ["ACCEPT", "DROP", "RETURN", "QUEUE", "TRACE", "REJECT", "LOG", "NFLOG", "MARK", "CONNMARK", "DNAT", "SNAT",
            "MASQUERADE", "REDIRECT", "TPROXY", "CT", "NOTRACK", "NFQUEUE", "CHECKSUM", "TOS", "DSCP", "SET", "TCPMSS", "SECMARK"];
        foreach (var name in targets) Assert.True(Extensions.IsTargetName(name), name);
        foreach (var family in new[] { Nfwalk.Model.Net.IpFamily.V4, Nfwalk.Model.Net.IpFamily.V6 })
            foreach (var name in targets.Concat(["KUBE-SVC-X", "SHORT", "A"]))
                if (Extensions.CreateTarget(name, family) is not null) Assert.True(Extensions.IsTargetName(name), name);
        Assert.False(Extensions.IsTargetName("KUBE-MARK-MASQ"));
    }
}
