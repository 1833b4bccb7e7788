using Nfwalk.Cli.Commands;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Analysis;
using Nfwalk.Semantics.Explain;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Explain;

/// <summary>Golden explanation of the seed fragment, and the points where the seed's chat answer went wrong.</summary>
public class SeedExplanationTests
{
    private static RulesetExplanation Explain()
    {
        var r = SaveParser.ParseFile(Repo.SeedRules);
        var e = Explainer.Explain(r.Ruleset, r.Diagnostics.Concat(RulesetValidator.Validate(r.Ruleset)));
        return e with { File = "examples/seed/seed-rules.txt" };
    }

    private static string Render(string format)
    {
        var w = new StringWriter();
        ExplainCommand.Render(Explain(), format, w, 100, color: false);
        return w.ToString();
    }

    [Fact] public void Markdown_golden() => Golden.Assert("seed-explain.md", Render("md"));
    [Fact] public void Json_golden() => Golden.Assert("seed-explain.json", Render("json"));
    [Fact] public void Text_golden() => Golden.Assert("seed-explain.txt", Render("text"));

    [Fact]
    public void Says_the_marks_are_set_in_mangle_and_the_accepts_are_in_nat()
    {
        var e = Explain();
        Assert.Equal(["mangle", "nat"], e.Tables.Select(t => t.Name));
        Assert.All(e.Tables[0].Chains.SelectMany(c => c.Rules), r => Assert.DoesNotContain("ACCEPT", r.Text));
        Assert.All(e.Tables[1].Chains.SelectMany(c => c.Rules).Where(r => r.Text.Contains("0x100")), r => Assert.Contains("ACCEPT in the nat table", r.Action));
    }

    [Fact]
    public void Explains_what_the_nat_accept_of_0x100_packets_does_and_where_the_mark_comes_from()
    {
        var nat = Explain().Tables[1];
        var pre = nat.Chains.Single(c => c.Name == "ztunnel-PREROUTING").Rules.Single();
        Assert.Contains("KUBE-SERVICES DNAT", pre.Action);
        Assert.Contains("not a firewall verdict", pre.Action);
        Assert.Contains("first packet of a connection", pre.Action);
        Assert.Contains(pre.Notes, n => n.Contains("0x100 by mangle ztunnel-PREROUTING rule 15"));
        var post = nat.Chains.Single(c => c.Name == "ztunnel-POSTROUTING").Rules.Single();
        Assert.Contains("MASQUERADE", post.Action);
    }

    [Fact]
    public void Gives_the_kernel_hook_order_mangle_before_nat_and_no_output_for_forwarded_packets()
    {
        var e = Explain();
        var fwd = e.Paths.Single(p => p.Name == "forwarded").Steps;
        Assert.StartsWith("mangle PREROUTING", fwd[0]);
        Assert.StartsWith("nat PREROUTING", fwd[1]);
        Assert.DoesNotContain(fwd, s => s.Contains("OUTPUT"));
        var gen = e.Paths.Single(p => p.Name == "generated here").Steps;
        Assert.Contains(gen, s => s.StartsWith("mangle OUTPUT"));
    }

    [Fact]
    public void Points_out_the_repeated_mark_0x200_return_rules_and_why_they_are_not_redundant()
    {
        var pre = Explain().Tables[0].Chains.Single(c => c.Name == "ztunnel-PREROUTING");
        var r11 = pre.Rules.Single(r => r.Number == 11);
        Assert.Contains(r11.Notes, n => n.Contains("repeats the test of rule 7") && n.Contains("rule 10") && n.Contains("not redundant"));
        var r14 = pre.Rules.Single(r => r.Number == 14);
        Assert.Contains(r14.Notes, n => n.Contains("repeats the test of rule 11") && n.Contains("rule 12") && n.Contains("rule 13"));
        Assert.Contains(pre.Rules.Single(r => r.Number == 7).Notes, n => n.Contains("0x210") && n.Contains("0x220") && n.Contains("only bit 0x200 is tested"));
    }

    [Fact]
    public void Flags_a_return_that_can_never_matter()
    {
        var text = "*mangle\n:P - [0:0]\n-A PREROUTING -j P\n-A P -m mark --mark 0x200/0x200 -j RETURN\n-A P -j MARK --set-xmark 0x40/0x40\n-A P -p tcp -m mark --mark 0x200/0x200 -j RETURN\nCOMMIT\n";
        var r = SaveParser.Parse(text);
        var e = Explainer.Explain(r.Ruleset, r.Diagnostics);
        var rule3 = e.Tables[0].Chains.Single(c => c.Name == "P").Rules[2];
        Assert.Contains(rule3.Notes, n => n.StartsWith("can never matter: rule 1") && n.Contains("weaker"));
    }
}
