using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Targets;
using Nfwalk.Parsing.Iptables;
using Xunit;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// The rule parser gives a rule the base matches, tcp/udp match and jump of the rule before when they say the same at the
/// same column (RuleParser): each rule must still print, explain and locate exactly as with objects of its own, and a
/// match that differs in anything (a value, a negation, its column) must be a new one.
/// </summary>
public class SharedMatchTests
{
    private static IReadOnlyList<Rule> Rules(string text, bool parallel) => ChainX(Parse(text, parallel));

    private static ParseResult Parse(string text, bool parallel) => SaveParser.Parse(text, "shared.rules", parallel: parallel);

    private static IReadOnlyList<Rule> ChainX(ParseResult r) => r.Ruleset.Tables.Single().Chains.Single(c => c.Name == "X").Rules;

    [Fact]
    public void Rules_that_say_the_same_at_the_same_columns_share_their_stateless_matches_and_jump()
    {
        const string text = """
            *nat
            :PREROUTING ACCEPT [0:0]
            :X - [0:0]
            :KUBE-MARK-MASQ - [0:0]
            -A PREROUTING -j X
            -A X ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-MARK-MASQ
            -A X ! -s 10.244.0.0/16 -d 10.96.0.2/32 -p tcp -m tcp --dport 443 -j KUBE-MARK-MASQ
            COMMIT

            """;
        foreach (var parallel in new[] { false, true })
        {
            var rules = Rules(text, parallel);
            Assert.Same(rules[0].Matches[0], rules[1].Matches[0]);   // ! -s 10.244.0.0/16
            Assert.NotSame(rules[0].Matches[1], rules[1].Matches[1]); // -d differs
            Assert.Same(rules[0].Matches[2], rules[1].Matches[2]);   // -p tcp
            Assert.Same(rules[0].Matches[3], rules[1].Matches[3]);   // -m tcp --dport 443
            Assert.Same(rules[0].Target, rules[1].Target);           // -j KUBE-MARK-MASQ
            Assert.Equal("-A X ! -s 10.244.0.0/16 -d 10.96.0.2/32 -p tcp -m tcp --dport 443 -j KUBE-MARK-MASQ", rules[1].Text);
            // a shared match still says where it is in each rule's own line
            var line7 = "-A X ! -s 10.244.0.0/16 -d 10.96.0.2/32 -p tcp -m tcp --dport 443 -j KUBE-MARK-MASQ";
            Assert.Equal((7, line7.IndexOf("-m tcp") + 1), (rules[1].Matches[3].LocationIn(rules[1]).Line, rules[1].Matches[3].LocationIn(rules[1]).Column));
            Assert.Equal(6, rules[0].Matches[3].LocationIn(rules[0]).Line);
        }
    }

    [Fact]
    public void A_match_that_differs_in_a_value_a_negation_or_its_column_is_a_new_one()
    {
        const string text = """
            *filter
            :INPUT ACCEPT [0:0]
            :X - [0:0]
            -A INPUT -j X
            -A X -s 10.0.0.0/8 -p tcp -m tcp --dport 80 -j X2
            -A X -s 10.0.0.0/8 -p tcp -m tcp --dport 81 -j X2
            -A X ! -s 10.0.0.0/8 ! -p tcp -j X2
            -A X -s 10.0.0.0/16 -p udp -m udp --sport 53 -j X2
            -A X -s 10.0.0.0/16 -p udp -m udp ! --sport 53 -j X2
            -A X  -s 10.0.0.0/16 -p udp -m udp ! --sport 53 -g X2
            -A X -s 10.1.0.0/16 -p tcp -m tcp --tcp-flags SYN,ACK SYN -j X2
            -A X -s 10.1.0.0/16 -p tcp -m tcp --tcp-flags SYN,ACK ACK -j X2
            COMMIT

            """;
        foreach (var parallel in new[] { false, true })
        {
            var r = Parse(text, parallel);
            var rules = ChainX(r);
            Assert.Same(rules[0].Matches[0], rules[1].Matches[0]);
            Assert.Same(rules[0].Matches[1], rules[1].Matches[1]);
            Assert.NotSame(rules[0].Matches[2], rules[1].Matches[2]);                                 // --dport 80 / 81
            Assert.True(((AddressMatch)rules[2].Matches[0]).Negated);                                 // "!" makes its own
            Assert.True(((ProtocolMatch)rules[2].Matches[1]).Negated);
            Assert.NotSame(rules[3].Matches[2], rules[4].Matches[2]);                                 // ! --sport
            Assert.True(((UdpMatch)rules[4].Matches[2]).SourceNegated);
            Assert.False(((UdpMatch)rules[3].Matches[2]).SourceNegated);
            Assert.NotSame(rules[4].Matches[0], rules[5].Matches[0]);                                 // one column further
            Assert.Equal(rules[4].Matches[0].Column + 1, rules[5].Matches[0].Column);
            Assert.True(((JumpTarget)rules[5].Target!).IsGoto);
            Assert.False(((JumpTarget)rules[4].Target!).IsGoto);
            Assert.NotSame(rules[6].Matches[2], rules[7].Matches[2]);                                 // flags differ
            Assert.Equal("-A X -s 10.1.0.0/16 -p tcp -m tcp --tcp-flags SYN,ACK ACK -j X2", rules[7].Text);
            Assert.Equal("-A X -s 10.0.0.0/16 -p udp -m udp ! --sport 53 -g X2", rules[5].Text);
            // X2 does not exist: each rule's jump is reported at its own line and column
            var jumps = RulesetValidatorErrors(r);
            Assert.Equal(Enumerable.Range(5, 8).ToList(), jumps.Select(l => l.Line).ToList());
            Assert.Equal(rules[5].Target!.LocationIn(rules[5]).Column, jumps[5].Column);
        }
    }

    [Fact]
    public void A_statistic_match_is_never_shared()
    {
        const string text = """
            *nat
            :PREROUTING ACCEPT [0:0]
            :X - [0:0]
            -A PREROUTING -j X
            -A X -m statistic --mode nth --every 2 --packet 0 -j RETURN
            -A X -m statistic --mode nth --every 2 --packet 0 -j RETURN
            COMMIT

            """;
        foreach (var parallel in new[] { false, true })
        {
            var rules = Rules(text, parallel);
            Assert.NotSame(rules[0].Matches[0], rules[1].Matches[0]); // the walk counts nth per rule, keyed by this object
            Assert.Same(rules[0].Target, rules[1].Target);           // RETURN: stateless
        }
    }

    private static List<Nfwalk.Diagnostics.SourceLocation> RulesetValidatorErrors(ParseResult r)
        => Nfwalk.Semantics.Analysis.RulesetValidator.Validate(r.Ruleset).Where(d => d.Message.Contains("X2")).Select(d => d.Location).ToList();
}
