using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Targets;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Printing;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Parsing;

/// <summary>The seed: "iptables-save | grep ztunnel" from an Istio ambient node, with no table headers.</summary>
public class SeedFragmentTests
{
    private static ParseResult Parse() => SaveParser.ParseFile(Repo.SeedRules);

    [Fact]
    public void Parses_without_errors_and_prints_back_byte_for_byte()
    {
        var r = Parse();
        Assert.Empty(r.Diagnostics);
        Assert.Equal(File.ReadAllText(Repo.SeedRules), SavePrinter.Print(r.Ruleset));
    }

    [Fact]
    public void First_block_is_mangle_for_certain_because_only_mangle_has_all_five_builtin_chains()
    {
        var t = Parse().Ruleset.Tables[0];
        Assert.Equal(TableName.Mangle, t.Name);
        Assert.Equal(TableCertainty.Certain, t.Inference!.Certainty);
        Assert.Contains(t.Inference.Reasons, r => r.Contains("PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING") && r.Contains("only the mangle table"));
        Assert.Null(t.Inference.Doubt);
    }

    [Fact]
    public void Last_block_is_nat_by_elimination_and_says_it_cannot_be_certain()
    {
        var t = Parse().Ruleset.Tables[1];
        Assert.Equal(TableName.Nat, t.Name);
        Assert.Equal(TableCertainty.Likely, t.Inference!.Certainty);
        Assert.Equal(TableSet.Mangle | TableSet.Nat, t.Inference.Candidates);
        Assert.Contains(t.Inference.Reasons, r => r.Contains("not mangle") && r.Contains("each table once"));
        Assert.NotNull(t.Inference.Doubt);
        Assert.Contains("elimination", t.Inference.Doubt);
    }

    [Fact]
    public void Redeclared_chain_names_start_a_new_block_with_distinct_chains()
    {
        var rs = Parse().Ruleset;
        Assert.Equal(2, rs.Tables.Count);
        var manglePre = rs.Tables[0].FindChain("ztunnel-PREROUTING")!;
        var natPre = rs.Tables[1].FindChain("ztunnel-PREROUTING")!;
        Assert.Equal(15, manglePre.Rules.Count);
        Assert.Single(natPre.Rules);
        Assert.Equal(36, natPre.Rules[0].Source.Number);
    }

    [Fact]
    public void Every_element_keeps_file_line_and_column()
    {
        var rs = Parse().Ruleset;
        var rule = rs.Tables[0].FindChain("ztunnel-PREROUTING")!.Rules[9]; // ! -s 10.244.1.4/32 -i vethbb925f55 -j MARK ...
        Assert.Equal(25, rule.Source.Number);
        Assert.Equal("-A ztunnel-PREROUTING ! -s 10.244.1.4/32 -i vethbb925f55 -j MARK --set-xmark 0x210/0x210", rule.OriginalText);
        var src = Assert.IsType<AddressMatch>(rule.Matches[0]);
        Assert.True(src.Negated);
        Assert.Equal(25, src.LocationIn(rule).Line);
        Assert.Equal(23, src.LocationIn(rule).Column); // the "!" before -s
        var mark = Assert.IsType<MarkTarget>(rule.Target);
        Assert.Equal(0x210u, mark.Value);
        Assert.Equal(0x210u, mark.Mask);
        Assert.EndsWith("seed-rules.txt", mark.LocationIn(rule).File);
        Assert.Equal(58, mark.LocationIn(rule).Column);
    }

    [Fact]
    public void Rules_are_numbered_as_iptables_L_line_numbers_counts_them()
    {
        var chain = Parse().Ruleset.Tables[0].FindChain("ztunnel-PREROUTING")!;
        Assert.Equal(Enumerable.Range(1, 15), chain.Rules.Select(r => r.Number));
    }
}
