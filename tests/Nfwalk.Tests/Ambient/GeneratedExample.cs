using Nfwalk.Ambient;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Ambient;

/// <summary>examples/ambient/cluster.yaml generated in memory (and variants of it), shared by the ambient tests.</summary>
public static class GeneratedExample
{
    public static string ClusterFile => Path.Combine(Repo.Root, "examples", "ambient", "cluster.yaml");
    public static string Text => File.ReadAllText(ClusterFile);

    public static GeneratedCluster Generate(string? yaml = null)
    {
        var r = ClusterYaml.Parse(yaml ?? Text, "cluster.yaml");
        Assert.True(r.Spec is not null, string.Join("\n", r.Diagnostics));
        return ClusterGenerator.Generate(r.Spec!);
    }

    public static string File_(this GeneratedCluster c, string path) => c.Files.Single(f => f.Key == path).Value;

    /// <summary>The cluster at another Istio release (the example says istio: "1.18").</summary>
    public static GeneratedCluster AtRelease(string release) => Generate(Text.Replace("istio: \"1.18\"", $"istio: \"{release}\""));

    /// <summary>Writes the generated files under a fresh temporary directory and returns it.</summary>
    public static string WriteToTemp(GeneratedCluster c)
    {
        var dir = Path.Combine(Path.GetTempPath(), "nfwalk-ambient-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var (rel, text) in c.Files)
        {
            var p = Path.Combine(dir, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllText(p, text);
        }
        return dir;
    }
}
