using System.Diagnostics;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Bench;

/// <summary>Full traces per second through the 10k-service kube-proxy dump (one core), packets to random service IPs.</summary>
public static class WalkMeasure
{
    private sealed class OneUplink : INodeNetwork
    {
        public RouteResult Route(RouteQuery q) => new(RouteKind.Forward, "eth0", IpAddress.Parse("172.18.0.1"), IpAddress.Parse("172.18.0.3"), "default via 172.18.0.1 dev eth0", []);
        public IReadOnlyList<IpAddress> AddressesOf(string iface, IpFamily family) => [IpAddress.Parse("172.18.0.3")];
        public string? LocalInterfaceOf(IpAddress address) => address == IpAddress.Parse("172.18.0.3") ? "eth0" : null;
        public bool IsBroadcast(IpAddress address) => false;
        public IReadOnlyList<string> Assumptions => [];
    }

    public static void Run(string file, int count)
    {
        Measure(file, count, true);
        Measure(file, count * 5, false);
    }

    private static void Measure(string file, int count, bool record)
    {
        var rules = SaveParser.ParseFile(file).Ruleset;
        var node = new Node { Name = "kp", Rules4 = rules, Network = new OneUplink() };
        var rnd = new Random(1);
        PacketSpec Next(int i)
        {
            int s = rnd.Next(10_000);
            return new PacketSpec
            {
                Source = IpAddress.Parse($"10.244.{rnd.Next(1, 200)}.{rnd.Next(1, 250)}"), Destination = IpAddress.Parse($"10.96.{(s >> 8) & 255}.{s & 255}"),
                Protocol = Protocols.Tcp, SourcePort = (ushort)(1024 + i % 60000), DestinationPort = 80, TcpFlags = TcpFlags.Syn, InInterface = "cni0",
            };
        }
        var packets = Enumerable.Range(0, 4096).Select(Next).ToArray();
        var options = new WalkOptions { RecordSteps = record, IpForward = true };
        for (int i = 0; i < 200; i++) NodeWalker.Walk(new Node { Name = "kp", Rules4 = rules, Network = node.Network }, packets[i], options);
        var sw = Stopwatch.StartNew();
        long steps = 0;
        for (int i = 0; i < count; i++)
        {
            var w = NodeWalker.Walk(new Node { Name = "kp", Rules4 = rules, Network = node.Network }, packets[i % packets.Length], options);
            steps += w.Steps.Count;
        }
        sw.Stop();
        Console.WriteLine(record
            ? $"{count} full traces (SYN to a random one of 10,000 services) in {sw.Elapsed.TotalSeconds:F2} s = {count / sw.Elapsed.TotalSeconds:F0} traces/s on one core; {steps / (double)count:F1} trace steps per walk"
            : $"{count} classifications (outcome only) in {sw.Elapsed.TotalSeconds:F2} s = {count / sw.Elapsed.TotalSeconds:F0} classifications/s on one core");
    }
}
