using System.Text;
using Nfwalk.Bench;
using Nfwalk.Model;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Printing;
using Nfwalk.Semantics.Analysis;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// The two-thread parse (the rule lines parsed ahead, piece by piece, by a second thread and the builder's) gives exactly what the
/// sequential parse gives: printed ruleset, model (tables, inferred names of headerless fragments, chains, rules with
/// their lines and numbers), every diagnostic with its file:line:column in the same order, and what validation says.
/// </summary>
public class ParallelParseTests
{
    private static readonly double[] Splits = [0.0, 0.1, 0.25, 0.42, 0.5, 0.63, 0.8, 0.97];

    /// <summary>Everything a parse result shows, as text.</summary>
    private static string Describe(ParseResult r)
    {
        var sb = new StringBuilder();
        sb.Append(SavePrinter.Print(r.Ruleset)).Append("\n--- model\n");
        sb.Append(r.Ruleset.Family).Append('\n');
        foreach (var t in r.Ruleset.Tables)
        {
            sb.Append($"table {t.Name} header {t.Header?.Number} commit {t.Commit?.Number} at {t.Location}");
            if (t.Inference is { } inf) sb.Append($" inferred {inf.Certainty} {inf.Candidates} [{string.Join("; ", inf.Reasons)}] {inf.Doubt}");
            sb.Append('\n');
            foreach (var c in t.Chains)
            {
                sb.Append($"  chain {c.Name} {c.Policy} {c.PolicyCounters} decl {c.Declaration?.Number} at {c.Location}\n");
                foreach (var rule in c.Rules)
                    sb.Append($"    {rule.Number} line {rule.Source.Number}@{rule.Source.Offset}+{rule.Source.Length} {rule.Location} {rule.HasUnknownParts} {rule.ToSaveText()}\n");
            }
        }
        sb.Append($"items {r.Ruleset.Items.Count}\n--- diagnostics\n");
        foreach (var d in r.Diagnostics) sb.Append(d).Append('\n');
        sb.Append("--- validation\n");
        foreach (var d in RulesetValidator.Validate(r.Ruleset)) sb.Append(d).Append('\n');
        return sb.ToString();
    }

    /// <summary>Every rule (of an "-A" line) names its chain with the chain's own string, however it was parsed.</summary>
    private static ParseResult NamedByChains(ParseResult r)
    {
        foreach (var t in r.Ruleset.Tables)
            foreach (var c in t.Chains)
                foreach (var rule in c.Rules)
                    if (!ReferenceEquals(rule.ChainName, c.Name)) Assert.Fail($"rule at {rule.Location} names chain {rule.ChainName} with a string of its own");
        return r;
    }

    private static void Same(string text, string name)
    {
        var sequential = Describe(NamedByChains(SaveParser.Parse(text, name, parallel: false)));
        Assert.Equal(sequential, Describe(NamedByChains(SaveParser.Parse(text, name, parallel: true))));
        foreach (var f in Splits)
        {
            var parallel = Describe(NamedByChains(SaveParser.ParseSplitAt(text, name, f)));
            if (parallel != sequential) Assert.Fail($"{name}: split at {f} differs from the sequential parse:\n{FirstDifference(sequential, parallel)}");
        }
    }

    [Fact]
    public void Rules_read_ahead_are_put_in_their_chain_across_pieces_tables_and_lines_that_are_not_ascii()
    {
        // pieces are 512 bytes or more: runs of one chain cross them; OUTPUT ends filter and starts nat (the line between is
        // COMMIT and a header); a line with a non-ASCII comment, and "-I" lines, sit inside runs
        var sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n");
        for (int i = 0; i < 40; i++) sb.Append($"-A A -s 10.0.{i}.0/24 -m comment --comment \"a {i}\" -j B\n");
        sb.Append("-A A -m comment --comment \"caf\u00e9 \u00fcber\" -j RETURN\n-A A -j RETURN\n-I A -s 1.2.3.4/32 -j DROP\n-A A -j ACCEPT\n");
        for (int i = 0; i < 30; i++) sb.Append($"-A B -d 10.1.{i}.0/24 -j RETURN\n");
        sb.Append("-A INPUT -j A\n");
        for (int i = 0; i < 20; i++) sb.Append($"-A OUTPUT -d 10.2.{i}.1/32 -j A\n");
        sb.Append("COMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:A - [0:0]\n");
        for (int i = 0; i < 20; i++) sb.Append($"-A OUTPUT -d 10.3.{i}.1/32 -j A\n");
        sb.Append("-A A -m comment --comment \"\u00e9t\u00e9\" -j RETURN\n-A A -j RETURN\n");
        for (int i = 0; i < 20; i++) sb.Append($"-A PREROUTING -d 10.4.{i}.1/32 -j A\n");
        sb.Append("COMMIT\n");
        var text = sb.ToString();
        Same(text, "runs.rules");
        var r = SaveParser.Parse(text, "runs.rules", parallel: true);
        Assert.Equal([20, 20], r.Ruleset.Tables.Select(t => t.FindChain("OUTPUT")!.Rules.Count));
        Assert.Equal(44, r.Ruleset.Tables[0].FindChain("A")!.Rules.Count);
        Assert.Equal("-A A -s 1.2.3.4/32 -j DROP", r.Ruleset.Tables[0].FindChain("A")!.Rules[0].Text);
    }

    private static string FirstDifference(string a, string b)
    {
        var la = a.Split('\n'); var lb = b.Split('\n');
        for (int i = 0; i < Math.Max(la.Length, lb.Length); i++)
            if (i >= la.Length || i >= lb.Length || la[i] != lb[i])
                return $"line {i + 1}:\n  sequential: {(i < la.Length ? la[i] : "<end>")}\n  parallel:   {(i < lb.Length ? lb[i] : "<end>")}";
        return "(none)";
    }

    public static TheoryData<string> Corpus()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "fixtures", "corpus"), "*.rules").OrderBy(x => x)) d.Add(Path.GetFileName(f));
        return d;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Corpus_dump_parses_the_same_on_two_threads(string name)
    {
        var text = File.ReadAllText(Path.Combine(Repo.Root, "fixtures", "corpus", name));
        Same(text, name);
        // a grepped, headerless fragment of it: table inference must not change either
        var lines = text.Split('\n');
        Same(string.Join('\n', lines.Where(l => l.StartsWith("-A") || l.StartsWith(':')).Where((_, i) => i % 3 != 1)) + "\n", name + ".fragment");
    }

    [Fact]
    public void Seed_rules_parse_the_same_on_two_threads() => Same(File.ReadAllText(Repo.SeedRules), "seed-rules.txt");

    [Fact]
    public void Kube_proxy_dump_parses_the_same_on_two_threads()
    {
        var text = KubeProxyDumpGenerator.Generate(500, 3);
        Same(text, "kp500.rules");
        Assert.True(text.Length < SaveParser.ParallelThreshold);
    }

    [Fact]
    public void Only_big_inputs_take_the_two_thread_path_by_themselves()
    {
        Assert.False(SaveParser.UsesTwoThreads(SaveParser.ParallelThreshold - 1));
        Assert.Equal(Environment.ProcessorCount >= 2, SaveParser.UsesTwoThreads(SaveParser.ParallelThreshold));
        var text = KubeProxyDumpGenerator.Generate(1500, 3);
        Assert.Equal(Describe(SaveParser.Parse(text, "kp.rules", parallel: false)), Describe(SaveParser.Parse(text, "kp.rules", parallel: true)));
    }

    [Fact]
    public void Declarations_with_any_policy_word_parse_the_same_on_two_threads()
    {
        // a declaration read ahead keeps only ACCEPT, DROP and "-" (as a code); a line with any other word is the builder's
        var sb = new StringBuilder("*filter\n");
        string[] words = ["ACCEPT", "DROP", "-", "RETURN", "accept", "QUEUE", "ACCEPTX", "--", "\"-\""];
        foreach (var builtin in new[] { "INPUT", "FORWARD", "OUTPUT" })
            sb.Append($":{builtin} {words[sb.Length % words.Length]} [1:2]\n");
        for (int i = 0; i < 300; i++) sb.Append($":U{i} {words[i % words.Length]} [0:0]\n");
        for (int i = 0; i < 300; i++) sb.Append($"-A U{i} -j ACCEPT\n");
        sb.Append("COMMIT\n");
        Same(sb.ToString(), "policies.rules");
    }

    [Fact]
    public void Randomly_mangled_dumps_parse_the_same_on_two_threads()
    {
        var bases = new[] { File.ReadAllText(Repo.SeedRules), KubeProxyDumpGenerator.Generate(20, 2), File.ReadAllText(Path.Combine(Repo.Root, "fixtures", "corpus", "edge-quoting-negation.rules")) };
        var rnd = new Random(11);
        for (int i = 0; i < 240; i++)
        {
            var chars = bases[i % bases.Length].ToCharArray();
            for (int k = 0; k < 8; k++) chars[rnd.Next(chars.Length)] = " !-\"\n/:[]x0*#\t\r"[rnd.Next(15)];
            var text = new string(chars);
            // sometimes drop the table headers or COMMITs, or add an unknown table, so that headerless blocks and skipped tables cross the split
            if (i % 4 == 1) text = text.Replace("*nat\n", "").Replace("*filter\n", "");
            if (i % 4 == 2) text = text.Replace("COMMIT\n", "", StringComparison.Ordinal);
            if (i % 4 == 3) text = text.Replace("*mangle\n", "*bogus\n").Replace("*nat\n", "*bogus\n");
            Same(text, $"m{i}.rules");
        }
    }

    [Fact]
    public void A_second_thread_that_never_starts_leaves_the_whole_parse_to_the_first()
    {
        // as when the thread pool is too busy to run it: the builder does not wait for it, and the result is still the same
        foreach (var text in new[] { KubeProxyDumpGenerator.Generate(50, 2), File.ReadAllText(Repo.SeedRules) })
            Assert.Equal(Describe(SaveParser.Parse(text, "x.rules", parallel: false)), Describe(SaveParser.ParseSplitAt(text, "x.rules", 0.3, startSecondThread: false)));
    }

    [Fact]
    public void Insert_and_restore_lines_across_the_split_parse_the_same()
    {
        var sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n");
        for (int i = 0; i < 60; i++)
        {
            sb.Append($"-A X -s 10.0.{i}.0/24 -j ACCEPT\n");
            if (i % 7 == 0) sb.Append($"-I X 1 -d 10.1.{i}.1 -j DROP\n");
            if (i % 11 == 0) sb.Append($"[{i}:{i * 10}] -I INPUT -p tcp -m tcp --dport {i} -j X\n");
            if (i % 13 == 0) sb.Append("-N Y\n-P INPUT DROP\n-A Y -j bogus --frob\n-A\n");
        }
        sb.Append("COMMIT\n");
        Same(sb.ToString(), "restore.rules");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_insert_goes_to_its_position_and_a_long_option_inserts_too(bool headerless)
    {
        // "-I X N" puts the rule at position N of the chain so far, "--insert" is "-I" and "--append" is "-A" (iptables-restore);
        // a position past one after the last, or below 1, is refused by iptables and reported here
        var rules = "-A X -s 1.1.1.1/32 -j ACCEPT\n-A X -s 2.2.2.2/32 -j ACCEPT\n-I X 2 -s 3.3.3.3/32 -j DROP\n-I X -s 4.4.4.4/32 -j DROP\n"
            + "--insert X 5 -s 5.5.5.5/32 -j DROP\n--append X -s 6.6.6.6/32 -j ACCEPT\n-I X 9 -s 7.7.7.7/32 -j DROP\n-I X 0 -s 8.8.8.8/32 -j DROP\n";
        var text = headerless ? ":X - [0:0]\n" + rules : "*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n" + rules + "COMMIT\n";
        var r = SaveParser.Parse(text, "i.rules", parallel: false);
        var x = r.Ruleset.Tables.Single().FindChain("X")!;
        Assert.Equal(["8.8.8.8/32", "4.4.4.4/32", "1.1.1.1/32", "3.3.3.3/32", "2.2.2.2/32", "5.5.5.5/32", "6.6.6.6/32", "7.7.7.7/32"],
            x.Rules.Select(rule => rule.Matches.OfType<Nfwalk.Model.Matches.AddressMatch>().Single().Prefix.ToString()));
        Assert.Equal(Enumerable.Range(1, 8), x.Rules.Select(rule => rule.Number));
        var errors = r.Diagnostics.Where(d => d.Severity == Nfwalk.Diagnostics.Severity.Error).Select(d => d.ToString()).ToList();
        int first = headerless ? 1 : 3;
        Assert.Equal(2, errors.Count);
        Assert.StartsWith($"i.rules:{first + 7}:6: error: -I X 9: the chain has 6 rules at this line, so there is no position 9", errors[0]);
        Assert.StartsWith($"i.rules:{first + 8}:6: error: -I X 0: rule positions start at 1", errors[1]);
        Same(text, "i.rules");
    }

    /// <summary>
    /// Declarations in sorted runs are kept out of the table's chain dictionary until a lookup needs them
    /// (TableDraft.Declared). Against the parse that puts every chain in as it comes: the same model, diagnostics and
    /// validation, on declarations sorted, in a few sorted runs, reversed and shuffled, with repeats (adjacent, within
    /// a run, across runs), builtin names among them, "-N" and "-P" lines, rules naming declared and undeclared chains,
    /// and headerless pastes; sequential and two-thread.
    /// </summary>
    [Fact]
    public void Declarations_kept_out_of_the_chain_index_parse_as_when_every_chain_is_indexed()
    {
        var rng = new Random(20261202);
        string[] builtins = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];
        for (int round = 0; round < 300; round++)
        {
            var names = Enumerable.Range(0, rng.Next(1, 90)).Select(i => $"C{rng.Next(0, 120):D3}").Distinct().ToList();
            names.Sort(StringComparer.Ordinal);
            switch (rng.Next(5))
            {
                case 0: break;                                                              // sorted, as iptables-save writes them
                case 1: names.Reverse(); break;
                case 2: names = names.OrderBy(_ => rng.Next()).ToList(); break;
                default:                                                                    // a few sorted runs (kube-proxy: fixed chains, then the rest)
                    int cut = rng.Next(names.Count + 1);
                    names = names.Skip(cut).Concat(names.Take(cut)).ToList();
                    if (rng.Next(2) == 0 && names.Count > 3) names.Insert(rng.Next(names.Count), names[rng.Next(names.Count)]);
                    break;
            }
            if (rng.Next(4) == 0 && names.Count > 0) names.Insert(rng.Next(names.Count + 1), names[rng.Next(names.Count)]); // a repeat
            var sb = new StringBuilder();
            bool headerless = rng.Next(5) == 0;
            if (!headerless) sb.Append("*filter\n");
            var decls = new List<string>();
            foreach (var b in builtins.Where(_ => rng.Next(3) > 0)) decls.Add($":{b} ACCEPT [0:0]");
            foreach (var n in names) decls.Add(rng.Next(10) == 0 ? $"-N {n}" : $":{n} - [0:0]");
            if (rng.Next(3) == 0) decls = decls.OrderBy(_ => rng.Next()).ToList();       // builtins among the user chains
            if (rng.Next(6) == 0) decls.Insert(rng.Next(decls.Count + 1), "-P INPUT DROP");
            foreach (var d in decls) sb.Append(d).Append('\n');
            var chains = names.Distinct().ToList();
            int rules = rng.Next(0, 60);
            for (int i = 0; i < rules; i++)
            {
                string chain = rng.Next(8) == 0 ? $"U{rng.Next(5)}" : chains.Count > 0 && rng.Next(4) > 0 ? chains[rng.Next(chains.Count)] : builtins[rng.Next(builtins.Length)];
                string target = rng.Next(3) == 0 && chains.Count > 0 ? chains[rng.Next(chains.Count)] : rng.Next(2) == 0 ? "ACCEPT" : $"U{rng.Next(5)}";
                sb.Append(rng.Next(12) == 0 ? "-I " : "-A ").Append(chain).Append($" -s 10.0.{i}.0/24 -j {target}\n");
                if (rng.Next(15) == 0) sb.Append($":{(chains.Count > 0 ? chains[rng.Next(chains.Count)] : "L")} - [0:0]\n"); // a declaration after rules
            }
            if (!headerless) sb.Append("COMMIT\n");
            var text = sb.ToString();
            foreach (var parallel in new[] { false, true })
            {
                var expected = Describe(SaveParser.ParseIndexingEveryChain(text, "d.rules", parallel));
                var actual = Describe(SaveParser.Parse(text, "d.rules", parallel: parallel));
                if (actual != expected) Assert.Fail($"round {round} ({(parallel ? "two threads" : "sequential")}):\n{text}\n{FirstDifference(expected, actual)}");
            }
        }
    }
}
