using Nfwalk.Ambient;
using Nfwalk.Diagnostics;

namespace Nfwalk.Tests.Ambient;

/// <summary>CLUSTER.yaml: every user error is a diagnostic at file:line:column, never an exception.</summary>
public class ClusterYamlTests
{
    private const string Good = """
        nodes:
          - name: n1
            address: 172.18.0.3/16
            gateway: 172.18.0.1
            podCidr: 10.244.1.0/24
            podGateway: 10.244.1.1
            pods:
              - { name: zt, ip: 10.244.1.4, veth: vethzt, ztunnel: true }
              - { name: app, ip: 10.244.1.5, veth: vethapp, mesh: true }
        services:
          - { name: app, vip: 10.96.0.10, port: 8000, targetPort: 80, pods: [app] }
        """;

    private static Diagnostic OnlyError(string yaml)
    {
        var r = ClusterYaml.Parse(yaml, "c.yaml");
        Assert.Null(r.Spec);
        return Assert.Single(r.Diagnostics, d => d.Severity == Severity.Error);
    }

    [Fact]
    public void A_good_file_gives_the_spec_with_the_defaults()
    {
        var r = ClusterYaml.Parse(Good, "c.yaml");
        Assert.Empty(r.Diagnostics);
        var spec = r.Spec!;
        Assert.Equal("1.18", spec.Release.ToString());
        Assert.Equal("10.244.0.0/16", spec.ClusterCidr.ToString());
        Assert.Equal("kind", spec.NetworkName);
        var node = Assert.Single(spec.Nodes);
        Assert.Equal("zt", node.Ztunnel!.Name);
        Assert.Equal(["app"], node.EnrolledPods.Select(p => p.Name));
        Assert.Equal("istio-system", node.Pods[0].Namespace);
        Assert.Equal("default/app", spec.Services[0].ServicePortName);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", node.Pods[1].Uid);
    }

    [Fact]
    public void Bad_yaml_is_reported_at_its_place()
    {
        var d = OnlyError("nodes:\n  - { name: n1, address: [1\n");
        Assert.Equal("c.yaml", d.Location.File);
        Assert.True(d.Location.Line >= 2, d.ToString());
        Assert.StartsWith("bad YAML: ", d.Message);
        Assert.DoesNotContain("(Line:", d.Message);
    }

    [Fact]
    public void An_unknown_key_names_the_known_ones()
    {
        var d = OnlyError(Good.Replace("    gateway: 172.18.0.1", "    gatway: 172.18.0.1\n    gateway: 172.18.0.1"));
        Assert.Equal(new SourceLocation("c.yaml", 4, 5), d.Location);
        Assert.Contains("unknown key 'gatway' in a node", d.Message);
        Assert.Contains("gateway", d.Message);
    }

    [Theory]
    [InlineData("podCidr: 10.244.1.0/24", "podCidr: 10.244.1.0/33", 5, 14, "not an IPv4 CIDR")]
    [InlineData("podCidr: 10.244.1.0/24", "podCidr: 10.244.1.7/24", 5, 14, "host bits set")]
    [InlineData("address: 172.18.0.3/16", "address: 172.18.0.3", 3, 14, "needs a prefix length")]
    [InlineData("gateway: 172.18.0.1", "gateway: 172.19.0.1", 4, 14, "not on the node's network")]
    [InlineData("podGateway: 10.244.1.1", "podGateway: 10.244.9.1", 6, 17, "not inside podCidr")]
    [InlineData("ip: 10.244.1.5", "ip: 10.244.2.5", 9, 9, "not inside node n1's podCidr")]
    [InlineData("ip: 10.244.1.5", "ip: 10.244.1.4", 9, 9, "already used")]
    [InlineData("veth: vethapp", "veth: veth-much-too-long", 9, 44, "not a Linux interface name")]
    [InlineData("pods: [app]", "pods: [nope]", 11, 5, "names pod 'nope'")]
    [InlineData("port: 8000", "port: 80000", 11, 41, "not a port")]
    [InlineData("ztunnel: true", "ztunnel: true, mesh: true", 8, 72, "not itself in the mesh")]
    public void Each_bad_value_is_an_error_at_its_place(string from, string to, int line, int column, string message)
    {
        var d = OnlyError(Good.Replace(from, to));
        Assert.Contains(message, d.Message);
        Assert.Equal(new SourceLocation("c.yaml", line, column), d.Location);
    }

    [Theory]
    [InlineData("1.21", "in-pod redirection")]
    [InlineData("1.17", "no release with ambient")]
    [InlineData("latest", "not an Istio release")]
    public void Releases_outside_1_18_to_1_20_are_refused_with_the_reason(string release, string message)
    {
        var d = OnlyError($"istio: \"{release}\"\n" + Good);
        Assert.Contains(message, d.Message);
        Assert.Equal(new SourceLocation("c.yaml", 1, 8), d.Location);
    }

    [Fact]
    public void Patch_releases_are_accepted_and_name_their_minor()
        => Assert.Equal("1.20", ClusterYaml.Parse("istio: 1.20.8\n" + Good, "c.yaml").Spec!.Release.ToString());

    [Fact]
    public void Mesh_pods_on_a_node_without_ztunnel_are_a_warning_and_not_enrolled()
    {
        var r = ClusterYaml.Parse(Good.Replace(", ztunnel: true", ""), "c.yaml");
        var w = Assert.Single(r.Diagnostics);
        Assert.Equal(Severity.Warning, w.Severity);
        Assert.Contains("no ztunnel pod", w.Message);
        Assert.Empty(r.Spec!.Nodes[0].EnrolledPods);
    }

    [Fact]
    public void A_second_document_is_an_error_not_ignored()
    {
        var d = OnlyError(Good + "\n---\nnodes: []\n");
        Assert.Contains("one YAML document", d.Message);
        Assert.Equal(13, d.Location.Line); // where the second document's content starts
    }

    [Fact]
    public void Not_a_mapping_and_no_nodes_are_errors()
    {
        Assert.Contains("YAML mapping", OnlyError("- a\n- b\n").Message);
        Assert.Contains("needs 'nodes'", OnlyError("name: x\n").Message);
        Assert.Contains("no nodes", OnlyError("nodes: []\n").Message);
    }
}

/// <summary>Odd and broken files: always diagnostics, never an exception.</summary>
public class ClusterYamlRobustnessTests
{
    [Theory]
    [InlineData("")]
    [InlineData("---\n...\n")]
    [InlineData("nodes: x\n")]
    [InlineData("nodes:\n  - x\n  - [1, 2]\n")]
    [InlineData("nodes:\n  - name: n1\n    pods: {a: 1}\n")]
    [InlineData("nodes:\n  - &n { name: n1, address: 172.18.0.3/16, gateway: 172.18.0.1, podCidr: 10.244.1.0/24, podGateway: 10.244.1.1 }\n  - *n\n")]
    [InlineData("nodes: []\nnodes: []\n")]
    [InlineData("services: [1, {name: s}]\nnodes: []\n")]
    [InlineData("? [a, b]\n: c\n")]
    [InlineData("nodes:\n  - name: n1\n    address: 172.18.0.3/16\n\tgateway: x\n")]
    [InlineData("istio: [1.18]\nnodes: []\n")]
    [InlineData("a: b\n---\nc: d\n")]
    [InlineData("nodes:\n  - { name: N_1, address: 2001:db8::1/64, gateway: 2001:db8::ff, podCidr: fd00::/64, podGateway: fd00::1 }\n")]
    public void Never_throws_and_always_says_what_is_wrong(string yaml)
    {
        var r = Nfwalk.Ambient.ClusterYaml.Parse(yaml, "c.yaml");
        Assert.Null(r.Spec);
        Assert.Contains(r.Diagnostics, d => d.Severity == Severity.Error && d.Location.File == "c.yaml" && d.Location.Line >= 1 && d.Location.Column >= 1);
    }
}
