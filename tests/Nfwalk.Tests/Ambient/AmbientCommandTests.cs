using Nfwalk.Cli.Commands;

namespace Nfwalk.Tests.Ambient;

/// <summary>The command line: files written where asked, user errors as file:line:column messages and exit 1.</summary>
public class AmbientCommandTests
{
    private static string TempDir() => Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "nfwalk-ambient-cli-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    [Fact]
    public void Generate_writes_the_snapshots_and_the_scenario_into_the_output_directory()
    {
        var dir = TempDir();
        try
        {
            var (o, e) = (new StringWriter(), new StringWriter());
            Assert.Equal(0, AmbientCommand.Generate(GeneratedExample.ClusterFile, dir, o, e));
            Assert.Equal("", e.ToString());
            Assert.Contains("3 node snapshot(s), 6 pod snapshot(s) and scenario.yaml (Istio 1.18)", o.ToString());
            Assert.True(File.Exists(Path.Combine(dir, "scenario.yaml")));
            Assert.True(File.Exists(Path.Combine(dir, "ambient-worker", "pods", "ztunnel-7x2kq", "iptables-save.txt")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_bad_file_is_reported_at_its_place_and_nothing_is_written()
    {
        var dir = TempDir();
        try
        {
            var cluster = Path.Combine(dir, "cluster.yaml");
            File.WriteAllText(cluster, GeneratedExample.Text.Replace("podCidr: 10.244.2.0/24", "podCidr: 10.244.2.0/40"));
            var (o, e) = (new StringWriter(), new StringWriter());
            Assert.Equal(1, AmbientCommand.Generate(dir, null, o, e)); // a directory means its cluster.yaml
            Assert.Matches(@"cluster\.yaml:\d+:\d+: error: '10\.244\.2\.0/40' is not an IPv4 CIDR", e.ToString());
            Assert.Equal(["cluster.yaml"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_missing_file_is_one_line_not_a_stack_trace()
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        Assert.Equal(1, AmbientCommand.Generate("/nonexistent/cluster.yaml", null, o, e));
        Assert.Equal("/nonexistent/cluster.yaml: error: no such file\n", e.ToString().Replace("\r", ""));
    }
}
