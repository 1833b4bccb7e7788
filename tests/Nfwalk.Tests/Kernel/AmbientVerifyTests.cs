using Nfwalk.Kernel;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;
using Nfwalk.Tests.Support;
using Xunit.Abstractions;

namespace Nfwalk.Tests.Kernel;

/// <summary>
/// The ambient node snapshot built for real (veth peers, addresses, tables 100-102, ip rules 100-103, the ipset and the
/// rules) and the walks replayed through the kernel: per-rule counters and egress interfaces must agree.
/// </summary>
public class AmbientVerifyTests(ITestOutputHelper output)
{

    private static PacketSpec Tcp(string s, string d, ushort sp, ushort dp, string iif, TcpFlags f = TcpFlags.Syn)
        => new() { Source = IpAddress.Parse(s), Destination = IpAddress.Parse(d), Protocol = Protocols.Tcp, SourcePort = sp, DestinationPort = dp, TcpFlags = f, InInterface = iif };

    [SkippableFact]
    public void Ambient_node_walks_agree_with_the_kernel()
    {
        var why = KernelGate.Why("nft", "ipset"); Skip.If(why is not null, why);
        var packets = new List<PacketSpec>
        {
            Tcp("10.244.1.5", "10.244.2.6", 40000, 80, "veth5c2d7e01"),                                    // mesh SYN: 0x100 → istioout
            new() { Source = IpAddress.Parse("10.244.1.5"), Destination = IpAddress.Parse("10.96.0.10"), Protocol = Protocols.Udp, SourcePort = 41000, DestinationPort = 53, InInterface = "veth5c2d7e01" }, // DNS: 0x220
            Tcp("10.244.1.5", "10.244.2.6", 42000, 15008, "vethbb925f55"),                                 // ztunnel as the pod: 0x210
            Tcp("10.244.2.6", "10.244.1.5", 15008, 42000, "eth0", TcpFlags.Syn | TcpFlags.Ack),            // its reply: 0x40 → table 102
            Tcp("10.244.1.7", "10.244.1.6", 44000, 80, "veth7e0f3a14"),                                    // non-mesh pod → mesh pod: table 100 → istioin
            Tcp("10.244.1.1", "10.244.1.5", 50000, 8080, null!),                                           // host probe: 0x220 in OUTPUT
        };
        packets[^1] = packets[^1] with { InInterface = null };
        var r = SnapshotVerifier.Run(Path.Combine(Repo.Root, "examples", "ambient", "ambient-worker"), packets);
        output.WriteLine(r.Rules.Report());
        foreach (var e in r.Egress) output.WriteLine($"egress {e.Interface}: kernel {e.Kernel} nfwalk {e.Nfwalk}");
        foreach (var n in r.Notes) output.WriteLine("note: " + n);
        Assert.True(r.Passed, r.Rules.Report() + "\n" + string.Join("\n", r.Egress.Select(e => $"egress {e.Interface}: kernel {e.Kernel} nfwalk {e.Nfwalk}")));
        Assert.Contains(r.Egress, e => e.Interface == "istioout" && e.Kernel == 1);
        Assert.Contains(r.Egress, e => e.Interface == "istioin" && e.Kernel == 1);
    }
}
