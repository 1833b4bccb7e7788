using System.Diagnostics;
using BenchmarkDotNet.Running;
using Nfwalk.Bench;
using Nfwalk.Parsing.Iptables;

// dotnet run -c Release --project bench/Nfwalk.Bench -- generate OUT [services] [endpoints]
// dotnet run -c Release --project bench/Nfwalk.Bench -- measure FILE      (quick MB/s and peak memory, no BenchmarkDotNet)
// dotnet run -c Release --project bench/Nfwalk.Bench -- walk FILE [N]       (full traces per second)
// dotnet run -c Release --project bench/Nfwalk.Bench -- [BenchmarkDotNet arguments, e.g. --filter *Parse*]
if (args.Length >= 2 && args[0] == "generate")
{
    int services = args.Length > 2 ? int.Parse(args[2]) : 10_000, endpoints = args.Length > 3 ? int.Parse(args[3]) : 3;
    var text = KubeProxyDumpGenerator.Generate(services, endpoints);
    File.WriteAllText(args[1], text);
    Console.WriteLine($"{args[1]}: {text.Count(c => c == '\n')} lines, {text.Length / 1e6:F1} MB");
    return 0;
}
if (args.Length >= 2 && args[0] == "measure")
{
    // the file's bytes in memory, as the parser keeps them (SourceFile): what is timed is the parse, not the read
    var text = new Nfwalk.Model.SourceFile(args[1], File.ReadAllBytes(args[1]), 0);
    double mb = text.ByteLength / 1e6;
    // "measure FILE sequential" forces the one-thread parser (the before/after comparison of the two-thread parse)
    bool? parallel = args.Length > 2 && args[2] == "sequential" ? false : null;
    for (int i = 0; i < 3; i++) SaveParser.Parse(text, parallel: parallel); // warm-up (tiered JIT)
    // NFWALK_BENCH_ALLOC=1: what the timed parses allocate, by type (sampled allocation ticks)
    using var sampler = Environment.GetEnvironmentVariable("NFWALK_BENCH_ALLOC") == "1" ? new AllocationSampler() : null;
    if (sampler is not null) sampler.On = true;
    int gc0 = GC.CollectionCount(0), gc2 = GC.CollectionCount(2);
    var times = new List<double>();
    var validateTimes = new List<double>();
    long allocated = 0;
    var faults = new List<long>();
    int rounds = int.TryParse(Environment.GetEnvironmentVariable("NFWALK_BENCH_ROUNDS"), out var nr) && nr > 0 ? nr : 10;
    for (int i = 0; i < rounds; i++)
    {
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        long a0 = GC.GetTotalAllocatedBytes(true), f0 = ProcessStats.MinorFaults();
        var sw = Stopwatch.StartNew();
        var r = SaveParser.Parse(text, parallel: parallel);
        sw.Stop();
        allocated = GC.GetTotalAllocatedBytes(true) - a0;
        faults.Add(ProcessStats.MinorFaults() - f0);
        times.Add(sw.Elapsed.TotalSeconds);
        // what nfwalk check does next, right after the parse as there (the model not yet in any cache)
        // (not among the parse's allocations by type)
        if (sampler is not null) sampler.On = false;
        sw.Restart();
        Nfwalk.Semantics.Analysis.RulesetValidator.Validate(r.Ruleset);
        validateTimes.Add(sw.Elapsed.TotalSeconds);
        if (sampler is not null) sampler.On = true;
        GC.KeepAlive(r);
    }
    if (sampler is not null) { sampler.On = false; sampler.Print(10, "parse"); }
    times.Sort();
    validateTimes.Sort();
    var median = times[times.Count / 2];
    var peak = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM"))?.Split(':')[1].Trim();
    Console.WriteLine($"input {mb:F1} MB; parse median {median * 1000:F1} ms = {mb / median:F0} MB/s (best {mb / times[0]:F0} MB/s); allocated {allocated / 1e6:F0} MB per parse; minor page faults per parse {faults.Order().ElementAt(faults.Count / 2)}; process peak RSS {peak}; {(parallel == false ? "sequential" : "default")}; gen0/gen2 collections during parses {GC.CollectionCount(0) - gc0 - 2 * rounds}/{GC.CollectionCount(2) - gc2 - 2 * rounds} (besides the {2 * rounds} forced); validate (as nfwalk check, after each parse) median {validateTimes[validateTimes.Count / 2] * 1000:F1} ms");
    return 0;
}
if (args.Length >= 2 && args[0] == "walk") { WalkMeasure.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : 2000); return 0; }
BenchmarkSwitcher.FromAssembly(typeof(ParseBenchmarks).Assembly).Run(args);
return 0;
