using Nfwalk.Bench;
using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Walk;
using Nfwalk.Snapshot;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Walk;

/// <summary>
/// The fast walk (<see cref="WalkOptions.UseIndex"/>: compiled chains, the exact-destination index, texts formatted once,
/// lazily formatted results) gives exactly the answers of the straightforward evaluator (UseIndex = false), compared whole:
/// title, start and final packet, every step with every field, outcome and assumptions, over random packets and the
/// packets that follow them on the same node (conntrack state carried over).
/// </summary>
public class IndexEquivalenceTests
{
    [Fact]
    public void Indexed_and_straightforward_walks_agree_on_random_packets()
    {
        var rules = SaveParser.Parse(KubeProxyDumpGenerator.Generate(300, 3), "kp.rules").Ruleset;
        var rnd = new Random(11);
        for (int i = 0; i < 400; i++)
        {
            int s = rnd.Next(320); // some addresses hit no service
            var spec = new PacketSpec
            {
                Source = IpAddress.FromV4((uint)(0x0AF40000 | rnd.Next(1, 0xffff))), Destination = IpAddress.Parse($"10.96.{(s >> 8) & 255}.{s & 255}"),
                Protocol = rnd.Next(4) == 0 ? Protocols.Udp : Protocols.Tcp, SourcePort = (ushort)rnd.Next(1024, 65535), DestinationPort = (ushort)(rnd.Next(3) == 0 ? 81 : 80),
                TcpFlags = TcpFlags.Syn, InInterface = rnd.Next(2) == 0 ? "cni0" : "eth0",
            };
            var net = new FakeNetwork().Address("eth0", "172.18.0.3");
            var a = NodeWalker.Walk(new Node { Name = "a", Rules4 = rules, Network = net }, spec, new WalkOptions { UseIndex = true, IpForward = true });
            var b = NodeWalker.Walk(new Node { Name = "a", Rules4 = rules, Network = net }, spec, new WalkOptions { UseIndex = false, IpForward = true });
            AssertSame(b, a, $"packet {i}");
        }
    }

    [Fact]
    public void Fast_and_straightforward_walks_agree_on_the_kube_proxy_dump_in_every_mode()
    {
        var rules = SaveParser.Parse(KubeProxyDumpGenerator.Generate(300, 3), "kp.rules").Ruleset;
        var net = new FakeNetwork().Address("eth0", "172.18.0.3").Address("lo", "127.0.0.1");
        var sources = new[] { "10.244.0.7", "10.244.3.9", "192.168.5.5", "172.18.0.3", "127.0.0.1", "10.96.0.5" };
        var rnd = new Random(5);
        var destinations = Enumerable.Range(0, 330).Select(s => $"10.96.{(s >> 8) & 255}.{s & 255}").Concat(["172.18.0.3", "127.0.0.1", "10.244.0.2"]).ToArray();
        Compare(rules, net, rnd, 300, sources, destinations, ["cni0", "eth0", "lo"], [80, 81, 8080, 53]);
    }

    [Fact]
    public void Outcome_only_walks_through_the_random_draws_agree_walk_after_walk()
    {
        // a small dump, so that each load-balancing rule is met again and again: the rule heads take those jumps
        // themselves (RandomDraw), with the texts kept from the draw before; flips of statistic rules and the culture
        // the probability is written in change between walks, so the kept texts must be checked each time
        var rules = SaveParser.Parse(KubeProxyDumpGenerator.Generate(12, 3), "kp.rules").Ruleset;
        var statistic = rules.AllRules().Where(r => r.Matches.Any(m => m is StatisticMatch)).Select(r => $"kp.rules:{r.Location.Line}").ToArray();
        Assert.NotEmpty(statistic);
        var net = new FakeNetwork().Address("eth0", "172.18.0.3");
        // (the tests run with invariant globalization: a copy of the invariant culture with a decimal comma stands in for de-DE)
        var comma = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        var cultures = new[] { System.Globalization.CultureInfo.InvariantCulture, comma };
        var before = System.Globalization.CultureInfo.CurrentCulture;
        var rnd = new Random(17);
        try
        {
            for (int i = 0; i < 600; i++)
            {
                if (i % 50 == 0) System.Globalization.CultureInfo.CurrentCulture = cultures[i / 50 % 2];
                int s = rnd.Next(14);
                var spec = new PacketSpec
                {
                    Source = IpAddress.FromV4((uint)(0x0AF40000 | rnd.Next(1, 0xffff))), Destination = IpAddress.Parse($"10.96.0.{s}"),
                    Protocol = Protocols.Tcp, SourcePort = (ushort)rnd.Next(1024, 65535), DestinationPort = 80, TcpFlags = TcpFlags.Syn, InInterface = "cni0",
                };
                var flips = i % 7 < 2 ? statistic.Where(_ => rnd.Next(3) == 0).ToArray() : [];
                WalkOptions O(bool index)
                {
                    var o = new WalkOptions { UseIndex = index, RecordSteps = false, IpForward = true };
                    foreach (var f in flips) o.FlipAt.Add(f);
                    return o;
                }
                var a = NodeWalker.Walk(new Node { Name = "a", Rules4 = rules, Network = net }, spec, O(true));
                var b = NodeWalker.Walk(new Node { Name = "a", Rules4 = rules, Network = net }, spec, O(false));
                AssertSame(b, a, $"walk {i}");
            }
        }
        finally { System.Globalization.CultureInfo.CurrentCulture = before; }
        // probabilities 0 and 1, inverted or not: no draw, the test is decided by the probability alone
        var edges = SaveParser.Parse("""
            *mangle
            :PREROUTING ACCEPT [0:0]
            :A - [0:0]
            :B - [0:0]
            :C - [0:0]
            -A PREROUTING -m statistic --mode random --probability 1.0 -j A
            -A PREROUTING -j MARK --set-xmark 0x1/0x1
            -A A -m statistic --mode random ! --probability 0.0 -j B
            -A A -j MARK --set-xmark 0x2/0x2
            -A B -m statistic --mode random --probability 0.0 -j C
            -A B -m statistic --mode random ! --probability 1.0 -j C
            -A B -j MARK --set-xmark 0x4/0x4
            -A C -j MARK --set-xmark 0x8/0x8
            COMMIT

            """, "edges.rules");
        Assert.Empty(edges.Diagnostics);
        var packet = new PacketSpec { Source = IpAddress.Parse("10.0.0.1"), Destination = IpAddress.Parse("10.0.0.2"), Protocol = Protocols.Tcp, SourcePort = 1000, DestinationPort = 80, TcpFlags = TcpFlags.Syn, InInterface = "eth0" };
        for (int i = 0; i < 3; i++)
        {
            var a = NodeWalker.Walk(new Node { Name = "a", Rules4 = edges.Ruleset, Network = net }, packet, new WalkOptions { UseIndex = true, RecordSteps = false, IpForward = true });
            var b = NodeWalker.Walk(new Node { Name = "a", Rules4 = edges.Ruleset, Network = net }, packet, new WalkOptions { UseIndex = false, RecordSteps = false, IpForward = true });
            AssertSame(b, a, $"edges {i}");
            Assert.Equal("0x7", a.Final.Mark); // PREROUTING -> A -> B and back (0x4, 0x2, 0x1); neither jump to C (0x8) is taken
        }
    }

    [Fact]
    public void A_random_draws_assumption_read_after_the_walk_is_written_as_the_walk_would_have_written_it()
    {
        // an outcome-only walk leaves the texts of the draws its rule heads took to be written when its assumptions are
        // read: in the culture the walk ran in, each once, in order with the other assumptions (the draw in nat
        // PREROUTING, then "forwarding assumed enabled" at the routing decision), whenever they are read
        var rules = SaveParser.Parse(KubeProxyDumpGenerator.Generate(4, 3), "kp.rules").Ruleset;
        var net = new FakeNetwork().Address("eth0", "172.18.0.3");
        var comma = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        var before = System.Globalization.CultureInfo.CurrentCulture;
        var packet = new PacketSpec
        {
            Source = IpAddress.Parse("10.244.7.7"), Destination = IpAddress.Parse("10.96.0.2"), Protocol = Protocols.Tcp,
            SourcePort = 40000, DestinationPort = 80, TcpFlags = TcpFlags.Syn, InInterface = "cni0",
        };
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = comma;
            // ip_forward not given: a plain assumption after the draw's
            var reference = NodeWalker.Walk(new Node { Name = "a", Rules4 = rules, Network = net }, packet, new WalkOptions { UseIndex = false, RecordSteps = false });
            var fast = new[] { 0, 1, 2 }.Select(_ => NodeWalker.Walk(new Node { Name = "a", Rules4 = rules, Network = net }, packet, new WalkOptions { RecordSteps = false })).ToArray();
            System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
            // the same draw under another culture in between: its kept texts are the invariant ones now
            var invariant = NodeWalker.Walk(new Node { Name = "a", Rules4 = rules, Network = net }, packet, new WalkOptions { RecordSteps = false });
            Assert.Contains(invariant.Assumptions, a => a.Contains("probability 0.33333"));
            Assert.Equal(2, reference.Assumptions.Count);
            Assert.Contains("probability 0,33333", reference.Assumptions[0]);
            Assert.StartsWith("forwarding assumed enabled", reference.Assumptions[1]);
            foreach (var f in fast)
            {
                Assert.Equal(reference.Assumptions, f.Assumptions);
                Assert.Equal(reference.Assumptions[0], f.Assumptions[0]);
                Assert.Equal(reference.Assumptions.Count, f.Assumptions.Count);
            }
        }
        finally { System.Globalization.CultureInfo.CurrentCulture = before; }
    }

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "fixtures", "corpus"), "*.rules").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        data.Add("../../examples/seed/seed-rules.txt");
        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fast_and_straightforward_walks_agree_on_the_fixtures(string file)
    {
        var rules = SaveParser.ParseFile(Path.Combine(Repo.Root, "fixtures", "corpus", file)).Ruleset;
        bool v6 = rules.Family == IpFamily.V6;
        var net = v6
            ? new FakeNetwork { Router = q => FakeNetwork.Out("eth1", "2001:db8:1::1") }.Address("eth0", "2001:db8::3").Address("lo", "::1")
            : new FakeNetwork().Address("eth0", "172.18.0.3").Address("eth1", "10.99.1.1").Address("lo", "127.0.0.1");
        // addresses and interfaces the rules name, so that the packets reach their rules
        var addresses = new List<string>(v6 ? ["2001:db8::3", "2001:db8::9", "::1", "fd00::5"] : ["172.18.0.3", "10.99.1.1", "127.0.0.1", "192.0.2.7", "10.244.1.5", "8.8.8.8"]);
        var interfaces = new List<string> { "eth0", "eth1", "lo", "docker0" };
        var ports = new List<ushort> { 22, 53, 80, 443, 8080, 15001, 15006, 15008, 5000 };
        foreach (var t in rules.Tables)
            foreach (var r in t.AllRules())
                foreach (var m in r.Matches)
                {
                    if (m is AddressMatch a) { addresses.Add(a.Prefix.Network.ToString()); if (!a.Prefix.IsHost) addresses.Add(a.Prefix.Network.Add(1).ToString()); }
                    if (m is InterfaceMatch im) interfaces.Add(im.IsWildcard ? im.Interface[..^1] + "0" : im.Interface);
                    if (m is TcpMatch { DestinationPorts: { } dp }) ports.Add(dp.First);
                }
        var list = addresses.Distinct().ToArray();
        Compare(rules, net, new Random(file.Length * 31 + file[0]), 60, list, list, interfaces.Distinct().ToArray(), ports.Distinct().ToArray());
    }

    [Fact]
    public void Fast_and_straightforward_walks_agree_on_the_ambient_snapshot()
    {
        var snap = NodeSnapshot.Load(Path.Combine(Repo.Root, "examples", "ambient", "ambient-worker"), Repo.Root);
        var addrs = new[] { "10.244.1.5", "10.244.1.3", "10.244.2.6", "10.96.0.10", "172.18.0.3", "192.168.1.4", "127.0.0.1", "169.254.7.127" };
        var rnd = new Random(3);
        for (int i = 0; i < 80; i++)
        {
            var fast = snap.CreateNode();
            var slow = snap.CreateNode();
            var o = RandomOptions(rnd, snap.Rules4!);
            foreach (var spec in Conversation(rnd, addrs, addrs, ["veth5c2d7e01", "eth0", "istioin", "istioout", "lo", "pistioin"], [80, 15001, 15006, 15008, 53]))
                AssertSame(NodeWalker.Walk(slow, spec, o(false)), NodeWalker.Walk(fast, spec, o(true)), $"case {i} {spec}");
        }
    }

    private static void Compare(Ruleset rules, FakeNetwork net, Random rnd, int cases, string[] sources, string[] destinations, string[] interfaces, ushort[] ports)
    {
        bool v6 = rules.Family == IpFamily.V6;
        for (int i = 0; i < cases; i++)
        {
            var fast = new Node { Name = "n", Rules4 = v6 ? null : rules, Rules6 = v6 ? rules : null, Network = net };
            var slow = new Node { Name = "n", Rules4 = v6 ? null : rules, Rules6 = v6 ? rules : null, Network = net };
            var o = RandomOptions(rnd, rules);
            foreach (var spec in Conversation(rnd, sources, destinations, interfaces, ports))
                AssertSame(NodeWalker.Walk(slow, spec, o(false)), NodeWalker.Walk(fast, spec, o(true)), $"case {i} {spec}");
        }
    }

    /// <summary>One set of options for both walks, differing only in UseIndex: steps recorded or not, verbose, backend, flips.</summary>
    private static Func<bool, WalkOptions> RandomOptions(Random rnd, Ruleset rules)
    {
        bool record = rnd.Next(3) != 0, verbose = rnd.Next(4) == 0, legacy = rnd.Next(3) == 0;
        bool? forward = rnd.Next(5) switch { 0 => null, 1 => false, _ => true };
        var all = rules.AllRules().ToList();
        var flips = rnd.Next(3) == 0 && all.Count > 0
            ? Enumerable.Range(0, 8).Select(_ => all[rnd.Next(all.Count)].Location).Select(l => $"{Path.GetFileName(l.File)}:{l.Line}").ToList()
            : [];
        return useIndex =>
        {
            var o = new WalkOptions { UseIndex = useIndex, RecordSteps = record, Verbose = verbose, LegacyBackend = legacy, IpForward = forward };
            foreach (var f in flips) o.FlipAt.Add(f);
            return o;
        };
    }

    /// <summary>A first packet, then (on the same node) its reply and a later packet of the same flow, or an unrelated one.</summary>
    private static IEnumerable<PacketSpec> Conversation(Random rnd, string[] sources, string[] destinations, string[] interfaces, ushort[] ports)
    {
        byte proto = rnd.Next(6) switch { 0 => Protocols.Udp, 1 => Protocols.Icmp, 2 => Protocols.Udp, _ => Protocols.Tcp };
        var src = IpAddress.Parse(sources[rnd.Next(sources.Length)]);
        var dst = IpAddress.Parse(destinations[rnd.Next(destinations.Length)]);
        if (src.Family != dst.Family) dst = src;
        if (proto == Protocols.Icmp && !src.IsV4) proto = Protocols.Icmpv6;
        var flags = new[] { TcpFlags.Syn, TcpFlags.Syn, TcpFlags.Ack, TcpFlags.Syn | TcpFlags.Ack, TcpFlags.Rst, TcpFlags.Fin | TcpFlags.Ack };
        uint[] marks = [0, 0, 0x100, 0x200, 0x4000, 0x220, 0x40, (uint)rnd.Next()];
        string? iif = rnd.Next(4) == 0 ? null : interfaces[rnd.Next(interfaces.Length)];
        var first = new PacketSpec
        {
            Source = src, Destination = dst, Protocol = proto, SourcePort = (ushort)rnd.Next(1024, 65535), DestinationPort = ports[rnd.Next(ports.Length)],
            TcpFlags = flags[rnd.Next(flags.Length)], IcmpType = (byte)(rnd.Next(2) == 0 ? 8 : 0), InInterface = iif, Mark = marks[rnd.Next(marks.Length)],
            Length = rnd.Next(3) == 0 ? rnd.Next(40, 1500) : null, IsFragment = rnd.Next(10) == 0,
        };
        yield return first;
        yield return first with
        {
            Source = first.Destination, Destination = first.Source, SourcePort = first.DestinationPort, DestinationPort = first.SourcePort,
            TcpFlags = TcpFlags.Syn | TcpFlags.Ack, IcmpType = 0, InInterface = rnd.Next(3) == 0 ? null : interfaces[rnd.Next(interfaces.Length)], Mark = 0,
        };
        yield return first with { TcpFlags = rnd.Next(2) == 0 ? TcpFlags.Ack : TcpFlags.Fin | TcpFlags.Ack };
        yield return first with { SourcePort = (ushort)rnd.Next(1024, 65535), Destination = IpAddress.Parse(destinations[rnd.Next(destinations.Length)]) is { } d && d.Family == src.Family ? d : dst };
    }

    private static void AssertSame(WalkTrace expected, WalkTrace actual, string what)
    {
        Assert.True(expected.Title == actual.Title, $"{what}: title {actual.Title} != {expected.Title}");
        Assert.Equal(expected.Packet, actual.Packet);
        Assert.Equal(expected.Outcome, actual.Outcome);
        Assert.Equal(expected.Final, actual.Final);
        Assert.Equal(expected.Assumptions, actual.Assumptions);
        Assert.Equal(expected.Steps.Count, actual.Steps.Count);
        for (int i = 0; i < expected.Steps.Count; i++)
            Assert.True(expected.Steps[i] == actual.Steps[i], $"{what}: step {i}\n  fast: {actual.Steps[i]}\n  slow: {expected.Steps[i]}");
        // the matched rule sequence, said once more in the words
        Assert.Equal(expected.Steps.Where(x => x.Kind == StepKind.Rule).Select(x => (x.Table, x.Chain, x.Rule, x.Verdict)),
            actual.Steps.Where(x => x.Kind == StepKind.Rule).Select(x => (x.Table, x.Chain, x.Rule, x.Verdict)));
        Assert.Equal(expected.Packet.Summary, actual.Packet.Summary);
        Assert.Equal(expected.Final.GetHashCode(), actual.Final.GetHashCode());
        Assert.Equal(expected.Outcome.GetHashCode(), actual.Outcome.GetHashCode());
    }
}
