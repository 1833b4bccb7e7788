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

/// <summary>
/// NFWALK_BENCH_CPU=N: the measuring thread runs on CPU N only (sched_setaffinity of the calling thread; the runtime's other
/// threads stay free). On this VM the two vCPUs differ: memory-bound code (a classification) ran 2.5x slower on CPU 0 than
/// on CPU 1, in the same build, so an unpinned figure depends on where the scheduler put the thread.
/// </summary>
internal static class ThreadPinning
{
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ref ulong mask);

    /// <summary>The CPU the measuring thread was pinned to, or null when not asked (or not possible).</summary>
    public static int? PinFromEnvironment()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("NFWALK_BENCH_CPU"), out int cpu) || cpu < 0 || cpu > 63 || !OperatingSystem.IsLinux()) return null;
        ulong mask = 1UL << cpu;
        return sched_setaffinity(0, sizeof(ulong), ref mask) == 0 ? cpu : throw new InvalidOperationException($"cannot pin the measuring thread to CPU {cpu} (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
    }
}
