using System.Text;
using Nfwalk.Diagnostics;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Analysis;

namespace Nfwalk.Tests.Parsing;

/// <summary>Bad input gives clear file:line:column errors, never an exception, and the rest of the file is still read.</summary>
public class MalformedInputTests
{
    private static List<Diagnostic> Errors(string text)
    {
        var r = SaveParser.Parse(text, "bad.rules");
        return r.Diagnostics.Concat(RulesetValidator.Validate(r.Ruleset)).Where(d => d.Severity == Severity.Error).ToList();
    }

    private static void Has(string text, int line, int column, string fragment)
    {
        var errors = Errors(text);
        Assert.True(errors.Any(e => e.Location.Line == line && e.Location.Column == column && e.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase)),
            $"expected an error at {line}:{column} containing \"{fragment}\"; got:\n{string.Join("\n", errors)}");
        Assert.All(errors, e => Assert.Equal("bad.rules", e.Location.File));
    }

    [Fact] public void Truncated_line_missing_value() => Has("*filter\n-A INPUT -p\nCOMMIT\n", 2, 10, "requires an argument");
    [Fact] public void Truncated_line_missing_target_name() => Has("*filter\n-A INPUT -p tcp -j\nCOMMIT\n", 2, 17, "requires an argument");
    [Fact] public void Truncated_rule_without_chain() => Has("*filter\n-A\nCOMMIT\n", 2, 1, "needs a chain name");
    [Fact] public void Unknown_option() => Has("*filter\n-A INPUT -p tcp --frobnicate 1 -j ACCEPT\nCOMMIT\n", 2, 17, "unknown option \"--frobnicate\"");
    [Fact] public void Option_without_its_module() => Has("*filter\n-A INPUT --dport 22 -j ACCEPT\nCOMMIT\n", 2, 10, "unknown option \"--dport\"");
    [Fact] public void Bad_mark_mask() => Has("*filter\n-A INPUT -m mark --mark 0x1/0xzz -j ACCEPT\nCOMMIT\n", 2, 25, "bad value/mask");
    [Fact] public void Bad_cidr() => Has("*filter\n-A INPUT -s 10.0.0.0/33 -j ACCEPT\nCOMMIT\n", 2, 13, "bad address");
    [Fact] public void Bad_port() => Has("*filter\n-A INPUT -p tcp -m tcp --dport 70000 -j ACCEPT\nCOMMIT\n", 2, 32, "invalid port");
    [Fact] public void Reversed_port_range() => Has("*filter\n-A INPUT -p tcp -m tcp --dport 90:80 -j ACCEPT\nCOMMIT\n", 2, 32, "first port is greater");
    [Fact] public void Tcp_match_without_protocol() => Has("*filter\n-A INPUT -m tcp --dport 22 -j ACCEPT\nCOMMIT\n", 2, 10, "needs \"-p tcp\"");
    [Fact] public void Double_negation() => Has("*filter\n-A INPUT ! ! -s 1.2.3.4 -j ACCEPT\nCOMMIT\n", 2, 12, "multiple \"!\"");
    [Fact] public void Unterminated_quote() => Has("*filter\n-A INPUT -m comment --comment \"oops -j ACCEPT\nCOMMIT\n", 2, 31, "unterminated quoted string");
    [Fact] public void Unknown_table() => Has("*bogus\n-A INPUT -j ACCEPT\nCOMMIT\n*filter\n-A INPUT -j DROP\nCOMMIT\n", 1, 2, "unknown table");
    [Fact] public void Policy_on_user_chain() => Has("*filter\n:MYCHAIN ACCEPT [0:0]\nCOMMIT\n", 2, 2, "cannot have a policy");
    [Fact] public void Bad_policy() => Has("*filter\n:INPUT RETURN [0:0]\nCOMMIT\n", 2, 8, "bad policy");
    [Fact] public void Chain_declared_twice() => Has("*filter\n:X - [0:0]\n:X - [0:0]\nCOMMIT\n", 3, 2, "declared twice");
    [Fact] public void Chain_name_too_long() => Has("*filter\n:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123 - [0:0]\nCOMMIT\n", 2, 2, "limit is 28");
    [Fact] public void Rule_for_undeclared_chain() => Has("*filter\n-A NOPE -j ACCEPT\nCOMMIT\n", 2, 4, "not declared");
    [Fact] public void Jump_to_undefined_chain() => Has("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NOWHERE\nCOMMIT\n", 3, 10, "does not exist");
    [Fact] public void Too_many_multiport_ports() => Has("*filter\n-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 -j ACCEPT\nCOMMIT\n", 2, 39, "too many ports");
    [Fact] public void Set_xmark_without_value() => Has("*mangle\n-A PREROUTING -j MARK --set-xmark\nCOMMIT\n", 2, 23, "requires an argument");
    [Fact] public void Unrecognised_line() => Has("*filter\nhello world\nCOMMIT\n", 2, 1, "unrecognised line");
    [Fact] public void Two_input_interfaces() => Has("*filter\n-A INPUT -i eth0 -i eth1 -j ACCEPT\nCOMMIT\n", 2, 18, "multiple -i flags");
    [Fact] public void Counters_garbage() => Has("*filter\n[x:y] -A INPUT -j ACCEPT\nCOMMIT\n", 2, 1, "bad counter prefix");

    [Fact]
    public void Missing_commit_is_reported_at_the_end_and_rules_are_still_read()
    {
        var r = SaveParser.Parse("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n", "bad.rules");
        var e = Assert.Single(r.Diagnostics.Where(d => d.Severity == Severity.Error));
        Assert.Contains("no COMMIT", e.Message);
        Assert.Equal(3, e.Location.Line);
        Assert.Single(r.Ruleset.AllRules());
    }

    [Fact]
    public void A_bad_line_does_not_stop_the_rest_of_the_file()
    {
        var r = SaveParser.Parse("*filter\n-A INPUT -p tcp --bogus -j ACCEPT\n-A INPUT -p udp -m udp --dport 53 -j ACCEPT\nCOMMIT\n*nat\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n", "bad.rules");
        Assert.Contains(r.Diagnostics, d => d.Location.Line == 2);
        Assert.Equal(2, r.Ruleset.Tables.Count);
        Assert.Equal(3, r.Ruleset.AllRules().Count());
    }

    [Fact]
    public void Binary_garbage_is_reported_not_crashed_on()
    {
        var rnd = new Random(42);
        var bytes = new byte[20000];
        rnd.NextBytes(bytes);
        var text = "*filter\n" + Encoding.Latin1.GetString(bytes) + "\n-A INPUT -j ACCEPT\nCOMMIT\n";
        var r = SaveParser.Parse(text, "bad.rules");
        Assert.Contains(r.Diagnostics, d => d.Severity == Severity.Error);
        _ = RulesetValidator.Validate(r.Ruleset);
        Assert.Contains(r.Ruleset.AllRules(), x => x.ToSaveText() == "-A INPUT -j ACCEPT");
    }

    [Fact]
    public void Ten_megabyte_single_line_gives_a_short_message()
    {
        var huge = "-A INPUT -m comment --comment " + new string('x', 10 * 1024 * 1024) + " -j ACCEPT";
        var r = SaveParser.Parse("*filter\n" + huge + "\nCOMMIT\n", "bad.rules");
        var e = Assert.Single(r.Diagnostics.Where(d => d.Severity == Severity.Error));
        Assert.Contains("limit is 255", e.Message);
        Assert.True(e.Message.Length < 300, "the message must not echo the whole line");
        var r2 = SaveParser.Parse("*filter\n-A INPUT " + new string('y', 10 * 1024 * 1024) + "\nCOMMIT\n", "bad.rules");
        Assert.All(r2.Diagnostics, d => Assert.True(d.Message.Length < 300));
    }

    [Fact]
    public void Empty_and_whitespace_input_is_fine()
    {
        Assert.Empty(SaveParser.Parse("").Diagnostics);
        Assert.Empty(SaveParser.Parse("\n\n   \n").Diagnostics);
    }

    [Fact]
    public void Unreadable_file_is_an_error_not_an_exception()
    {
        var r = SaveParser.ParseFile("/nonexistent/dir/rules.txt");
        Assert.Contains("cannot read file", Assert.Single(r.Diagnostics).Message);
    }

    [Fact]
    public void Random_mutations_of_a_real_dump_never_throw()
    {
        var baseText = File.ReadAllText(Nfwalk.Tests.Support.Repo.SeedRules);
        var rnd = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            var chars = baseText.ToCharArray();
            for (int k = 0; k < 5; k++) chars[rnd.Next(chars.Length)] = " !-\"\n/:[]x0"[rnd.Next(11)];
            var r = SaveParser.Parse(new string(chars), "m.rules");
            _ = RulesetValidator.Validate(r.Ruleset);
            _ = Nfwalk.Semantics.Explain.Explainer.Explain(r.Ruleset, r.Diagnostics);
            _ = Nfwalk.Printing.SavePrinter.Print(r.Ruleset);
        }
    }
}
