using System.Runtime.InteropServices;

namespace Nfwalk.Hosting;

/// <summary>
/// Asks Linux to back this process's large anonymous mappings — the garbage collector's heap reservation — with transparent
/// huge pages (madvise MADV_HUGEPAGE), as the JVM's -XX:+UseTransparentHugePages, Go's runtime and mimalloc do on kernels whose
/// THP mode is "madvise" (the default of most distributions). Parsing a large dump touches every page of a heap of ~5x the
/// input's size once: with 4 KiB pages that is one page fault per 4 KiB; with 2 MiB pages, one per 2 MiB.
/// Not on a virtual machine whose balloon device reports free memory to the host (virtio-balloon free page reporting, as
/// Firecracker-style VMs of this kind run): the guest hands its free 2 MiB blocks back to the host, so a huge page is
/// nearly always one the host must fault in again, 4 KiB at a time, while the guest's small free pages stay backed.
/// Measured on such a VM (a C program touching 80 MB once, 4 KiB vs 2 MiB pages): 35-40 ms with small pages, 10-14 ms with
/// huge pages right after another process freed its memory, 165-310 ms with huge pages after 3 s idle. NativeAOT
/// "nfwalk check" of the 16.3 MB kube-proxy dump, 6 runs each: after a run of its own 88-111 ms with huge pages, 100-128 ms
/// without; after 2.5 s idle 156-237 ms with, 103-122 ms without — so there the advice is not given.
/// Nothing else changes; any failure (another OS, an old kernel, THP off) is ignored. NFWALK_HUGEPAGES=0 turns it off,
/// NFWALK_HUGEPAGES=1 gives it even on such a VM.
/// A process that hosts nfwalk calls this once, first: only mappings that exist then are advised (the collector reserves
/// its address range at start-up and commits from it later, so its future pages are covered — until it gives memory back,
/// which a one-shot command in a no-GC region does not). Walking packets through a loaded ruleset gained nothing measurable
/// from huge pages (classifications on the same dump, alternating runs: 1.02-1.13M/s with, 1.12-1.15M/s without).
/// </summary>
public static class HugePages
{
    private const int MadvHugepage = 14;
    private const long Huge = 2L << 20;

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(nint address, nuint length, int advice);

    public static void Advise()
    {
        if (!OperatingSystem.IsLinux()) return;
        var setting = Environment.GetEnvironmentVariable("NFWALK_HUGEPAGES");
        if (setting == "0" || (setting != "1" && HostReclaimsFreePages())) return;
        AdviseMappings();
    }

    /// <summary>The virtio device type of a memory balloon, and its feature bit for free page reporting (VIRTIO_BALLOON_F_REPORTING).</summary>
    private const int BalloonDevice = 5, ReportingFeature = 5;

    /// <summary>
    /// Whether a virtio memory balloon here reports free pages to the host: a device under <paramref name="devices"/> whose
    /// "device" file says 0x0005 and whose "features" file (one '0' or '1' per feature bit, bit 0 first) has bit 5 set.
    /// </summary>
    internal static bool HostReclaimsFreePages(string devices = "/sys/bus/virtio/devices")
    {
        try
        {
            if (!Directory.Exists(devices)) return false;
            foreach (var dir in Directory.EnumerateDirectories(devices))
            {
                var type = Path.Combine(dir, "device");
                var features = Path.Combine(dir, "features");
                if (!File.Exists(type) || !File.Exists(features)) continue;
                var id = File.ReadAllText(type).Trim();
                if (!id.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    || !int.TryParse(id.AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out int n) || n != BalloonDevice) continue;
                var bits = File.ReadAllText(features).Trim();
                if (bits.Length > ReportingFeature && bits[ReportingFeature] == '1') return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return false;
    }

    /// <summary>The madvise itself: every anonymous mapping of at least 16 MiB, its whole 2 MiB extents.</summary>
    internal static void AdviseMappings()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                // "start-end perms offset dev inode [path]": only anonymous mappings (no path), whole 2 MiB extents of them
                var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 5) continue;
                int dash = parts[0].IndexOf('-');
                long start = Convert.ToInt64(parts[0][..dash], 16), end = Convert.ToInt64(parts[0][(dash + 1)..], 16);
                long a = (start + Huge - 1) & ~(Huge - 1), b = end & ~(Huge - 1);
                if (b - a >= 8 * Huge) madvise((nint)a, (nuint)(b - a), MadvHugepage);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or DllNotFoundException or EntryPointNotFoundException) { }
    }
}
