using Nfwalk.Diagnostics;
using Nfwalk.Model.Scenario;
using Nfwalk.Parsing.Scenario;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Scenario;

public class ScenarioParserTests
{
    private static string Dir => Repo.Path_("tests", "Nfwalk.Tests", "Data", "scenarios", "ztunnel-outbound");

    private static (Model.Scenario.Scenario? S, List<string> Errors) Parse(string yaml)
    {
        var diags = new DiagnosticBag();
        var s = ScenarioParser.Parse(yaml, "t.yaml", Dir, diags);
        return (s, diags.Items.Where(d => d.Severity == Severity.Error).Select(d => d.ToString()).ToList());
    }

    [Fact]
    public void The_fixture_scenario_reads_hosts_links_proxies_endpoints_and_services()
    {
        var diags = new DiagnosticBag();
        var s = ScenarioParser.ParseFile(Dir, diags)!;
        Assert.Empty(diags.Items);
        Assert.Equal(["ambient-worker", "sleep", "ztunnel-a"], s.Hosts.Select(h => h.Name));
        Assert.Equal(HostRole.Ztunnel, s.Host("ztunnel-a")!.Role);
        Assert.Equal([15001, 15006, 15008], s.Host("ztunnel-a")!.Proxies.Select(p => (int)p.Port));
        Assert.Equal(ProxyKind.ZtunnelHbone, s.Host("ztunnel-a")!.ProxyOn(15008)!.Kind);
        Assert.True(s.Host("sleep")!.Mesh);
        Assert.Equal("sleep:eth0", s.Links[0].PeerOf("ambient-worker", "veth5c2d7e01")!.ToString());
        Assert.Equal("10.96.0.105", s.Service("httpbin")!.Vip.ToString());
        Assert.Equal((ushort?)80, s.Service("httpbin")!.TargetPort);
    }

    [Theory]
    [InlineData("hosts: [\n  { name: a, snapshot: sleep, role: cow }\n]\n", "t.yaml:2:", "role \"cow\" is not one of node, pod, ztunnel, router")]
    [InlineData("hosts:\n  - { name: a, snapshot: nowhere }\n", "t.yaml:2:", "snapshot directory \"nowhere\" does not exist")]
    [InlineData("hosts:\n  - { name: a, snapshot: sleep }\nlinks:\n  - [a:eth0, b:eth0]\n", "t.yaml:4:14", "no host named \"b\"")]
    [InlineData("hosts:\n  - { name: a, snapshot: sleep }\nlinks:\n  - [a:eth0]\n", "t.yaml:4:5", "a link is a pair of interfaces")]
    [InlineData("hosts:\n  - { name: a, snapshot: sleep, colour: red }\n", "t.yaml:2:33", "unknown key \"colour\"")]
    [InlineData("hosts:\n  - { name: a, snapshot: sleep }\nendpoints:\n  x: { host: a, address: 10.1.2 }\n", "t.yaml:4:", "\"10.1.2\" is not an IP address")]
    [InlineData("hosts:\n  - { name: a, snapshot: sleep }\nservices:\n  s: { vip: 10.0.0.1, port: 99999 }\n", "t.yaml:4:", "\"99999\" is not a port")]
    [InlineData("hosts:\n  - { name: a, snapshot: sleep, proxies: [ { port: 15001, kind: envoy } ] }\n", "t.yaml:2:", "proxy kind \"envoy\"")]
    [InlineData("hosts: [ { name: a\n", "t.yaml:", "not valid YAML")]
    [InlineData("- just\n- a list\n", "t.yaml:1:1", "a scenario is a YAML mapping")]
    [InlineData("name: x\n", "t.yaml:1:1", "\"hosts\" is missing")]
    [InlineData("hosts:\n  - { name: a, snapshot: sleep }\n  - { name: a, snapshot: zt }\n", "t.yaml:3:5", "host \"a\" is declared twice")]
    [InlineData("hosts:\n  - { name: a, snapshot: sleep }\n  - { name: b, snapshot: zt }\nlinks:\n  - [a:eth0, b:eth0]\n  - [a:eth0, b:eth1]\n", "t.yaml:6:6", "a:eth0 is already the end of another link")]
    public void Mistakes_are_reported_at_their_line_and_column(string yaml, string at, string message)
    {
        var (_, errors) = Parse(yaml);
        Assert.Contains(errors, e => e.StartsWith(at, StringComparison.Ordinal) && e.Contains(message, StringComparison.Ordinal));
    }
}
