using Nfwalk.Ambient;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;
using Nfwalk.Snapshot;
using Nfwalk.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Nfwalk.Tests.Ambient;

/// <summary>What the generator writes for the bundled cluster and its variants (releases, DNS capture, services).</summary>
public class ClusterGeneratorTests
{
    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The lines of one table's block (between "*table" and COMMIT).</summary>
    private static List<string> Block(string save, string table)
    {
        var lines = Lines(save);
        var start = Array.IndexOf(lines, "*" + table);
        Assert.True(start >= 0, $"no *{table}");
        return lines.Skip(start + 1).TakeWhile(l => l != "COMMIT").ToList();
    }

    [Fact]
    public void The_worker_contains_the_seed_line_for_line_in_order_within_each_table()
    {
        var save = GeneratedExample.Generate().File_("ambient-worker/iptables-save.txt");
        // the seed is grep'd: its first block is mangle, the two trailing chains' declarations start nat
        var seed = Lines(File.ReadAllText(Repo.SeedRules));
        var natStart = Array.LastIndexOf(seed, ":ztunnel-POSTROUTING - [0:0]");
        foreach (var (table, part) in new[] { ("mangle", seed[..natStart]), ("nat", seed[natStart..]) })
        {
            var block = Block(save, table);
            int at = -1;
            foreach (var line in part)
            {
                var next = block.FindIndex(at + 1, l => l == line);
                Assert.True(next > at, $"seed line not found (in order) in {table}: {line}");
                at = next;
            }
        }
    }

    [Fact]
    public void The_bundled_example_is_what_the_generator_writes()
    {
        // examples/ambient is regenerated from cluster.yaml: a change to the generator shows up here first
        foreach (var (rel, text) in GeneratedExample.Generate().Files)
        {
            var path = Path.Combine(Repo.Root, "examples", "ambient", rel);
            Assert.True(File.Exists(path), $"examples/ambient/{rel} is missing: run nfwalk ambient generate examples/ambient/cluster.yaml");
            Assert.True(text == File.ReadAllText(path), $"examples/ambient/{rel} differs from the generator's output: regenerate it");
        }
    }

    [Fact]
    public void Every_generated_snapshot_loads_without_a_warning()
    {
        var cluster = GeneratedExample.Generate();
        var dir = GeneratedExample.WriteToTemp(cluster);
        try
        {
            foreach (var h in cluster.Hosts)
            {
                var snap = NodeSnapshot.Load(Path.Combine(dir, h.Directory), dir);
                Assert.True(snap.Diagnostics.All(d => d.Severity == Nfwalk.Diagnostics.Severity.Info), h.Name + ":\n" + string.Join("\n", snap.Diagnostics));
                Assert.NotNull(snap.Rules4);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_nat_accept_on_0x100_skips_kube_proxys_service_dnat_for_a_mesh_pod_but_not_for_the_plain_pod()
    {
        var cluster = GeneratedExample.Generate();
        var dir = GeneratedExample.WriteToTemp(cluster);
        try
        {
            var snap = NodeSnapshot.Load(Path.Combine(dir, "ambient-worker"), dir);
            var node = snap.CreateNode();
            PacketSpec Syn(string src, string iif) => new() { Source = IpAddress.Parse(src), Destination = IpAddress.Parse("10.96.0.105"), Protocol = Protocols.Tcp, SourcePort = 40000, DestinationPort = 8000, TcpFlags = TcpFlags.Syn, InInterface = iif };
            var mesh = NodeWalker.Walk(node, Syn("10.244.1.5", "veth5c2d7e01"), new WalkOptions { IpForward = snap.IpForward }, "sleep → httpbin VIP");
            Assert.Contains(mesh.Steps, s => s.Table == "nat" && s.Chain == "ztunnel-PREROUTING" && s.Verdict == "ACCEPT");
            Assert.DoesNotContain(mesh.Steps, s => s.Table == "nat" && s.Chain == "KUBE-SERVICES");
            Assert.Equal("10.96.0.105", mesh.Final.Destination);
            Assert.Equal("istioout", mesh.Outcome.Interface);

            var plain = NodeWalker.Walk(node, Syn("10.244.1.7", "veth7e0f3a14"), new WalkOptions { IpForward = snap.IpForward }, "plain → httpbin VIP");
            Assert.Contains(plain.Steps, s => s.Table == "nat" && s.Chain == KubeProxy.EndpointChain(cluster.Spec.Services[0], "10.244.2.6:80"));
            Assert.Equal("10.244.2.6", plain.Final.Destination);
            Assert.Equal("eth0", plain.Outcome.Interface);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("pistioout", "10.96.0.105", 8000, 20000, "127.0.0.1:15001")]   // outbound capture: the VIP is kept
    [InlineData("pistioin", "10.244.1.6", 15008, 20000, "127.0.0.1:15008")]    // HBONE
    [InlineData("pistioin", "10.244.1.6", 80, 20000, "127.0.0.1:15006")]       // inbound plaintext
    public void The_ztunnel_pod_delivers_what_comes_out_of_its_tunnels_to_its_listeners(string iif, string dst, int dport, int rule, string socket)
    {
        var cluster = GeneratedExample.Generate();
        var dir = GeneratedExample.WriteToTemp(cluster);
        try
        {
            var snap = NodeSnapshot.Load(Path.Combine(dir, "ambient-worker", "pods", "ztunnel-7x2kq"), dir);
            var spec = new PacketSpec { Source = IpAddress.Parse("10.244.1.5"), Destination = IpAddress.Parse(dst), Protocol = Protocols.Tcp, SourcePort = 40000, DestinationPort = (ushort)dport, TcpFlags = TcpFlags.Syn, InInterface = iif };
            var w = NodeWalker.Walk(snap.CreateNode(), spec, new WalkOptions { IpForward = snap.IpForward }, $"into ztunnel from {iif}");
            Assert.Equal(rule, w.Steps.First(s => s.Kind == StepKind.Routing).RoutingRulePriority);
            Assert.Equal(socket, w.Outcome.Socket);
            Assert.Equal(dst, w.Final.Destination);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Releases_differ_where_the_istio_sources_do()
    {
        var r18 = GeneratedExample.AtRelease("1.18").File_("ambient-worker/iptables-save.txt");
        var r19 = GeneratedExample.AtRelease("1.19").File_("ambient-worker/iptables-save.txt");
        var r20 = GeneratedExample.AtRelease("1.20").File_("ambient-worker/iptables-save.txt");
        const string filterJump = "-A FORWARD -j ztunnel-FORWARD";
        Assert.DoesNotContain(filterJump, Block(r18, "filter"));
        foreach (var r in new[] { r19, r20 })
        {
            var filter = Block(r, "filter");
            Assert.Equal(filterJump, filter.First(l => l.StartsWith("-A FORWARD ")));
            Assert.Contains("-A ztunnel-FORWARD -m mark --mark 0x100/0x100 -j ACCEPT", filter);
        }
        const string wide = "-A ztunnel-OUTPUT -s 10.244.1.1/32 -j MARK --set-xmark 0x220/0xffffffff";
        Assert.Contains(wide, Block(r18, "mangle"));
        Assert.Contains(wide, Block(r19, "mangle"));
        Assert.Contains("-A ztunnel-OUTPUT -s 10.244.1.1/32 -p tcp -m owner --socket-exists -m set --match-set ztunnel-pods-ips dst -j MARK --set-xmark 0x220/0xffffffff", Block(r20, "mangle"));
        Assert.DoesNotContain(wide, Block(r20, "mangle"));
    }

    [Fact]
    public void Dns_capture_adds_the_dnat_to_the_ztunnel_after_the_0x100_accept()
    {
        var c = GeneratedExample.Generate(GeneratedExample.Text.Replace("istio: \"1.18\"", "istio: \"1.19\"\ndnsCapture: true"));
        var nat = Block(c.File_("ambient-worker/iptables-save.txt"), "nat").Where(l => l.StartsWith("-A ztunnel-PREROUTING")).ToList();
        Assert.Equal(["-A ztunnel-PREROUTING -m mark --mark 0x100/0x100 -j ACCEPT",
                      "-A ztunnel-PREROUTING -p udp -m set --match-set ztunnel-pods-ips src -m udp --dport 53 -j DNAT --to-destination 10.244.1.4:15053"], nat);
        Assert.Contains("-A ztunnel-PREROUTING -p udp -m set --match-set ztunnel-pods-ips src -m udp --dport 53 -j DNAT --to-destination 10.244.2.4:15053",
            Block(c.File_("ambient-worker2/iptables-save.txt"), "nat"));
    }

    [Fact]
    public void Kube_proxy_chain_names_and_probabilities_are_kube_proxys()
    {
        var yaml = GeneratedExample.Text.Replace("pods: [httpbin] }", "pods: [httpbin, httpbin-local, sleep] }");
        var c = GeneratedExample.Generate(yaml);
        var nat = Block(c.File_("ambient-worker/iptables-save.txt"), "nat");
        // KUBE-SVC-FREKB6WNWYJLKTHC is the real kube-proxy hash of "default/httpbin:http" + "tcp"
        var svc = nat.Where(l => l.StartsWith("-A KUBE-SVC-FREKB6WNWYJLKTHC ")).ToList();
        Assert.Equal(4, svc.Count);
        Assert.Contains("--probability 0.33333333349 -j KUBE-SEP-", svc[1]);
        Assert.Contains("--probability 0.50000000000 -j KUBE-SEP-", svc[2]);
        Assert.DoesNotContain("statistic", svc[3]);
        Assert.Contains(":KUBE-SEP-3DPCVGRDUOGCZNVS - [0:0]", nat); // sha256("default/httpbin:httptcp10.244.2.6:80")
        Assert.Equal("0.25000000000", KubeProxy.Probability(4));
    }

    [Fact]
    public void A_service_without_pods_is_rejected_in_filter_as_kube_proxy_does()
    {
        var c = GeneratedExample.Generate(GeneratedExample.Text.Replace("pods: [httpbin] }", "pods: [] }"));
        var save = c.File_("ambient-worker/iptables-save.txt");
        Assert.Contains("-A KUBE-SERVICES -d 10.96.0.105/32 -p tcp -m comment --comment \"default/httpbin:http has no endpoints\" -m tcp --dport 8000 -j REJECT --reject-with icmp-port-unreachable", Block(save, "filter"));
        Assert.DoesNotContain(Block(save, "nat"), l => l.Contains("KUBE-SVC-"));
    }

    [Fact]
    public void The_node_has_the_tunnels_tables_and_rules_and_its_mesh_pods_in_the_ipset()
    {
        var c = GeneratedExample.Generate();
        var addr = c.File_("ambient-worker/ip-addr.txt");
        Assert.Contains("    geneve id 1000 remote 10.244.1.4 ttl auto dstport 6081", addr);
        Assert.Contains("    geneve id 1001 remote 10.244.1.4 ttl auto dstport 6081", addr);
        Assert.Contains("    inet 192.168.126.1/30 brd 192.168.126.3 scope global istioin", addr);
        Assert.Contains("vethbb925f55@if2: ", addr);
        var routes = c.File_("ambient-worker/ip-route.txt");
        Assert.Contains("10.244.1.5 via 192.168.126.2 dev istioin table 100 src 10.244.1.1 \n", routes);
        Assert.Contains("default via 10.244.1.4 dev vethbb925f55 table 102 onlink \n", routes);
        Assert.DoesNotContain("10.244.1.7 via", routes); // the plain pod is not enrolled
        Assert.Contains("100:\tfrom all fwmark 0x200/0x200 goto 32766\n", c.File_("ambient-worker/ip-rule.txt"));
        var ipset = Lines(c.File_("ambient-worker/ipset-save.txt"));
        Assert.StartsWith("create ztunnel-pods-ips hash:ip family inet", ipset[0]);
        Assert.Equal(["add ztunnel-pods-ips 10.244.1.5 comment \"3f1c8e2a-9b47-4d1e-8c2f-6a5b0e9d7c41\"", "add ztunnel-pods-ips 10.244.1.6 comment \"b2d4f6a8-1c3e-4a5b-9d7f-0e2c4a6b8d10\""], ipset[1..]);
        Assert.Equal(["add ztunnel-pods-ips 10.244.2.6 comment \"" + c.Spec.FindPod("httpbin")!.Uid + "\""], Lines(c.File_("ambient-worker2/ipset-save.txt"))[1..]);
        // a node without a ztunnel has no ambient state at all
        Assert.DoesNotContain("ztunnel", c.File_("ambient-control-plane/iptables-save.txt"));
        Assert.DoesNotContain(c.Files, f => f.Key == "ambient-control-plane/ipset-save.txt");
    }

    [Fact]
    public void The_ztunnel_pod_has_its_tunnels_to_the_node_tproxy_rules_and_local_table_100()
    {
        var c = GeneratedExample.Generate();
        const string dir = "ambient-worker/pods/ztunnel-7x2kq";
        var addr = c.File_($"{dir}/ip-addr.txt");
        Assert.Contains("2: eth0@if2: ", addr);
        Assert.Contains("    inet 10.244.1.4/24 brd 10.244.1.255 scope global eth0", addr);
        Assert.Contains("    geneve id 1000 remote 10.244.1.1 ttl auto dstport 6081", addr);
        Assert.Contains("    inet 192.168.127.2/30 brd 192.168.127.3 scope global pistioout", addr);
        var mangle = Block(c.File_($"{dir}/iptables-save.txt"), "mangle").Where(l => l.StartsWith("-A ")).ToList();
        Assert.Equal([
            "-A PREROUTING -i pistioin -p tcp -m tcp --dport 15008 -j TPROXY --on-port 15008 --on-ip 127.0.0.1 --tproxy-mark 0x400/0xfff",
            "-A PREROUTING -i pistioout -p tcp -j TPROXY --on-port 15001 --on-ip 127.0.0.1 --tproxy-mark 0x400/0xfff",
            "-A PREROUTING -i pistioin -p tcp -j TPROXY --on-port 15006 --on-ip 127.0.0.1 --tproxy-mark 0x400/0xfff",
            "-A PREROUTING ! -d 10.244.1.4/32 -i eth0 -p tcp -j MARK --set-xmark 0x4d3/0xfff"], mangle);
        Assert.Equal("0:\tfrom all lookup local\n20000:\tfrom all fwmark 0x400/0xfff lookup 100\n20003:\tfrom all fwmark 0x4d3/0xfff lookup 100\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n",
            c.File_($"{dir}/ip-rule.txt"));
        var routes = c.File_($"{dir}/ip-route.txt");
        Assert.StartsWith("local default dev lo table 100 scope host \n", routes);
        Assert.Contains("default via 10.244.1.1 dev eth0 \n", routes);
        var sleep = c.File_("ambient-worker/pods/sleep/ip-route.txt");
        Assert.Equal("default via 10.244.1.1 dev eth0 \n10.244.1.0/24 via 10.244.1.1 dev eth0 src 10.244.1.5 \n10.244.1.1 dev eth0 scope link src 10.244.1.5 \n", string.Concat(sleep.Split('\n').Where(l => !l.Contains("table local") && l.Length > 0).Select(l => l + "\n")));
        Assert.Equal("", c.File_("ambient-worker/pods/sleep/iptables-save.txt")); // a fresh netns: iptables-save prints nothing
    }

    [Fact]
    public void The_scenario_ties_hosts_links_networks_endpoints_and_services_together()
    {
        var c = GeneratedExample.Generate();
        var yaml = new YamlStream();
        yaml.Load(new StringReader(c.File_("scenario.yaml")));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var hosts = ((YamlSequenceNode)root["hosts"]).Cast<YamlMappingNode>().ToList();
        Assert.Equal(c.Hosts.Select(h => h.Name), hosts.Select(h => h["name"].ToString()));
        foreach (var h in hosts) Assert.Contains(c.Files, f => f.Key == h["snapshot"] + "/iptables-save.txt");
        var zt = hosts.Single(h => h["name"].ToString() == "ztunnel-7x2kq");
        Assert.Equal("ztunnel", zt["role"].ToString());
        Assert.Equal(["15001:ztunnel-outbound", "15006:ztunnel-inbound", "15008:ztunnel-hbone"],
            ((YamlSequenceNode)zt["proxies"]).Cast<YamlMappingNode>().Select(p => $"{p["port"]}:{p["kind"]}"));
        Assert.Equal("true", hosts.Single(h => h["name"].ToString() == "sleep")["mesh"].ToString());
        Assert.Equal("false", hosts.Single(h => h["name"].ToString() == "plain")["mesh"].ToString());
        // every link end is a veth of that host's ip-addr.txt, and each end names the other's ifindex ("@ifN")
        foreach (var link in ((YamlSequenceNode)root["links"]).Cast<YamlSequenceNode>())
        {
            var ends = link.Select(e => e.ToString().Split(':'))
                .Select(e => c.Hosts.Single(h => h.Name == e[0]).Interfaces.Single(i => i.Name == e[1] && i.Kind == GeneratedLinkKind.Veth)).ToList();
            Assert.Equal(ends[1].Index, ends[0].PeerIndex);
            Assert.Equal(ends[0].Index, ends[1].PeerIndex);
        }
        var network = ((YamlSequenceNode)root["networks"]).Cast<YamlMappingNode>().Single();
        Assert.Equal("kind", network["name"].ToString());
        Assert.Equal(3, ((YamlSequenceNode)network["members"]).Children.Count);
        var svc = (YamlMappingNode)((YamlMappingNode)root["services"])["httpbin"];
        Assert.Equal("10.96.0.105", svc["vip"].ToString());
        Assert.Equal("80", ((YamlMappingNode)((YamlMappingNode)root["endpoints"])["httpbin"])["port"].ToString());
    }
}
