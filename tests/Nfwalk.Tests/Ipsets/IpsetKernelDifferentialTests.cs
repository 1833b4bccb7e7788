using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Nfwalk.Diagnostics;
using Nfwalk.Kernel;
using Nfwalk.Model.Ipsets;
using Nfwalk.Parsing.Ipset;
using Nfwalk.Semantics.Ipsets;
using Nfwalk.Tests.Support;
using Xunit.Abstractions;

namespace Nfwalk.Tests.Ipsets;

/// <summary>
/// Kernel-differential test of the ipset lookups. In a throw-away network namespace (scripts/kernel/ipset-diff.sh,
/// always deleted afterwards) it loads sets of every type this kernel has, an iptables and an ip6tables chain with one
/// counting "-m set" rule per (set, flags, "!", --return-nomatch, counter options) combination, and sends crafted
/// Ethernet frames one at a time into the node (INPUT for its own addresses, FORWARD otherwise). Before each frame
/// the sets are dumped with "ipset save" and read by nfwalk's parser; after it, every rule's counter must have moved
/// exactly when <see cref="IpSetLookup"/> says the rule matches.
/// </summary>
public class IpsetKernelDifferentialTests(ITestOutputHelper output)
{
    private static readonly string Script = Repo.Path_("scripts", "kernel", "ipset-diff.sh");

    [SkippableFact]
    public void IpsetKernelDifferential_every_rule_counter_agrees_with_the_lookup()
    {
        var why = Unavailable();
        Skip.If(why is not null, why);
        RemoveStaleNamespaces();
        var ns = "nfwips-" + Guid.NewGuid().ToString("N")[..10];
        try
        {
            RunIn(ns);
        }
        finally
        {
            Run("bash", $"{Script} teardown {ns}");
            Run("ip", $"netns del {ns}");
            Assert.DoesNotContain(ns, Run("ip", "netns list").Out);
        }
    }

    private void RunIn(string ns)
    {
        var sw = Stopwatch.StartNew();
        var setup = Must("bash", $"{Script} setup {ns}");
        var macs = setup.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).ToDictionary(w => w[0], w => MacAddress.Parse(w[1]));
        var probe = Run("ip", $"netns exec {ns} ipset create nfwprobe hash:ip");
        Skip.If(probe.Code != 0, $"the kernel's ipset is not usable here: {probe.Err.Trim()}");
        Must("ip", $"netns exec {ns} ipset destroy nfwprobe");

        Must("ip", $"netns exec {ns} ipset restore", IpsetKernelCases.Sets(macs));
        var rules4 = IpsetKernelCases.Rules(v6: false);
        var rules6 = IpsetKernelCases.Rules(v6: true);
        Must("ip", $"netns exec {ns} iptables-restore", Ruleset(rules4));
        Must("ip", $"netns exec {ns} ip6tables-restore", Ruleset(rules6));

        // the kernel's own dump reads without a diagnostic and prints back identically
        var first = Must("ip", $"netns exec {ns} ipset save");
        var d0 = new DiagnosticBag();
        var parsed = IpsetSaveParser.Parse(first, "ipset-save", d0);
        Assert.True(d0.Items.Count == 0, "diagnostics on the kernel's dump:\n" + string.Join("\n", d0.Items));
        Assert.Equal(first, IpsetSavePrinter.Print(parsed));

        var packets = IpsetKernelCases.Packets(macs, randomV4: 90, randomV6: 30);
        var before4 = Counters(ns, false, rules4.Count);
        var before6 = Counters(ns, true, rules6.Count);
        var mismatches = new List<string>();
        int comparisons = 0, matches = 0;
        var perRule = new Dictionary<string, (int Yes, int No)>();
        ushort id = 0;
        foreach (var k in packets)
        {
            bool v6 = k.View.Family == Model.Net.IpFamily.V6;
            var rules = v6 ? rules6 : rules4;
            var dump = Must("ip", $"netns exec {ns} ipset save");
            var d = new DiagnosticBag();
            var lookup = new IpSetLookup(IpsetSaveParser.Parse(dump, "ipset-save", d));
            Assert.True(d.Items.Count == 0, string.Join("\n", d.Items));
            var expected = rules.Select(r => lookup.Test(r.Set, k.View, r.Options())).ToList();

            var frame = KernelFrames.Build(k, ++id);
            NetnsThread.Run(ns, () => KernelFrames.Send(k.InPeer, [frame]));

            var before = v6 ? before6 : before4;
            long[] after = before;
            for (int attempt = 0; attempt < 50; attempt++)
            {
                after = Counters(ns, v6, rules.Count);
                if (after[0] > before[0]) break;
                Thread.Sleep(10);
            }
            if (after[0] != before[0] + 1)
            {
                mismatches.Add($"packet {k}: reached the test chain {after[0] - before[0]} times instead of once");
                if (v6) before6 = after; else before4 = after;
                continue;
            }
            for (int j = 0; j < rules.Count; j++)
            {
                bool kernel = after[j + 1] - before[j + 1] == 1;
                var r = expected[j];
                comparisons++;
                if (kernel) matches++;
                var key = (v6 ? "6 " : "4 ") + rules[j].IptablesMatch;
                var c = perRule.GetValueOrDefault(key);
                perRule[key] = kernel ? (c.Yes + 1, c.No) : (c.Yes, c.No + 1);
                if (kernel != r.IsMatch)
                    mismatches.Add($"{rules[j].IptablesMatch}\n    packet {k}\n    kernel: {(kernel ? "match" : "no match")}, nfwalk: {r.Status}: {r.Explanation}");
            }
            if (v6) before6 = after; else before4 = after;
        }

        output.WriteLine($"{packets.Count} packets, {rules4.Count} IPv4 and {rules6.Count} IPv6 rules: {comparisons} rule evaluations compared, {matches} matches, {mismatches.Count} disagreements, {sw.Elapsed.TotalSeconds:F1} s");
        var never = perRule.Where(kv => kv.Value.Yes == 0).Select(kv => kv.Key).ToList();
        var always = perRule.Where(kv => kv.Value.No == 0).Select(kv => kv.Key).ToList();
        output.WriteLine($"rules that never matched ({never.Count}): {string.Join("; ", never)}");
        output.WriteLine($"rules that always matched ({always.Count}): {string.Join("; ", always)}");
        foreach (var m in mismatches.Take(40)) output.WriteLine(m);
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} disagreements between the kernel and nfwalk:\n{string.Join("\n", mismatches.Take(25))}");
        Assert.True(matches > comparisons / 20, "too few rules matched for the comparison to mean much");
    }

    private static string Ruleset(List<KernelSetRule> rules)
    {
        var sb = new StringBuilder();
        sb.Append("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:T - [0:0]\n");
        foreach (var chain in new[] { "INPUT", "FORWARD" })
            foreach (var iif in new[] { "eth0", "wan0" })
                sb.Append($"-A {chain} -i {iif} -j T\n-A {chain} -i {iif} -j DROP\n");
        sb.Append("-A T -m comment --comment sentinel\n");
        for (int i = 0; i < rules.Count; i++) sb.Append($"-A T {rules[i].IptablesMatch} -m comment --comment r{i}\n");
        sb.Append("COMMIT\n");
        return sb.ToString();
    }

    private static readonly Regex CounterLine = new(@"^\[(\d+):\d+\] -A T ", RegexOptions.Compiled);

    /// <summary>Packet counters of chain T: the sentinel first, then one per rule.</summary>
    private static long[] Counters(string ns, bool v6, int rules)
    {
        var text = Must("ip", $"netns exec {ns} {(v6 ? "ip6tables-save" : "iptables-save")} -c -t filter");
        var counts = text.Split('\n').Select(l => CounterLine.Match(l)).Where(m => m.Success).Select(m => long.Parse(m.Groups[1].Value)).ToArray();
        if (counts.Length != rules + 1) throw new InvalidOperationException($"expected {rules + 1} rules in chain T, {(v6 ? "ip6tables" : "iptables")}-save shows {counts.Length}:\n{text}");
        return counts;
    }

    /// <summary>Namespaces of this test left by a run that was killed (older than ten minutes, so a run in
    /// progress elsewhere is not disturbed).</summary>
    private static void RemoveStaleNamespaces()
    {
        if (!Directory.Exists("/run/netns")) return;
        foreach (var path in Directory.GetFiles("/run/netns", "nfwips-*"))
            if (DateTime.UtcNow - File.GetCreationTimeUtc(path) > TimeSpan.FromMinutes(10))
                Run("bash", $"{Script} teardown {Path.GetFileName(path)}");
    }

    private static string? Unavailable()
        => KernelGate.Why("ipset", "ip6tables-restore", "ip6tables-save", "bash");

    private static string Must(string file, string args, string? stdin = null)
    {
        var r = Run(file, args, stdin);
        if (r.Code != 0) throw new InvalidOperationException($"{file} {args}: exit {r.Code}: {r.Err.Trim()}");
        return r.Out;
    }

    /// <summary>Runs a program; exit code -2 when it cannot be started, -1 on a timeout.</summary>
    private static (int Code, string Out, string Err) Run(string file, string args, string? stdin = null)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]).Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists);
        if (path is null) return (-2, "", $"{file} not found");
        var psi = new ProcessStartInfo(path, args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false,
        };
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { return (-2, "", e.Message); }
        using (p)
        {
            if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
            var o = p.StandardOutput.ReadToEndAsync();
            var e = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(30_000)) { try { p.Kill(true); } catch (InvalidOperationException) { } return (-1, "", "timed out"); }
            return (p.ExitCode, o.Result, e.Result);
        }
    }
}
