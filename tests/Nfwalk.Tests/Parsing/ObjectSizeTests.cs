using Nfwalk.Model;
using Nfwalk.Model.Targets;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// The sizes of the objects a large dump is made of, as the runtime allocates them: a parse of a 10,000-service
/// kube-proxy dump makes 110,000 rules and 70,000 jumps, so a field added to one of them is megabytes of fresh memory
/// (about 0.5 ms of "nfwalk check" per megabyte on this VM). A size here that grows should be a decision, not an accident.
/// </summary>
public class ObjectSizeTests
{
    private static long SizeOf(Func<object> make)
    {
        make(); // the first call may allocate for the runtime's own sake (type loading, statics)
        var keep = new object[64];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < keep.Length; i++) keep[i] = make();
        long after = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(keep);
        return (after - before) / keep.Length;
    }

    [Fact]
    public void A_rule_is_80_bytes()
    {
        var file = new SourceFile("f", "-A X -j ACCEPT\n");
        var matches = Array.Empty<Match>();
        Assert.Equal(80, SizeOf(() => new Rule { ChainName = "X", Matches = matches, Source = new SourceLine(file, 0, 14, 1) }));
    }

    [Fact]
    public void A_jump_is_40_bytes()
    {
        var file = new SourceFile("f", "-A X -j Y\n");
        Assert.Equal(40, SizeOf(() => new JumpTarget(file, 8, 1, false)));
    }

    [Fact]
    public void A_rule_gives_back_the_line_it_was_given()
    {
        var file = new SourceFile("f", "\n-A X -j ACCEPT\n");
        var line = new SourceLine(file, 1, 14, 2);
        var r = new Rule { ChainName = "X", Matches = [], Source = line };
        Assert.Equal(line, r.Source);
        Assert.Equal("-A X -j ACCEPT", r.OriginalText);
        Assert.Equal(new Nfwalk.Diagnostics.SourceLocation("f", 2, 6), r.At(6));
        var bare = new Rule { ChainName = "X", Matches = [], Source = default };
        Assert.Equal(bare.Location, bare.At(6)); // no line: every column is the rule's own place
    }

    [Fact]
    public void A_chain_is_80_bytes_and_makes_no_list_for_its_run_of_rules()
    {
        var run = new Rule[4];
        Assert.Equal(80, SizeOf(() => new Chain { Name = "X", RuleRun = (run, 1, 2) }));
    }

    [Fact]
    public void A_chain_given_a_run_of_rules_or_a_list_reads_them_alike()
    {
        var file = new SourceFile("f", ":X - [0:0]\n-A X -j ACCEPT\n-A X -j DROP\n-A X -j RETURN\n");
        Rule R(int offset, int length, int n) => new() { ChainName = "X", Matches = [], Source = new SourceLine(file, offset, length, n) };
        var rules = new[] { R(11, 14, 2), R(26, 12, 3), R(39, 14, 4) };
        var decl = new SourceLine(file, 0, 10, 1);
        var fromRun = new Chain { Name = "X", RuleRun = (rules, 1, 2), Declaration = decl };
        var fromList = new Chain { Name = "X", Rules = rules[1..], Declaration = decl };
        foreach (var c in new[] { fromRun, fromList })
        {
            Assert.Equal(2, c.RuleCount);
            Assert.Same(rules[1], c.RuleAt(0));
            Assert.Same(rules[2], c.RuleAt(1));
            Assert.Throws<ArgumentOutOfRangeException>(() => c.RuleAt(2));
            Assert.Throws<ArgumentOutOfRangeException>(() => c.RuleAt(-1));
            Assert.Equal([rules[1], rules[2]], c.Rules);
            Assert.Same(c.Rules, c.Rules); // made once
            Assert.Equal(decl, c.Declaration);
            Assert.True(c.IsDeclared);
            Assert.Equal(decl.Start, c.Location);
        }
        var undeclared = new Chain { Name = "Y", RuleRun = (rules, 0, 1) };
        Assert.Null(undeclared.Declaration);
        Assert.False(undeclared.IsDeclared);
        Assert.Equal(rules[0].Location, undeclared.Location);
        var empty = new Chain { Name = "Z", RuleRun = (rules, 3, 0) };
        Assert.Empty(empty.Rules);
        Assert.Equal(0, empty.RuleCount);
        // a declaration without a file (made, not read) is still a declaration
        Assert.True(new Chain { Name = "W", Declaration = default(SourceLine) }.IsDeclared);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Chain { Name = "V", RuleRun = (rules, 2, 2) });
    }

    [Fact]
    public void A_chain_draft_is_80_bytes()
        => Assert.Equal(80, SizeOf(() => Nfwalk.Parsing.Iptables.ChainDraft.MadeAhead("X", "-", 2, null)));

    [Fact]
    public void A_nat_range_is_56_bytes_and_gives_back_what_it_was_made_of()
    {
        var a = IpAddressOf("10.244.1.2");
        Assert.Equal(56, SizeOf(() => new NatRange(a, a, new PortRange(8080, 8080))));
        var v6 = IpAddressOf("fd00::1");
        foreach (var (first, last, ports) in new (Nfwalk.Model.Net.IpAddress?, Nfwalk.Model.Net.IpAddress?, PortRange?)[]
                 { (a, a, new PortRange(1, 2)), (a, null, null), (null, null, new PortRange(80, 80)), (v6, v6, null), (null, a, null), (a, v6, new PortRange(0, 65535)) })
        {
            var r = new NatRange(first, last, ports);
            Assert.Equal(first, r.FirstAddress);
            Assert.Equal(last, r.LastAddress);
            Assert.Equal(ports, r.Ports);
            Assert.Equal(r, new NatRange(first, last, ports));
            Assert.Equal(r.GetHashCode(), new NatRange(first, last, ports).GetHashCode());
        }
        Assert.NotEqual(new NatRange(a, a, null), new NatRange(a, a, new PortRange(0, 0)));   // no ports is not port 0
        Assert.NotEqual(new NatRange(Nfwalk.Model.Net.IpAddress.AnyV4, null, null), new NatRange(null, null, new PortRange(1, 1)));
        Assert.NotEqual(new NatRange(Nfwalk.Model.Net.IpAddress.AnyV4, null, null), new NatRange(Nfwalk.Model.Net.IpAddress.AnyV6, null, null));
    }

    private static Nfwalk.Model.Net.IpAddress IpAddressOf(string s)
        => Nfwalk.Model.Net.IpAddress.TryParse(s, out var a) ? a : throw new ArgumentException(s);

    [Fact]
    public void A_comment_read_from_a_line_is_32_bytes()
    {
        var text = "-A X -m comment --comment \"a \\\"b\\\" c\" -j ACCEPT\n";
        var file = new SourceFile("f", text);
        var line = new SourceLine(file, 0, text.Length - 1, 1);
        var tokens = new List<Token>();
        Assert.True(LineLexer.Split(text.AsSpan(0, text.Length - 1), tokens, out _));
        var word = tokens[5];
        Assert.Equal(32, SizeOf(() => new Nfwalk.Model.Matches.CommentMatch(line, text, word, true)));
        Assert.Equal("a \"b\" c", new Nfwalk.Model.Matches.CommentMatch(line, text, word, true).Comment);
    }
}
