using Nfwalk.Kernel;
using Nfwalk.Tests.Support;
using Xunit.Abstractions;

namespace Nfwalk.Tests.Ambient;

/// <summary>
/// Every generated iptables-save.txt (each node and pod, each release) against the real iptables: it passes
/// `iptables-restore --test`, and once loaded, the kernel's own `iptables-save` prints exactly the generated rules
/// (so the spelling is iptables-save's, not ours). Runs in a throw-away namespace "nfwamb…" (root only; the ipsets the
/// rules name are restored there first); skipped with the reason elsewhere.
/// </summary>
public class AmbientRestoreKernelTests(ITestOutputHelper output)
{
    /// <summary>Per table: its chain declarations (names) and each chain's rules in order, as one comparable text.</summary>
    private static SortedDictionary<string, string> Tables(string save)
    {
        var tables = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? table = null; var chains = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var l in save.Split('\n'))
        {
            if (l.StartsWith('*')) { table = l[1..]; chains = new(StringComparer.Ordinal); }
            else if (l.StartsWith(':')) chains[l[1..l.IndexOf(' ')]] = new List<string>();
            else if (l.StartsWith("-A ")) chains[l.Split(' ')[1]].Add(l);
            else if (l == "COMMIT") tables[table!] = string.Join("\n", chains.Select(c => $":{c.Key}\n" + string.Join("\n", c.Value)));
        }
        return tables;
    }

    [SkippableTheory]
    [InlineData("1.18", false)]
    [InlineData("1.19", true)]
    [InlineData("1.20", false)]
    public void Every_generated_ruleset_is_accepted_by_iptables_restore_and_saved_back_identically(string release, bool dnsCapture)
    {
        var why = KernelGate.Why("iptables-restore", "iptables-save", "ipset"); Skip.If(why is not null, why);
        var yaml = GeneratedExample.Text.Replace("istio: \"1.18\"", $"istio: \"{release}\"" + (dnsCapture ? "\ndnsCapture: true" : ""));
        var cluster = GeneratedExample.Generate(yaml);
        foreach (var host in cluster.Hosts)
        {
            var save = cluster.File_($"{host.Directory}/iptables-save.txt");
            if (save.Length == 0) continue; // a pod without rules: nothing to load
            var ns = $"nfwamb{Environment.ProcessId % 10000}{Guid.NewGuid().ToString("N")[..6]}";
            var (rc, _, err) = Lab.Run("ip", $"netns add {ns}");
            Assert.True(rc == 0, $"ip netns add {ns}: {err}");
            try
            {
                if (host.IpsetSave is { } sets)
                {
                    var r = Lab.Run("ip", $"netns exec {ns} ipset restore", sets);
                    Assert.True(r.Code == 0, $"{host.Name}: ipset restore: {r.Err}");
                }
                var test = Lab.Run("ip", $"netns exec {ns} iptables-restore --test", save);
                Assert.True(test.Code == 0, $"{host.Name} (Istio {release}): iptables-restore --test refused it: {test.Err}");
                var load = Lab.Run("ip", $"netns exec {ns} iptables-restore", save);
                Assert.True(load.Code == 0, $"{host.Name}: iptables-restore: {load.Err}");
                var back = Lab.Run("ip", $"netns exec {ns} iptables-save").Out;
                // the same tables, chains and rules in each chain's order (the kernel may list the tables in another order)
                Assert.Equal(Tables(save), Tables(back));
                output.WriteLine($"{host.Name}: {save.Split('\n').Count(l => l.StartsWith("-A "))} rules accepted and saved back identically (Istio {release})");
            }
            finally { Lab.Run("ip", $"netns del {ns}"); }
        }
    }
}
