using Nfwalk.Diagnostics;
using Nfwalk.Model.Ipsets;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Ipset;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Ipsets;

/// <summary>The "ipset save" / "ipset list" reader and the save printer.</summary>
public class IpsetParserTests
{
    private static string Data(string name) => Repo.Path_("tests", "Nfwalk.Tests", "Data", "ipset", name);

    private static (IpSetCollection Sets, DiagnosticBag Diags) Parse(string text, string file = "t.save")
    {
        var d = new DiagnosticBag();
        return (IpsetSaveParser.Parse(text, file, d), d);
    }

    [Fact]
    public void KernelDumpParsesWithoutDiagnosticsAndPrintsBackIdentically()
    {
        // written by ipset v7.17 on Linux 6.18 (see the create/add commands in the report of the ipset work)
        var text = File.ReadAllText(Data("kernel-6.18.save"));
        var (sets, d) = Parse(text, "kernel-6.18.save");
        Assert.Empty(d.Items);
        Assert.Equal(13, sets.Count);
        Assert.Equal(text, IpsetSavePrinter.Print(sets));
    }

    [Fact]
    public void ListOutputGivesTheSameSetsAsSaveOutput()
    {
        var (fromSave, d1) = Parse(File.ReadAllText(Data("kernel-6.18.save")));
        var (fromList, d2) = Parse(File.ReadAllText(Data("kernel-6.18.list")), "kernel-6.18.list");
        Assert.Empty(d1.Items);
        Assert.Empty(d2.Items);
        Assert.Equal(IpsetSavePrinter.Print(fromSave), IpsetSavePrinter.Print(fromList));
    }

    [Fact]
    public void TypedValuesOfTheKernelDump()
    {
        var (sets, _) = Parse(File.ReadAllText(Data("kernel-6.18.save")));

        var allow4 = sets["allow4"]!;
        Assert.Same(IpSetType.HashIp, allow4.Type);
        Assert.Equal(IpFamily.V4, allow4.Family);
        Assert.True(allow4.Options.Counters);
        Assert.True(allow4.Options.Comment);
        Assert.Equal(0x570bbebeu, allow4.Options.InitVal);
        var bastion = allow4.Entries.Single(e => e.Comment is not null);
        Assert.Equal("bastion host", bastion.Comment);
        Assert.Equal(new IpSetAddressValue(IpAddress.Parse("10.0.0.1")), bastion[0]);
        Assert.Equal(12UL, allow4.Entries[0].Packets);
        Assert.Equal(3400UL, allow4.Entries[0].Bytes);

        Assert.Equal(64, sets["allow6"]!.Options.Netmask);
        Assert.Equal(IpFamily.V6, sets["allow6"]!.Family);

        var blocked = sets["blocked"]!;
        Assert.Equal(3600u, blocked.Options.Timeout);
        var nm = blocked.Entries[0];
        Assert.True(nm.NoMatch);
        Assert.Equal(0u, nm.Timeout);
        Assert.Equal(IpPrefix.Parse("192.0.2.128/25"), ((IpSetNetValue)nm[0]).Prefix);

        var svc = sets["svc"]!.Entries;
        Assert.Contains(svc, e => e[1] is IpSetPortValue { Protocol: Protocols.Udp, First: 53, Last: 53 });
        Assert.Contains(svc, e => e[1] is IpSetPortValue { Protocol: Protocols.Icmp, First: 0x0800 });
        Assert.Contains(svc, e => e[1] is IpSetPortValue { Protocol: Protocols.Gre, First: 0 });
        Assert.Contains(sets["netsvc"]!.Entries, e => e[1] is IpSetPortValue { Protocol: Protocols.Icmpv6, First: 128 << 8 });

        var ifnets = sets["ifnets"]!.Entries;
        Assert.Equal(new IpSetIfaceValue("veth+"), ifnets[0][1]); // '+' is part of the name: "wildcard" is an option
        Assert.Equal(0, ((IpSetNetValue)ifnets[0][0]).Length);
        Assert.Equal(new IpSetIfaceValue("br-lan", Physdev: true), ifnets[2][1]);

        Assert.Equal((IpAddress.Parse("10.0.0.0"), IpAddress.Parse("10.0.255.255")), sets["blocks"]!.Options.AddressRange);
        Assert.Equal(((ushort)1, (ushort)1024), sets["ports"]!.Options.PortRange);
        var macs = sets["macs"]!.Entries;
        Assert.Equal(new IpSetMacValue(MacAddress.Parse("00:11:22:33:44:55")), macs[0][1]);
        Assert.Equal(new IpSetMacValue(null), macs[1][1]);
        Assert.Null(sets["all"]!.Family);
        Assert.Equal(["allow4", "blocked"], sets["all"]!.Entries.Select(e => e.ElementText));
    }

    [Fact]
    public void MalformedInputGivesExactPlacesAndKeepsTheRest()
    {
        var (sets, d) = Parse(File.ReadAllText(Data("malformed.save")), "malformed.save");
        var got = d.Items.Select(x => $"{x.Location.Line}:{x.Location.Column} {x.Severity}").ToList();
        Assert.Equal(
        [
            "3:10 Error",   // 10.0.0.300
            "4:14 Error",   // hash:ipx
            "6:5 Error",    // set "missing" never created (line 5 for the refused "weird" is not reported twice)
            "7:35 Warning", // frobnicate 7
            "9:10 Error",   // IPv4 element in an inet6 set
            "10:19 Error",  // timeout on a set without timeout
            "12:17 Error",  // gre:5
            "13:17 Error",  // icmpv6 in an inet set
            "14:16 Error",  // second dimension missing
            "15:1 Error",   // not a command
            "16:27 Error",  // unterminated quote
            "16:19 Error",  // comment on a set without comment
            "18:8 Error",   // outside the bitmap range
            "19:10 Warning", // duplicate
        ], got);
        Assert.Equal(["10.0.0.1"], sets["good"]!.Entries.Select(e => e.ElementText));
        Assert.Equal(["2001:db8::/32"], sets["nets"]!.Entries.Select(e => e.ElementText));
        Assert.Equal("frobnicate 7", Assert.Single(sets["nets"]!.Options.UnknownOptions).ToString());
        Assert.Contains("create nets hash:net family inet6 frobnicate 7", IpsetSavePrinter.Print(sets));
        Assert.False(sets.Contains("weird"));
        Assert.Contains(d.Items, x => x.Message.Contains("\"10.0.0.300\" is not an IP address"));
        Assert.Contains(d.Items, x => x.Message.Contains("gre has no ports"));
        Assert.Contains(d.Items, x => x.Message.Contains("ICMPv6 can be used with family inet6 only"));
    }

    [Theory]
    [InlineData("create s hash:ip\nadd s 10.0.0.1,80", "2:16", "has 2")]
    [InlineData("create s hash:ip,port\nadd s 10.0.0.1,tcp:http-alt", "2:16", "not a port")]
    [InlineData("create s hash:net\nadd s 10.0.0.0/0", "2:7", "refuses a /0")]
    [InlineData("create s hash:ip family inet6\nadd s 2001:db8::/64", "2:7", "single IPv6 addresses")]
    [InlineData("create s bitmap:port range 10-20\nadd s 30", "2:7", "outside the bitmap's range")]
    [InlineData("create s hash:ip\nadd s 10.0.0.1 nomatch", "2:16", "nomatch")]
    [InlineData("create s hash:ip\nadd s 10.0.0.1 packets 1", "2:16", "counters")]
    [InlineData("create s hash:net,iface\nadd s 10.0.0.0/8,abcdefghijklmnop", "2:18", "longer than 15")]
    [InlineData("create s hash:mac\nadd s 00:00:00:00:00:00", "2:7", "all-zero MAC")]
    [InlineData("create s hash:ip netmask 33", "1:26", "netmask")]
    [InlineData("create s bitmap:ip", "1:10", "no \"range\"")]
    [InlineData("create s list:set\nadd s nosuchset", "2:7", "does not exist")]
    [InlineData("create a list:set\ncreate s list:set\nadd s a", "3:7", "is a list:set")]
    [InlineData("add", "1:4", "needs a set name")]
    [InlineData("create s hash:ip hashsize", "1:26", "needs a value")]
    [InlineData("create s hash:ip maxelem lots", "1:26", "not a number")]
    public void OneBadLine(string text, string at, string message)
    {
        var (_, d) = Parse(text);
        var diag = Assert.Single(d.Items, x => x.Severity == Severity.Error);
        Assert.Equal(at, $"{diag.Location.Line}:{diag.Location.Column}");
        Assert.Contains(message, diag.Message);
        Assert.StartsWith("t.save:" + at + ": error:", diag.ToString());
    }

    [Fact]
    public void RangesExpandAsTheKernelStoresThem()
    {
        // ipset add B 10.0.0.1-10.0.0.9 on hash:net was dumped by the kernel as these four networks (ip_set_range_to_cidr)
        var (sets, d) = Parse("create B hash:net\nadd B 10.0.0.1-10.0.0.9 nomatch");
        Assert.Empty(d.Items);
        Assert.Equal(["10.0.0.1", "10.0.0.2/31", "10.0.0.4/30", "10.0.0.8/31"], sets["B"]!.Entries.Select(e => e.ElementText));
        Assert.All(sets["B"]!.Entries, e => Assert.True(e.NoMatch));

        // hash:ip keeps a range as one value (the kernel stores one element per host; membership is the same)
        var (ips, _) = Parse("create A hash:ip\nadd A 10.0.0.0/30\nadd A 10.0.1.9-10.0.1.5");
        Assert.Equal(["10.0.0.0/30", "10.0.1.5-10.0.1.9"], ips["A"]!.Entries.Select(e => e.ElementText));

        // with netmask the kernel stores the masked block: 10.0.1.0/30 with netmask 24 was dumped as 10.0.1.0
        var (masked, _) = Parse("create A hash:ip netmask 24\nadd A 10.0.1.0/30\nadd A 10.0.2.77");
        Assert.Equal(["10.0.1.0", "10.0.2.0"], masked["A"]!.Entries.Select(e => e.ElementText));

        var (ports, _) = Parse("create P hash:ip,port\nadd P 10.0.0.3,tcp:80-82\nadd P 10.0.0.1,80\nadd P 10.0.0.1,udp:domain");
        Assert.Equal(["10.0.0.3,tcp:80-82", "10.0.0.1,tcp:80", "10.0.0.1,udp:53"], ports["P"]!.Entries.Select(e => e.ElementText));
    }

    [Fact]
    public void IcmpElementsAreReadByNameOrNumberAndPrintedByName()
    {
        var (sets, d) = Parse("create C hash:ip,port\nadd C 10.0.0.1,icmp:8/0\nadd C 10.0.0.1,icmp:pong\nadd C 10.0.0.1,icmp:3/8\n" +
                              "create C6 hash:ip,port family inet6\nadd C6 ::1,icmpv6:128/0\nadd C6 ::1,ipv6-icmp:neighbour-solicitation");
        Assert.Empty(d.Items);
        Assert.Equal(["10.0.0.1,icmp:echo-request", "10.0.0.1,icmp:echo-reply", "10.0.0.1,icmp:3/8"], sets["C"]!.Entries.Select(e => e.ElementText));
        Assert.Equal(["::1,ipv6-icmp:echo-request", "::1,ipv6-icmp:neighbour-solicitation"], sets["C6"]!.Entries.Select(e => e.ElementText));
    }

    [Fact]
    public void ElementOptionsInIpsetOrder()
    {
        // the exact line ipset v7.17 printed for an element given with its options in another order
        var line = "add S 10.0.0.0/8 timeout 99 nomatch packets 1 bytes 2 comment \"a b\" skbmark 0x10 skbqueue 2";
        var text = "create S hash:net family inet hashsize 1024 maxelem 65536 timeout 100 counters comment skbinfo bucketsize 12 initval 0x335e466c\n" + line + "\n";
        var (sets, d) = Parse(text);
        Assert.Empty(d.Items);
        var e = sets["S"]!.Entries[0];
        Assert.Equal(99u, e.Timeout);
        Assert.Equal(0x10u, e.SkbInfo!.Mark);
        Assert.Equal((ushort)2, e.SkbInfo.Queue);
        Assert.Equal(text, IpsetSavePrinter.Print(sets));

        var (other, _) = Parse("create S hash:net skbinfo comment counters timeout 100\nadd S 10.0.0.0/8 skbmark 0x10/0xff skbprio 0x10:0x20 comment \"x\" nomatch bytes 2 packets 1 timeout 5");
        Assert.Equal("add S 10.0.0.0/8 timeout 5 nomatch packets 1 bytes 2 comment \"x\" skbmark 0x10/0xff skbprio 10:20",
            IpsetSavePrinter.AddLine(other["S"]!, other["S"]!.Entries[0]));
        Assert.Equal("create S hash:net family inet timeout 100 counters comment skbinfo", other["S"]!.CreateLine);
    }

    [Fact]
    public void InterfaceWildcardIsAnElementOption()
    {
        // as ipset v7.17 printed it: the flag comes after nomatch, the name has no '+'
        var text = "create F hash:net,iface family inet hashsize 1024 maxelem 65536 counters bucketsize 12 initval 0x40bdd4ec\n" +
                   "add F 10.0.0.0/8,physdev:wan nomatch wildcard packets 3 bytes 4\n" +
                   "add F 172.16.0.0/12,eth wildcard packets 0 bytes 0\n" +
                   "add F 192.168.0.0/16,eth+ packets 0 bytes 0\n";
        var (sets, d) = Parse(text);
        Assert.Empty(d.Items);
        Assert.Equal(new IpSetIfaceValue("wan", Physdev: true, Wildcard: true), sets["F"]!.Entries[0][1]);
        Assert.Equal(new IpSetIfaceValue("eth+"), sets["F"]!.Entries[2][1]);
        Assert.Equal(text, IpsetSavePrinter.Print(sets));
        var (_, bad) = Parse("create S hash:net\nadd S 10.0.0.0/8 wildcard");
        Assert.Contains("hash:net,iface", Assert.Single(bad.Items).Message);
    }

    [Fact]
    public void UnknownElementOptionIsKeptWithAWarning()
    {
        var (sets, d) = Parse("create S hash:ip\nadd S 10.0.0.1 colour blue");
        var w = Assert.Single(d.Items);
        Assert.Equal(Severity.Warning, w.Severity);
        Assert.Equal(16, w.Location.Column);
        Assert.Equal("add S 10.0.0.1 colour blue", IpsetSavePrinter.AddLine(sets["S"]!, sets["S"]!.Entries[0]));
    }

    [Fact]
    public void ListSetOrderFollowsBeforeAndAfter()
    {
        var (sets, d) = Parse("create a hash:ip\ncreate b hash:ip\ncreate c hash:ip\ncreate L list:set size 3\nadd L a\nadd L c\nadd L b before c\ncreate M list:set size 1\nadd M a\nadd M b");
        Assert.Equal(["a", "b", "c"], sets["L"]!.Entries.Select(e => e.ElementText));
        var full = Assert.Single(d.Items);
        Assert.Contains("is full", full.Message);
        Assert.Equal(10, full.Location.Line);
    }

    [Fact]
    public void ListSetsArePrintedLast()
    {
        var (sets, _) = Parse("create a hash:ip\ncreate L list:set\nadd L a\ncreate b hash:net");
        Assert.Equal("create a hash:ip family inet\ncreate b hash:net family inet\ncreate L list:set\nadd L a\n", IpsetSavePrinter.Print(sets));
    }

    [Fact]
    public void AliasesAndCommandsOtherThanCreateAndAdd()
    {
        var (sets, d) = Parse("-N old iphash\n-A old 10.0.0.1\nflush old\n# a comment\n\ncreate -exist x hash:ip");
        Assert.Same(IpSetType.HashIp, sets["old"]!.Type);
        Assert.Single(sets["old"]!.Entries);
        var w = Assert.Single(d.Items);
        Assert.Equal((3, 1, Severity.Warning), (w.Location.Line, w.Location.Column, w.Severity));
        Assert.True(sets.Contains("x"));
    }

    [Fact]
    public void BitmaskWithAStraySuffixAsIpsetSometimesPrintsIt()
    {
        var (sets, d) = Parse("create M hash:ip family inet6 hashsize 1024 maxelem 65536 bitmask ffff:ffff::/2 bucketsize 12 initval 0x32d1df02\nadd M 2001:db8::");
        Assert.Empty(d.Items);
        Assert.Equal(IpAddress.Parse("ffff:ffff::"), sets["M"]!.Options.Bitmask);
    }

    [Fact]
    public void NeverThrowsOnGarbage()
    {
        var rnd = new Random(7);
        var alphabet = "create add hash:ip,port:net/ -\"0123456789.abcdefx,+ \n\t";
        for (int i = 0; i < 300; i++)
        {
            var chars = Enumerable.Range(0, rnd.Next(200)).Select(_ => alphabet[rnd.Next(alphabet.Length)]).ToArray();
            var d = new DiagnosticBag();
            IpsetSaveParser.Parse("create s hash:ip,port\ncreate n hash:net,iface\n" + new string(chars), "g", d);
            Assert.DoesNotContain(d.Items, x => x.Message.StartsWith("internal error"));
        }
    }
}
