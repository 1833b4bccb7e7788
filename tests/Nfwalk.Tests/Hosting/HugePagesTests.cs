using Nfwalk.Hosting;

namespace Nfwalk.Tests.Hosting;

public class HugePagesTests
{
    /// <summary>
    /// After Advise, the process's large anonymous mappings carry the kernel's "hg" flag (VM_HUGEPAGE, set by
    /// madvise MADV_HUGEPAGE; /proc/PID/smaps VmFlags), which is what lets the collector's future pages be 2 MiB pages.
    /// </summary>
    [Fact]
    public void Advise_marks_the_large_anonymous_mappings_for_huge_pages()
    {
        const string mode = "/sys/kernel/mm/transparent_hugepage/enabled";
        if (!OperatingSystem.IsLinux() || !File.Exists(mode) || File.ReadAllText(mode).Contains("[never]")
            || Environment.GetEnvironmentVariable("NFWALK_HUGEPAGES") == "0")
            return; // nothing to advise here: Advise does nothing, and must not fail
        HugePages.Advise();
        bool inLargeAnonymous = false, flagged = false;
        long size = 0;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-') && !line.StartsWith("VmFlags"))
            {
                var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                var range = parts[0].Split('-');
                size = Convert.ToInt64(range[1], 16) - Convert.ToInt64(range[0], 16);
                inLargeAnonymous = parts.Length == 5 && size >= 32L << 20;
            }
            else if (inLargeAnonymous && line.StartsWith("VmFlags:") && line.Split(' ').Contains("hg")) flagged = true;
        }
        Assert.True(flagged, "no large anonymous mapping was advised for huge pages");
    }

    [Fact]
    public void Advise_twice_is_harmless() { HugePages.Advise(); HugePages.Advise(); }
}
