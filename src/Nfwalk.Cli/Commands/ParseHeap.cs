using System.Runtime;

namespace Nfwalk.Cli.Commands;

/// <summary>
/// Lets a one-shot command read a whole dump without garbage collections. Everything a parse allocates is
/// kept (the model is the result), so each gen0 collection would only copy live objects into an older
/// generation: measured on a kube-proxy dump of 10,000 services, a third of the instructions of
/// "nfwalk check" were the collector's. The process ends right after the command, which gives the memory back.
/// </summary>
public static class ParseHeap
{
    // bytes allocated per byte of input by parsing and validation, with room to spare (measured: about 7)
    private const long BytesPerInputByte = 12;
    private const long Slack = 64L << 20;
    private const long Limit = 4L << 30;

    // Large objects (85,000 bytes and more: the dictionaries of a table's chains, a long chain's rule list, the validator's
    // per-chain arrays; the file's bytes are pinned, elsewhere) are budgeted apart. A budget the collector's current
    // large-object region can hold (regions are 32 MB) is committed there in one piece when the region starts, and so is
    // backed by huge pages where HugePages gives its advice (not on a VM that hands free memory back to its host); without
    // it, the large objects filled that region a few pages at a time, each 4 KiB page a fault of its own. Measured on the 10,000-service kube-proxy dump (16.3 MB; its large objects need
    // 8-12 MB), NativeAOT "nfwalk check": 6,800 -> 3,500 page faults, 0.158-0.169 s -> 0.127-0.142 s.
    private const long LargeBytesPerInputByte = 1;
    private const long LargeSlack = 4L << 20;
    private const long LargeRegionRoom = 30L << 20;

    /// <summary>Starts a no-GC region sized for the input; a larger input, or a refusal, simply keeps the collector on.</summary>
    public static void ReserveFor(string path)
    {
        long length;
        try
        {
            var info = new FileInfo(Directory.Exists(path) ? Path.Combine(path, "iptables-save.txt") : path);
            if (!info.Exists) return;
            length = info.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException) { return; }
        long small = length * BytesPerInputByte + Slack;
        long large = length * LargeBytesPerInputByte + LargeSlack;
        if (small + large > Limit || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return;
        try
        {
            // a large-object budget beyond one region would be committed as the objects come: then one budget for both, as before
            if (large <= LargeRegionRoom) GC.TryStartNoGCRegion(small + large, large);
            else GC.TryStartNoGCRegion(small);
        }
        catch (ArgumentOutOfRangeException) { /* more than this runtime can promise: collect as usual */ }
    }
}
