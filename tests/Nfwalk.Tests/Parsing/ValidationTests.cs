using Nfwalk.Diagnostics;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Analysis;

namespace Nfwalk.Tests.Parsing;

/// <summary>What iptables-restore and the kernel refuse when a ruleset is loaded (netfilter-semantics reference §5, E13).</summary>
public class ValidationTests
{
    private static List<Diagnostic> Check(string text)
    {
        var r = SaveParser.Parse(text, "v.rules");
        return r.Diagnostics.Concat(RulesetValidator.Validate(r.Ruleset)).ToList();
    }

    private static void Refused(string text, string fragment, int line)
    {
        var d = Check(text);
        Assert.True(d.Any(x => x.Severity == Severity.Error && x.Location.Line == line && x.Message.Contains(fragment)),
            $"expected an error on line {line} containing \"{fragment}\"; got:\n{string.Join("\n", d)}");
    }

    [Fact] public void Dnat_in_filter() => Refused("*filter\n-A INPUT -j DNAT --to-destination 1.2.3.4\nCOMMIT\n", "only valid in the nat table", 2);
    [Fact] public void Dnat_in_nat_input() => Refused("*nat\n-A INPUT -j DNAT --to-destination 1.2.3.4\nCOMMIT\n", "only usable from PREROUTING/OUTPUT", 2);
    [Fact] public void Snat_in_prerouting() => Refused("*nat\n-A PREROUTING -j SNAT --to-source 1.2.3.4\nCOMMIT\n", "only usable from INPUT/POSTROUTING", 2);
    [Fact] public void Masquerade_in_output() => Refused("*nat\n-A OUTPUT -j MASQUERADE\nCOMMIT\n", "only usable from POSTROUTING", 2);
    [Fact] public void Tproxy_outside_mangle() => Refused("*nat\n-A PREROUTING -p tcp -j TPROXY --on-port 1\nCOMMIT\n", "only valid in the mangle table", 2);
    [Fact] public void Tproxy_in_mangle_output() => Refused("*mangle\n-A OUTPUT -p tcp -j TPROXY --on-port 1\nCOMMIT\n", "only usable from PREROUTING", 2);
    [Fact] public void Tproxy_without_tcp_or_udp() => Refused("*mangle\n-A PREROUTING -j TPROXY --on-port 1\nCOMMIT\n", "-p tcp", 2);
    [Fact] public void Ct_outside_raw() => Refused("*mangle\n-A PREROUTING -j CT --notrack\nCOMMIT\n", "only valid in the raw table", 2);
    [Fact] public void Reject_in_mangle() => Refused("*mangle\n-A INPUT -j REJECT\nCOMMIT\n", "only valid in the filter table", 2);
    [Fact] public void Drop_in_nat() => Refused("*nat\n-A PREROUTING -j DROP\nCOMMIT\n", "DROP in the nat table", 2);
    [Fact] public void Output_interface_in_input() => Refused("*filter\n-A INPUT -o eth0 -j ACCEPT\nCOMMIT\n", "can't use -o with INPUT", 2);
    [Fact] public void Input_interface_in_output() => Refused("*filter\n-A OUTPUT -i eth0 -j ACCEPT\nCOMMIT\n", "can't use -i with OUTPUT", 2);
    [Fact] public void Owner_in_input() => Refused("*filter\n-A INPUT -m owner --uid-owner 0 -j ACCEPT\nCOMMIT\n", "owner match is only valid", 2);
    [Fact] public void Socket_in_forward() => Refused("*mangle\n-A FORWARD -m socket -j ACCEPT\nCOMMIT\n", "socket match is only valid", 2);

    [Fact]
    public void Target_in_user_chain_reached_from_a_forbidding_hook()
    {
        var text = "*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:SVC - [0:0]\n-A PREROUTING -j SVC\n-A POSTROUTING -j SVC\n-A SVC -p tcp -j DNAT --to-destination 10.0.0.1:80\nCOMMIT\n";
        Refused(text, "reached from POSTROUTING", 7);
    }

    [Fact]
    public void Loop_between_user_chains()
    {
        var text = "*filter\n:A - [0:0]\n:B - [0:0]\n-A A -j B\n-A B -j A\nCOMMIT\n";
        Refused(text, "loop between user chains: A -> B -> A", 4);
    }

    [Fact]
    public void Self_loop() => Refused("*filter\n:A - [0:0]\n-A A -j A\nCOMMIT\n", "loop between user chains: A -> A", 3);

    [Fact]
    public void Jump_to_builtin_chain() => Refused("*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -j OUTPUT\nCOMMIT\n", "only user-defined chains", 4);

    [Fact]
    public void Deep_nesting_warns()
    {
        var sb = new System.Text.StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n");
        for (int i = 0; i < 17; i++) sb.Append($":C{i} - [0:0]\n");
        sb.Append("-A INPUT -j C0\n");
        for (int i = 0; i < 16; i++) sb.Append($"-A C{i} -j C{i + 1}\n");
        sb.Append("COMMIT\n");
        Assert.Contains(Check(sb.ToString()), d => d.Severity == Severity.Warning && d.Message.Contains("more than 15"));
    }

    [Fact]
    public void Good_ruleset_has_no_errors()
    {
        var text = "*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:SVC - [0:0]\n-A PREROUTING -j SVC\n-A OUTPUT -j SVC\n-A SVC -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.1:8080\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n";
        Assert.DoesNotContain(Check(text), d => d.Severity == Severity.Error);
    }

    [Fact]
    public void Unreachable_user_chain_is_not_hook_checked_like_the_kernel()
    {
        // the kernel only checks hook masks of chains reachable from a builtin chain (mark_source_chains)
        var text = "*nat\n:ORPHAN - [0:0]\n-A ORPHAN -j MASQUERADE\nCOMMIT\n";
        Assert.DoesNotContain(Check(text), d => d.Severity == Severity.Error);
    }

    [Fact]
    public void Unknown_set_is_refused_when_sets_are_given()
    {
        var r = SaveParser.Parse("*filter\n-A INPUT -m set --match-set nope src -j DROP\nCOMMIT\n", "v.rules");
        var d = RulesetValidator.Validate(r.Ruleset, new HashSet<string> { "other" });
        Assert.Contains(d, x => x.Severity == Severity.Error && x.Message.Contains("\"nope\" does not exist"));
    }

    [Fact]
    public void A_large_table_checked_on_two_threads_reports_every_problem_in_line_order()
    {
        // more rules than ChainGraph.TwoThreadRules: the chains are checked in parts on two threads; a bad jump and a bad
        // target every 997 rules, in chains of every part, and each must come out once, in the order of the lines
        var sb = new System.Text.StringBuilder("*nat\n:PREROUTING ACCEPT [0:0]\n");
        int chains = 500, per = 100;
        for (int c = 0; c < chains; c++) sb.Append($":C{c} - [0:0]\n");
        sb.Append("-A PREROUTING -j C0\n");
        var expected = new List<int>();
        int line = 2 + chains + 1;
        for (int c = 0; c < chains; c++)
            for (int r = 0; r < per; r++)
            {
                line++;
                int n = c * per + r;
                if (r == per - 1 && c + 1 < chains) sb.Append($"-A C{c} -j C{c + 1}\n"); // every chain reached from PREROUTING
                else if (n % 997 == 5) { sb.Append($"-A C{c} -j NOSUCH{n}\n"); expected.Add(line); }
                else if (n % 997 == 500) { sb.Append($"-A C{c} -j SNAT --to-source 1.2.3.4\n"); expected.Add(line); }
                else sb.Append($"-A C{c} -s 10.{n / 65536}.{n / 256 % 256}.{n % 256}/32 -j RETURN\n");
            }
        sb.Append("COMMIT\n");
        Assert.True(chains * per >= ChainGraph.TwoThreadRules);
        var parsed = SaveParser.Parse(sb.ToString(), "big.rules");
        Assert.Empty(parsed.Diagnostics);
        Assert.True(new ChainGraph(parsed.Ruleset.Tables.Single()).Parts.Length > 3); // several parts, not two halves
        var errors = RulesetValidator.Validate(parsed.Ruleset).Where(d => d.Severity == Severity.Error).ToList();
        Assert.Equal(expected, errors.Select(d => d.Location.Line).ToList());
        Assert.Contains(errors, d => d.Message.Contains("NOSUCH") && d.Location.Line > line / 2);
        Assert.Contains(errors, d => d.Message.Contains("SNAT target is only usable from INPUT/POSTROUTING") && d.Location.Line > line / 2);
    }

    [Fact]
    public void A_large_table_made_on_two_threads_keeps_its_chains_and_errors_in_declaration_order()
    {
        // more declared chains than TableAssembler.TwoThreadChains: the chains are made in parts on two threads; a builtin
        // chain the raw table does not have is declared in the first, a middle and the last part, and the chains and the
        // errors come out in declaration order
        var sb = new System.Text.StringBuilder("*raw\n:PREROUTING ACCEPT [0:0]\n");
        int chains = 12_000;
        var names = new List<string> { "PREROUTING" };
        for (int c = 0; c < chains; c++)
        {
            var n = c == 100 ? "INPUT" : c == chains / 2 ? "FORWARD" : c == chains - 100 ? "POSTROUTING" : $"C{c}";
            names.Add(n);
            sb.Append($":{n} {(n.StartsWith('C') ? "-" : "ACCEPT")} [0:0]\n");
        }
        sb.Append("-A PREROUTING -j C0\n-A C0 -j C1\nCOMMIT\n");
        Assert.True(chains >= TableAssembler.TwoThreadChains);
        var parsed = SaveParser.Parse(sb.ToString(), "big.rules");
        var table = parsed.Ruleset.Tables.Single();
        Assert.Equal(names, table.Chains.Select(c => c.Name).ToList());
        Assert.Equal(Nfwalk.Model.Hook.Prerouting, table.Chains[0].Hook);
        Assert.All(table.Chains.Skip(1), c => Assert.Null(c.Hook));
        Assert.Single(table.FindChain("C0")!.Rules);
        var errors = parsed.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        Assert.Equal([3 + 100, 3 + chains / 2, 3 + chains - 100], errors.Select(d => d.Location.Line).ToList());
        Assert.Contains("no builtin chain INPUT", errors[0].Message);
        Assert.Contains("no builtin chain FORWARD", errors[1].Message);
        Assert.Contains("no builtin chain POSTROUTING", errors[2].Message);
    }

    [Fact]
    public void Chains_with_rules_before_their_declaration_come_in_save_order()
    {
        // undeclared builtin chains first (hook order), then the declared ones in declaration order (A, declared by -N after
        // its rule, among them), then the chains never declared, in the order of their first rule, each an error
        const string text = "*filter\n:INPUT ACCEPT [0:0]\n-A OUTPUT -j ACCEPT\n-A C -j ACCEPT\n-A A -j RETURN\n-A B -j ACCEPT\n-N A\n-A FORWARD -j ACCEPT\n-A C -j DROP\nCOMMIT\n";
        foreach (var parallel in new[] { false, true })
        {
            var parsed = SaveParser.Parse(text, "order.rules", parallel: parallel);
            var table = parsed.Ruleset.Tables.Single();
            Assert.Equal(["FORWARD", "OUTPUT", "INPUT", "A", "C", "B"], table.Chains.Select(c => c.Name).ToList());
            Assert.Equal(2, table.FindChain("C")!.Rules.Count);
            var errors = parsed.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
            Assert.Equal([4, 6], errors.Select(d => d.Location.Line).ToList());
            Assert.All(errors, e => Assert.Contains("is not declared in table filter", e.Message));
        }
    }
}
