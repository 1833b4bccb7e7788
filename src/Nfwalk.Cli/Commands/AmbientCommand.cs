using System.CommandLine;
using Nfwalk.Ambient;
using Nfwalk.Diagnostics;

namespace Nfwalk.Cli.Commands;

/// <summary>
/// nfwalk ambient generate CLUSTER.yaml [-o OUTDIR]: node and pod snapshots of Istio's ambient redirection (iptables +
/// GENEVE, Istio 1.18-1.20) for a described cluster, and the scenario file tying them together (docs/ambient-generate.md).
/// </summary>
public static class AmbientCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("CLUSTER") { Description = "the cluster description (YAML, or a directory holding cluster.yaml; schema in docs/ambient-generate.md)" };
        var output = new Option<string?>("--output", "-o") { Description = "directory to write into (default: the cluster file's directory)" };
        var generate = new Command("generate", "Write a snapshot per node and pod (iptables-save, ipset, ip rule/route/addr, sysctl) of Istio ambient's iptables + GENEVE redirection, and scenario.yaml.")
        { file, output };
        generate.SetAction(pr => Generate(pr.GetValue(file)!, pr.GetValue(output), Console.Out, Console.Error));
        return new Command("ambient", "Istio ambient mesh (node-level iptables + GENEVE redirection, Istio 1.18-1.20).") { generate };
    }

    /// <summary>Reads CLUSTER, writes the files; diagnostics and failures go to <paramref name="err"/> as file:line:column
    /// messages. Exit code 0, or 1 on any error (nothing is written when the file has errors).</summary>
    public static int Generate(string path, string? outDir, TextWriter @out, TextWriter err)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "cluster.yaml");
        if (!File.Exists(path))
        {
            err.WriteLine($"{path}: error: no such file");
            return 1;
        }
        var result = ClusterYaml.Parse(File.ReadAllText(path), path);
        RulesInput.WriteDiagnostics(result.Diagnostics, err);
        if (result.Spec is null) return 1;
        var cluster = ClusterGenerator.Generate(result.Spec);
        var root = outDir ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            foreach (var (relative, text) in cluster.Files)
            {
                var target = Path.Combine(root, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllText(target, text);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            err.WriteLine($"{root}: error: cannot write the snapshots: {e.Message}");
            return 1;
        }
        var nodes = cluster.Hosts.Count(h => h.Role == "node");
        @out.WriteLine($"wrote {cluster.Files.Count} files to {root}: {nodes} node snapshot(s), {cluster.Hosts.Count - nodes} pod snapshot(s) and scenario.yaml (Istio {result.Spec.Release})");
        return result.Diagnostics.Any(d => d.Severity == Severity.Error) ? 1 : 0;
    }
}
