using System.Diagnostics.Tracing;

namespace Nfwalk.Bench;

/// <summary>
/// NFWALK_BENCH_ALLOC=1: the runtime's allocation-tick events (one per ~100 KB allocated, naming the type of the object
/// that crossed the mark) summed by type while a timed loop runs (walks, parses): a sampled picture of what it allocates.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private readonly Dictionary<string, long> _bytes = new();
    public volatile bool On;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!On || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        int i = e.PayloadNames!.IndexOf("TypeName");
        int a = e.PayloadNames.IndexOf("AllocationAmount64");
        if (i < 0) return;
        var name = e.Payload[i] as string ?? "?";
        long amount = a >= 0 ? Convert.ToInt64(e.Payload[a]) : 100_000;
        lock (_bytes) _bytes[name] = _bytes.GetValueOrDefault(name) + amount;
    }

    /// <summary>The types that allocated most, per run of the timed loop (<paramref name="per"/> names a run: "walk", "parse").</summary>
    public void Print(long runs, string per)
    {
        lock (_bytes)
            foreach (var (name, bytes) in _bytes.OrderByDescending(p => p.Value).Take(30))
            {
                double b = bytes / (double)runs;
                Console.WriteLine($"  {(b >= 100_000 ? $"{b / 1e6,8:F2} MB" : $"{b,8:F0} bytes")}/{per}  {name}");
            }
    }
}
