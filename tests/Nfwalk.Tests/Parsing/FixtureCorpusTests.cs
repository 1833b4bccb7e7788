using Nfwalk.Diagnostics;
using Nfwalk.Model;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Printing;
using Nfwalk.Semantics.Analysis;
using Nfwalk.Semantics.Explain;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// Every dump in fixtures/corpus (each written by the real iptables-save, see scripts/make-fixtures) parses without
/// errors, validates against its ipsets, explains, and prints back byte for byte.
/// </summary>
public class FixtureCorpusTests
{
    private static string Dir => Path.Combine(Repo.Root, "fixtures", "corpus");

    public static TheoryData<string> Files()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "fixtures", "corpus"), "*.rules").OrderBy(x => x)) d.Add(Path.GetFileName(f));
        return d;
    }

    [Fact]
    public void The_corpus_has_at_least_25_dumps() => Assert.True(Directory.GetFiles(Dir, "*.rules").Length >= 25);

    [Theory]
    [MemberData(nameof(Files))]
    public void Parses_validates_explains_and_round_trips(string name)
    {
        var path = Path.Combine(Dir, name);
        var text = File.ReadAllText(path);
        var r = SaveParser.Parse(text, name);
        Assert.DoesNotContain(r.Diagnostics, d => d.Severity == Severity.Error);
        var ipsetPath = Path.ChangeExtension(path, ".ipset");
        ISet<string>? sets = File.Exists(ipsetPath) ? Nfwalk.Parsing.Ipset.IpsetSaveParser.Parse(File.ReadAllText(ipsetPath), ipsetPath, new DiagnosticBag()).Names.ToHashSet() : null;
        var problems = RulesetValidator.Validate(r.Ruleset, sets).Where(d => d.Severity == Severity.Error).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(text, SavePrinter.Print(r.Ruleset));
        var e = Explainer.Explain(r.Ruleset, r.Diagnostics);
        Assert.Equal(r.Ruleset.AllRules().Count(), e.Tables.Sum(t => t.Chains.Sum(c => c.Rules.Count)));
    }

    [Theory]
    // what users paste: iptables-save | grep WORD, and the table each block really came from
    [InlineData("kube-proxy-iptables.rules", "KUBE-SVC", new[] { "nat" })]
    [InlineData("kube-proxy-iptables.rules", "KUBE-FIREWALL", new[] { "filter" })]
    [InlineData("docker-bridge.rules", "DOCKER", new[] { "filter", "nat" })]
    [InlineData("istio-ambient-node.rules", "ztunnel", new[] { "mangle", "nat" })]
    [InlineData("istio-sidecar-tproxy.rules", "ISTIO", new[] { "mangle", "nat" })]
    [InlineData("calico.rules", "cali-fw-", new[] { "filter" })]
    [InlineData("calico.rules", "cali-nat-outgoing", new[] { "nat" })]
    public void Grepped_fragments_get_the_right_tables(string file, string word, string[] tables)
    {
        var lines = File.ReadAllLines(Path.Combine(Dir, file)).Where(l => l.Contains(word));
        var r = SaveParser.Parse(string.Join("\n", lines) + "\n", $"{file}|grep {word}");
        Assert.DoesNotContain(r.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal(tables, r.Ruleset.Tables.Select(t => t.Name.Name()));
        Assert.All(r.Ruleset.Tables, t => Assert.NotNull(t.Inference));
    }

    [Fact]
    public void An_ambiguous_paste_gets_distinct_tables_and_says_it_is_not_sure()
    {
        // "grep cali-PREROUTING" of a Calico node: the chain exists in raw, mangle and nat; only the raw block has a DROP
        var lines = File.ReadAllLines(Path.Combine(Dir, "calico.rules")).Where(l => l.Contains("cali-PREROUTING"));
        var r = SaveParser.Parse(string.Join("\n", lines) + "\n", "calico|grep");
        Assert.Equal(3, r.Ruleset.Tables.Count);
        Assert.Equal(3, r.Ruleset.Tables.Select(t => t.Name).Distinct().Count());
        Assert.All(r.Ruleset.Tables, t => Assert.NotEqual(TableCertainty.Certain, t.Inference!.Certainty));
        Assert.All(r.Ruleset.Tables, t => Assert.NotNull(t.Inference!.Doubt));
        var withDrop = r.Ruleset.Tables.Single(t => t.AllRules().Any(x => x.Target?.Name == "DROP"));
        Assert.DoesNotContain(TableName.Nat, withDrop.Inference!.Candidates.Members()); // DROP is never in nat
    }
}
