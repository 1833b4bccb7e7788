namespace Nfwalk.Ambient;

/// <summary>The generated cluster: its namespaces and the files to write (path relative to the output directory → text).</summary>
public sealed record GeneratedCluster(ClusterSpec Spec, IReadOnlyList<GeneratedNetns> Hosts, IReadOnlyList<KeyValuePair<string, string>> Files);
