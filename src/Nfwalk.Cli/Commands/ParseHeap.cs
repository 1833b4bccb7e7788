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
        long budget = length * BytesPerInputByte + Slack;
        if (budget > Limit || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return;
        try { GC.TryStartNoGCRegion(budget); }
        catch (ArgumentOutOfRangeException) { /* more than this runtime can promise: collect as usual */ }
    }
}
