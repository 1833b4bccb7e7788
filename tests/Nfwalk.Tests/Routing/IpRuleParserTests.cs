using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Parsing.Iproute2;
using static Nfwalk.Tests.Routing.RoutingData;

namespace Nfwalk.Tests.Routing;

/// <summary>"ip rule show" text and "ip -j rule" JSON, as iproute2 6.1 prints them (iprule.c print_rule).</summary>
public class IpRuleParserTests
{
    [Fact]
    public void Ambient_node_rules_are_read_with_their_marks_masks_and_actions()
    {
        var diags = new DiagnosticBag();
        var rules = IpRuleParser.ParseText(Read("ambient-node", "ip-rule.txt"), "ip-rule.txt", diags);
        Assert.Empty(diags.Items);
        Assert.Equal([0u, 100, 101, 102, 103, 32766, 32767], rules.Select(r => r.Priority));
        var skip = rules[1];
        Assert.Equal((RuleAction.Goto, 32766u, 0x200u, 0x200u), (skip.Action, skip.GotoTarget!.Value, skip.FwMark!.Value, skip.FwMask));
        Assert.Equal(RouteTableId.Parse("101"), rules[2].Table);
        Assert.Equal((0x40u, 0x40u), (rules[3].FwMark!.Value, rules[3].FwMask));
        Assert.True(rules[4] is { FwMark: null, From: null, Action: RuleAction.Lookup } && rules[4].Table == new RouteTableId(100));
        Assert.True(rules[0].IsDefault && rules[5].IsDefault && rules[6].IsDefault && !rules[4].IsDefault);
        Assert.Equal(new SourceLocation("ip-rule.txt", 2, 1), skip.Location);
        Assert.Equal("100:\tfrom all fwmark 0x200/0x200 goto 32766", skip.ToString());
    }

    [Fact]
    public void Every_selector_and_action_iproute2_prints_is_read_from_text_and_json_alike()
    {
        var diags = new DiagnosticBag();
        var text = IpRuleParser.ParseText(Read("selectors", "ip-rule.txt"), "ip-rule.txt", diags);
        var json = IpRuleParser.ParseJson(Read("selectors", "ip-rule.json"), "ip-rule.json", diags);
        Assert.Empty(diags.Items);
        Assert.Equal(text.Select(r => r.ToString()), json.Select(r => r.ToString()));
        foreach (var rules in new[] { text, json })
        {
            RoutingRule R(uint p) => rules.Single(r => r.Priority == p);
            Assert.True(R(101) is { Not: true, Iif: "eth9", IifDetached: true } && R(101).From == P("10.0.0.0/8") && R(101).To == P("1.2.3.0/24"));
            Assert.True(R(102) is { Iif: "nonexist", IifDetached: true });
            var r103 = R(103);
            Assert.Equal((byte)0x10, r103.Tos);
            Assert.Equal(("eth0", false, (byte)6), (r103.Oif, r103.OifDetached, r103.IpProto!.Value));
            Assert.Equal(new PortRange(1000, 2000), r103.SourcePorts);
            Assert.Equal(new PortRange(80, 80), r103.DestinationPorts);
            Assert.Equal(new UidRange(100, 200), r103.UidRange);
            Assert.Equal(0, r103.SuppressPrefixLength);
            Assert.True(r103.Table is { IsMain: true });
            Assert.Equal((0x1u, uint.MaxValue, RuleAction.Unreachable), (R(104).FwMark!.Value, R(104).FwMask, R(104).Action));
            Assert.Equal(RuleAction.Prohibit, R(105).Action);
            Assert.Equal(RuleAction.Blackhole, R(106).Action);
            Assert.Equal(RuleAction.Nop, R(107).Action);
            Assert.True(R(108) is { L3mdev: true, Table: null, Action: RuleAction.Lookup });
            Assert.True(R(109) is { Action: RuleAction.Goto, GotoTarget: 30000, Unresolved: true });
            Assert.True(R(110) is { Iif: "lo", SuppressIfGroup: "5" });
            Assert.Equal(P("10.99.1.77/32"), R(111).From);
            Assert.All(rules, r => Assert.Equal(IpFamily.V4, r.Family));
        }
    }

    [Fact]
    public void The_kernel_dump_of_the_differential_namespace_reads_the_same_in_text_and_json()
    {
        var diags = new DiagnosticBag();
        var text = IpRuleParser.ParseText(Read("kernel-6.18", "ip-rule.txt"), "ip-rule.txt", diags);
        var json = IpRuleParser.ParseJson(Read("kernel-6.18", "ip-rule.json"), "ip-rule.json", diags);
        Assert.Empty(diags.Items);
        Assert.Equal(28, text.Count);
        Assert.Equal(text.Select(r => r.ToString()), json.Select(r => r.ToString()));
        Assert.Equal(json.Select(r => r.Location.Line).Distinct(), [1]); // "ip -j" prints one line; columns tell the rules apart
        Assert.Equal(json.Select(r => r.Location.Column), json.Select(r => r.Location.Column).Order());
        Assert.Equal("97:\tnot from all to 10.0.0.0/8 lookup 300", text.Single(r => r.Priority == 97).ToString());
        Assert.Equal((0x3u, uint.MaxValue), (text.Single(r => r.Priority == 195).FwMark!.Value, text.Single(r => r.Priority == 195).FwMask));
    }

    [Fact]
    public void Ipv6_rules_take_their_family_from_the_addresses_in_the_file()
    {
        var diags = new DiagnosticBag();
        var rules = IpRuleParser.ParseText(Read("kernel-6.18", "ip-rule6.txt"), "ip-rule6.txt", diags);
        Assert.Empty(diags.Items);
        Assert.All(rules, r => Assert.Equal(IpFamily.V6, r.Family));
        Assert.Equal(P("2001:db8:1::3/128"), rules.Single(r => r.Priority == 210).From);
        // without an address, the caller says which family the dump was ("ip -6 rule")
        var json = IpRuleParser.ParseJson(Read("kernel-6.18", "ip-rule6.json"), "ip-rule6.json", diags, IpFamily.V6);
        Assert.All(json, r => Assert.Equal(IpFamily.V6, r.Family));
        Assert.Equal(rules.Select(r => r.ToString()), json.Select(r => r.ToString()));
    }

    [Fact]
    public void Malformed_lines_are_reported_at_their_line_and_column_and_the_rest_is_read()
    {
        const string text =
            "0:\tfrom all lookup local\n" +
            "garbage here\n" +                                   // 2: no "PREF:"
            "200:\tfrom 10.0.0.0/33 lookup 5\n" +                // 3: bad prefix at column 11
            "300:\tfrom all fwmark 0xzz lookup 5\n" +            // 4: bad fwmark at column 22
            "400:\tfrom all frobnicate 7 lookup main\n" +        // 5: unknown keyword at column 15, kept
            "500:\tfrom all lookup\n" +                          // 6: lookup without a table (column 15)
            "\n" +
            "# a comment\n" +
            "32766:\tfrom all lookup main\n";
        var diags = new DiagnosticBag();
        var rules = IpRuleParser.ParseText(text, "rules.txt", diags);
        Assert.Equal([0u, 200, 300, 400, 500, 32766], rules.Select(r => r.Priority));
        var d = diags.Items;
        Assert.Contains(d, x => x.Severity == Severity.Error && x.Location == new SourceLocation("rules.txt", 2, 1));
        Assert.Contains(d, x => x.Severity == Severity.Warning && x.Location == new SourceLocation("rules.txt", 3, 11) && x.Message.Contains("10.0.0.0/33"));
        Assert.Contains(d, x => x.Severity == Severity.Warning && x.Location == new SourceLocation("rules.txt", 4, 22) && x.Message.Contains("0xzz"));
        Assert.Contains(d, x => x.Severity == Severity.Warning && x.Location == new SourceLocation("rules.txt", 5, 15) && x.Message.Contains("frobnicate 7"));
        Assert.Contains(d, x => x.Location == new SourceLocation("rules.txt", 6, 15) && x.Message.Contains("needs a value"));
        var unknown = rules.Single(r => r.Priority == 400);
        Assert.Equal(["frobnicate 7"], unknown.UnknownWords);
        Assert.True(unknown.Table is { IsMain: true });
        Assert.Equal(["from 10.0.0.0/33"], rules.Single(r => r.Priority == 200).Problems);
        Assert.Null(rules.Single(r => r.Priority == 300).FwMark);
    }

    [Fact]
    public void Malformed_json_keeps_the_rules_before_the_error_and_reports_where_it_is()
    {
        const string json = "[{\"priority\":0,\"src\":\"all\",\"table\":\"local\"},\n {\"priority\":100,\"src\":\"all\",\"colour\":\"red\",\"table\":\"main\"},\n {\"priority\":200,\"src\":\"all\",\"tab";
        var diags = new DiagnosticBag();
        var rules = IpRuleParser.ParseJson(json, "rule.json", diags);
        Assert.Equal([0u, 100], rules.Select(r => r.Priority));
        Assert.Contains(diags.Items, d => d.Severity == Severity.Warning && d.Location == new SourceLocation("rule.json", 2, 30) && d.Message.Contains("colour"));
        Assert.Contains(diags.Items, d => d.Severity == Severity.Error && d.Location.Line == 3 && d.Message.StartsWith("not valid JSON", StringComparison.Ordinal));
        Assert.Equal(["colour red"], rules[1].UnknownWords);
    }

    [Fact]
    public void A_json_rule_without_a_priority_is_an_error_at_its_object()
    {
        var diags = new DiagnosticBag();
        var rules = IpRuleParser.ParseJson("[\n  {\"src\":\"all\",\"table\":\"main\"}\n]", "r.json", diags);
        Assert.Empty(rules);
        Assert.Equal(new SourceLocation("r.json", 2, 3), Assert.Single(diags.Items).Location);
    }
}
