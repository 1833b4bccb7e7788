using Nfwalk.Parsing.Iptables;
using Xunit;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// The rule parser keeps one parser per extension and reuses it for later rules: a module named twice in one rule, the
/// same module in the next rules, and a rule whose options fail must each come out as if every rule had fresh parsers.
/// </summary>
public class ExtensionParserReuseTests
{
    [Fact]
    public void A_module_twice_in_a_rule_and_again_in_later_rules_keeps_each_rule_s_own_options()
    {
        const string text = """
            *mangle
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -m mark --mark 0x1/0xff -m mark ! --mark 0x200/0x200 -m comment --comment "one" -j MARK --set-xmark 0x10/0xff
            -A PREROUTING -m mark --mark 0x3 -m comment --comment "two" -j MARK --set-xmark 0x20/0xffffffff
            -A PREROUTING -m mark --mark 0xzz -j MARK --set-xmark 0x30/0xff
            -A PREROUTING -m comment --comment "three" -m tcp -p tcp --dport 80 -j MARK --set-xmark 0x40/0xff
            -A PREROUTING -p tcp -m tcp --sport 22 -j RETURN
            COMMIT

            """;
        foreach (var parallel in new[] { false, true })
        {
            var r = SaveParser.Parse(text, "reuse.rules", parallel: parallel);
            var rules = r.Ruleset.Tables.Single().Chains.Single().Rules;
            Assert.Equal("-A PREROUTING -m mark --mark 0x1/0xff -m mark ! --mark 0x200/0x200 -m comment --comment one -j MARK --set-xmark 0x10/0xff", rules[0].Text);
            Assert.Equal("-A PREROUTING -m mark --mark 0x3 -m comment --comment two -j MARK --set-xmark 0x20/0xffffffff", rules[1].Text);
            // the bad mask is reported and the next rules are read as if nothing had happened
            Assert.Contains(r.Diagnostics, d => d.Location.Line == 5);
            Assert.Equal("-A PREROUTING -p tcp -m comment --comment three -m tcp --dport 80 -j MARK --set-xmark 0x40/0xff", rules[^2].Text);
            Assert.Equal("-A PREROUTING -p tcp -m tcp --sport 22 -j RETURN", rules[^1].Text);
        }
    }
}
