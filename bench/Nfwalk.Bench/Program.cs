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
    // NFWALK_BENCH_ALLOC=1: what the timed parses allocate, by type (sampled allocation ticks)
    using var sampler = Environment.GetEnvironmentVariable("NFWALK_BENCH_ALLOC") == "1" ? new AllocationSampler() : null;
    // Warm-up: the tiered JIT compiles the hot methods again, optimised, in the background (after 30 calls, a 100 ms delay
    // and a queue), and the collector sizes its regions over the first collections: with three warm-up parses the first
    // timed parses took 2-5x the later ones (one of them faulting in 70 MB of fresh pages). Warm up with the rounds timed
    // after, for at least 8 rounds and 2 seconds, then until a parse is no faster than the best of the last 4
    var warm = Stopwatch.StartNew();
    var last = new Queue<double>();
    for (int i = 0; ; i++)
    {
        var t = Round(text, parallel, null).Parse;
        bool settled = last.Count == 4 && t >= last.Min() * 0.97;
        if (last.Count == 4) last.Dequeue();
        last.Enqueue(t);
        if (i >= 7 && warm.Elapsed.TotalSeconds >= 2 && settled || i >= 60) break;
    }
    if (sampler is not null) sampler.On = true;
    var results = new List<RoundResult>();
    int rounds = int.TryParse(Environment.GetEnvironmentVariable("NFWALK_BENCH_ROUNDS"), out var nr) && nr > 0 ? nr : 10;
    for (int i = 0; i < rounds; i++) results.Add(Round(text, parallel, sampler));
    if (sampler is not null) { sampler.On = false; sampler.Print(10, "parse"); }
    static double Median(IEnumerable<double> xs) { var l = xs.Order().ToList(); return l[l.Count / 2]; }
    double median = Median(results.Select(r => r.Parse)), best = results.Min(r => r.Parse);
    var peak = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM"))?.Split(':')[1].Trim();
    // the collector's first-generation budget: with the runtime's own, 0 to 5 collections fall in a parse, depending on the
    // collector's heuristics from one build or run to the next (each one copies the part of the model built so far: a parse
    // keeps all it allocates); scripts/bench measures once with a budget that holds a parse (DOTNET_GCgen0size, what
    // nfwalk check gets from its no-GC region) and once with the runtime's
    var gen0size = Environment.GetEnvironmentVariable("DOTNET_GCgen0size");
    Console.WriteLine($"input {mb:F1} MB; parse median {median * 1000:F1} ms = {mb / median:F0} MB/s (best {mb / best:F0} MB/s) over {rounds} rounds"
        + $"{(parallel == false ? ", sequential parser" : "")}; collector: {(gen0size is null ? "runtime defaults" : $"DOTNET_GCgen0size={gen0size}")}, "
        + $"collections during a parse: gen0 {results.Min(r => r.Gen0)}-{results.Max(r => r.Gen0)}, gen2 {results.Min(r => r.Gen2)}-{results.Max(r => r.Gen2)}; "
        + $"allocated {results[^1].Allocated / 1e6:F0} MB per parse; minor page faults per parse {Median(results.Select(r => (double)r.Faults)):F0}; process peak RSS {peak}; "
        + $"validate (as nfwalk check, after each parse) median {Median(results.Select(r => r.Validate)) * 1000:F1} ms");
    return 0;
}
if (args.Length >= 2 && args[0] == "walk") { WalkMeasure.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : 2000); return 0; }
BenchmarkSwitcher.FromAssembly(typeof(ParseBenchmarks).Assembly).Run(args);
return 0;

// One round: a parse (timed, with what it allocates, the page faults it takes and the collections during it) after a full
// collection; then the validation "nfwalk check" does next, right after the parse as there (the model not yet in any
// cache; timed apart, and not among the parse's allocations by type)
static RoundResult Round(Nfwalk.Model.SourceFile text, bool? parallel, AllocationSampler? sampler)
{
    GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
    long a0 = GC.GetTotalAllocatedBytes(true), f0 = ProcessStats.MinorFaults();
    int g0 = GC.CollectionCount(0), g2 = GC.CollectionCount(2);
    var sw = Stopwatch.StartNew();
    var r = SaveParser.Parse(text, parallel: parallel);
    sw.Stop();
    long allocated = GC.GetTotalAllocatedBytes(true) - a0, faults = ProcessStats.MinorFaults() - f0;
    int gen0 = GC.CollectionCount(0) - g0, gen2 = GC.CollectionCount(2) - g2;
    double parse = sw.Elapsed.TotalSeconds;
    if (sampler is not null) sampler.On = false;
    sw.Restart();
    Nfwalk.Semantics.Analysis.RulesetValidator.Validate(r.Ruleset);
    double validate = sw.Elapsed.TotalSeconds;
    if (sampler is not null) sampler.On = true;
    GC.KeepAlive(r);
    return new RoundResult(parse, validate, allocated, faults, gen0, gen2);
}

readonly record struct RoundResult(double Parse, double Validate, long Allocated, long Faults, int Gen0, int Gen2);
