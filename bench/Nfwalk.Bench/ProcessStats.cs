namespace Nfwalk.Bench;

/// <summary>Figures of this process that the kernel keeps (Linux; 0 elsewhere).</summary>
internal static class ProcessStats
{
    /// <summary>Minor page faults so far (field 10 of /proc/self/stat): fresh heap pages cost one each, 7-10 µs on this VM.</summary>
    public static long MinorFaults()
    {
        try { var s = File.ReadAllText("/proc/self/stat"); return long.Parse(s[(s.LastIndexOf(')') + 2)..].Split(' ')[7]); }
        catch (IOException) { return 0; }
    }

    /// <summary>CPU time of the calling thread so far, in nanoseconds (/proc/thread-self/schedstat).</summary>
    public static long ThreadCpuNanoseconds()
    {
        try { return long.Parse(File.ReadAllText("/proc/thread-self/schedstat").Split(' ')[0]); }
        catch (IOException) { return 0; }
    }
}
