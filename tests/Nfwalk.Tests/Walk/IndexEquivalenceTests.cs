using Nfwalk.Bench;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Walk;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Walk;

/// <summary>The exact-destination index gives the same answers as evaluating every rule (property test over random packets).</summary>
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
            var b = NodeWalker.Walk(new Node { Name = "b", Rules4 = rules, Network = net }, spec, new WalkOptions { UseIndex = false, IpForward = true });
            Assert.Equal(b.Outcome, a.Outcome);
            Assert.Equal(b.Final, a.Final);
            Assert.Equal(b.Steps.Where(x => x.Kind == StepKind.Rule).Select(x => (x.Table, x.Chain, x.Rule, x.Verdict)), a.Steps.Where(x => x.Kind == StepKind.Rule).Select(x => (x.Table, x.Chain, x.Rule, x.Verdict)));
        }
    }
}
