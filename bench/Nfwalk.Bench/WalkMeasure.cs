using System.Diagnostics;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Bench;

/// <summary>Full traces per second through the 10k-service kube-proxy dump (one core), packets to random service IPs.</summary>
public static class WalkMeasure
{
    /// <summary>
    /// The node's network: one uplink, every destination routed out of it. Its answers are built once: the walk is measured,
    /// not the fake (a real <see cref="INodeNetwork"/> looks routes up in its own tables).
    /// </summary>
    private sealed class OneUplink : INodeNetwork
    {
        private static readonly IpAddress Self = IpAddress.Parse("172.18.0.3");
        private static readonly RouteResult Default = new(RouteKind.Forward, "eth0", IpAddress.Parse("172.18.0.1"), Self, "default via 172.18.0.1 dev eth0", []);
        private static readonly IReadOnlyList<IpAddress> Addresses = [Self];
        public RouteResult Route(RouteQuery q) => Default;
        public IReadOnlyList<IpAddress> AddressesOf(string iface, IpFamily family) => Addresses;
        public string? LocalInterfaceOf(IpAddress address) => address == Self ? "eth0" : null;
        public bool IsBroadcast(IpAddress address) => false;
        public IReadOnlyList<string> Assumptions => [];
    }

    /// <summary>Packets go to a random one of this many services (NFWALK_BENCH_SERVICES, default the 10,000 of the generated dump).</summary>
    private static readonly int Services = int.TryParse(Environment.GetEnvironmentVariable("NFWALK_BENCH_SERVICES"), out var n) ? n : 10_000;

    public static void Run(string file, int count)
    {
        // NFWALK_BENCH_ONLY=trace or =classify runs one of the two here (also for profiling one at a time). Without it, each
        // runs in a process of its own: one run after the other in one process measured the second on the first's JIT
        // profile and heap (classifications after traces: 730k/s; alone: 1.26-1.31M/s on the same build)
        var only = Environment.GetEnvironmentVariable("NFWALK_BENCH_ONLY");
        if (only is null && Environment.ProcessPath is { } host && Environment.GetCommandLineArgs()[0] is { } self && self.EndsWith(".dll", StringComparison.Ordinal))
        {
            foreach (var mode in new[] { "trace", "classify" })
            {
                var psi = new ProcessStartInfo(host) { ArgumentList = { self, "walk", file, count.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
                psi.Environment["NFWALK_BENCH_ONLY"] = mode;
                using var child = Process.Start(psi)!;
                child.WaitForExit();
                if (child.ExitCode != 0) throw new InvalidOperationException($"the {mode} measurement failed (exit {child.ExitCode})");
            }
            return;
        }
        if (only != "classify") Measure(file, count, true);
        if (only != "trace") Measure(file, count * 5, false);
    }

    private static void Measure(string file, int count, bool record)
    {
        var pinned = ThreadPinning.PinFromEnvironment();
        var rules = SaveParser.ParseFile(file).Ruleset;
        var node = new Node { Name = "kp", Rules4 = rules, Network = new OneUplink() };
        var rnd = new Random(1);
        PacketSpec Next(int i)
        {
            int s = rnd.Next(Services);
            return new PacketSpec
            {
                Source = IpAddress.Parse($"10.244.{rnd.Next(1, 200)}.{rnd.Next(1, 250)}"), Destination = IpAddress.Parse($"10.96.{(s >> 8) & 255}.{s & 255}"),
                Protocol = Protocols.Tcp, SourcePort = (ushort)(1024 + i % 60000), DestinationPort = 80, TcpFlags = TcpFlags.Syn, InInterface = "cni0",
            };
        }
        var packets = Enumerable.Range(0, 4096).Select(Next).ToArray();
        var options = new WalkOptions { RecordSteps = record, IpForward = true };
        // warm-up: every packet once (the first walk compiles the ruleset; a rule's texts are made when a walk first reaches
        // it), then until the JIT has no more methods to compile: tiered compilation moves hot methods to optimized code on a
        // background thread, which on a loaded machine lags behind; the timed loop is to measure the optimized code
        for (int i = 0; i < packets.Length; i++) NodeWalker.Walk(new Node { Name = "kp", Rules4 = rules, Network = node.Network }, packets[i], options);
        var settle = Stopwatch.StartNew();
        for (long compiled = -1; settle.Elapsed.TotalSeconds < 5 && System.Runtime.JitInfo.GetCompiledMethodCount() != compiled;)
        {
            compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            for (int i = 0; i < 1000; i++) NodeWalker.Walk(new Node { Name = "kp", Rules4 = rules, Network = node.Network }, packets[i], options);
            Thread.Sleep(200);
        }
        // the ruleset was parsed just now: settle it in the old generation before timing, or the first collections of the
        // timed loop copy the whole 150,000-rule model and are counted as walk time
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        // timed in rounds of count walks: tiered compilation (instrumented code, then optimized code, on-stack replacement of
        // this loop) and the collector's gen0 budget keep settling for a few seconds, so a single short run measures the
        // warm-up; the figure reported is the median round, with every round listed
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("NFWALK_BENCH_ROUNDS"), out var nr) && nr > 0 ? nr : 7;
        var rates = new List<double>();
        var cpuRates = new List<double>();
        long steps = 0, sent = 0, alloc = 0, faults0 = ProcessStats.MinorFaults();
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        var pause0 = GC.GetTotalPauseDuration();
        using var sampler = Environment.GetEnvironmentVariable("NFWALK_BENCH_ALLOC") == "1" ? new AllocationSampler() : null;
        if (sampler is not null) sampler.On = true;
        for (int round = 0; round < rounds; round++)
        {
            long alloc0 = GC.GetAllocatedBytesForCurrentThread();
            long cpu0 = ProcessStats.ThreadCpuNanoseconds();
            var sw = Stopwatch.StartNew();
            steps = 0; sent = 0;
            for (int i = 0; i < count; i++)
            {
                var w = NodeWalker.Walk(new Node { Name = "kp", Rules4 = rules, Network = node.Network }, packets[i % packets.Length], options);
                steps += w.Steps.Count;
                if (w.Outcome.Kind == "sent") sent++;
            }
            sw.Stop();
            rates.Add(count / sw.Elapsed.TotalSeconds);
            cpuRates.Add(count / ((ProcessStats.ThreadCpuNanoseconds() - cpu0) / 1e9));
            alloc = GC.GetAllocatedBytesForCurrentThread() - alloc0;
        }
        if (sampler is not null) { sampler.On = false; sampler.Print((long)rounds * count, "walk"); }
        var sorted = rates.Order().ToList();
        double median = sorted[rounds / 2], cpuMedian = cpuRates.Order().ElementAt(rounds / 2);
        var list = string.Join(" ", rates.Select(r => $"{r / 1000:F0}k"));
        var huge = File.Exists("/proc/self/smaps_rollup") ? File.ReadLines("/proc/self/smaps_rollup").FirstOrDefault(l => l.StartsWith("AnonHugePages"))?.Split(':')[1].Trim() : null;
        var gcInfo = $"; rounds {list}; this thread's CPU time: median {cpuMedian:F0}/s; {(pinned is { } cpu ? $"thread pinned to CPU {cpu}" : "thread not pinned")}; on huge pages {huge ?? "?"}";
        long faults = ProcessStats.MinorFaults() - faults0;
        gcInfo += $"; {alloc / (double)count:F0} bytes allocated per walk; {faults} minor page faults in all; GCs gen0/1/2 {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2}, GC pauses {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds:F0} ms";
        Console.WriteLine(record
            ? $"full traces (SYN to a random one of {Services:N0} services), {rounds} rounds of {count}: median {median:F0} traces/s on one core; {steps / (double)count:F1} trace steps per walk" + gcInfo
            : $"classifications (outcome only), {rounds} rounds of {count}: median {median:F0} classifications/s on one core ({sent} of {count} sent)" + gcInfo);
    }
}
