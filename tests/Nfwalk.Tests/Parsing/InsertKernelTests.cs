using Nfwalk.Diagnostics;
using Nfwalk.Kernel;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// "-I CHAIN [N]", "--insert" and "--append" against the real iptables-restore, in a throw-away namespace: the chain's
/// rules as the kernel's iptables-save lists them after the load are the parsed chain's, in order; and the positions
/// iptables refuses (past one after the last rule, 0, a signed word) fail the load at the line nfwalk reports.
/// </summary>
public class InsertKernelTests
{
    private const string Head = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:X - [0:0]\n";

    [SkippableFact]
    public void Inserted_rules_are_where_iptables_restore_puts_them()
    {
        var why = KernelGate.Why("iptables-restore", "iptables-save"); Skip.If(why is not null, why);
        var text = Head + "-A X -s 1.1.1.1/32 -j ACCEPT\n-A X -s 2.2.2.2/32 -j ACCEPT\n-I X 2 -s 3.3.3.3/32 -j DROP\n-I X -s 4.4.4.4/32 -j DROP\n"
            + "--insert X 5 -s 5.5.5.5/32 -j DROP\n--append X -s 6.6.6.6/32 -j ACCEPT\n-I X 7 -s 7.7.7.7/32 -j DROP\n-I X 1 -s 8.8.8.8/32 -j DROP\nCOMMIT\n";
        var parsed = SaveParser.Parse(text, "i.rules");
        Assert.DoesNotContain(parsed.Diagnostics, d => d.Severity == Severity.Error);
        var ours = parsed.Ruleset.Tables.Single().FindChain("X")!.Rules.Select(r => r.ToSaveText(false)).ToList();
        using var lab = new Lab();
        var ns = lab.Namespace("ins");
        lab.Exec(ns, "iptables-restore", text);
        var kernel = lab.Exec(ns, "iptables-save -t filter").Split('\n').Where(l => l.StartsWith("-A X ")).ToList();
        Assert.Equal(kernel, ours);
        Assert.Equal(8, ours.Count);
    }

    [SkippableTheory]
    [InlineData("-I X 3 -s 7.7.7.7/32 -j DROP")]   // the chain has one rule: 2 is the last position there is
    [InlineData("-I X 0 -s 7.7.7.7/32 -j DROP")]
    [InlineData("-I X -1 -s 7.7.7.7/32 -j DROP")]  // no number to iptables: an unknown option
    public void A_position_iptables_refuses_fails_the_load_at_the_line_nfwalk_reports(string insert)
    {
        var why = KernelGate.Why("iptables-restore"); Skip.If(why is not null, why);
        var text = Head + "-A X -j ACCEPT\n" + insert + "\nCOMMIT\n";
        int line = Head.Count(c => c == '\n') + 2;
        var errors = SaveParser.Parse(text, "i.rules").Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        Assert.Equal(line, Assert.Single(errors).Location.Line);
        using var lab = new Lab();
        var ns = lab.Namespace("ins");
        var (rc, _, err) = lab.TryExec(ns, "iptables-restore", text);
        Assert.NotEqual(0, rc);
        // "line 7 failed" (the index) or "Error occurred at line: 7" (the option parse)
        Assert.Matches($@"line:? {line}\b", err);
    }
}
