using Nfwalk.Hosting;

namespace Nfwalk.Tests.Hosting;

public class HugePagesTests
{
    /// <summary>
    /// After the advice, the process's large anonymous mappings carry the kernel's "hg" flag (VM_HUGEPAGE, set by
    /// madvise MADV_HUGEPAGE; /proc/PID/smaps VmFlags), which is what lets the collector's future pages be 2 MiB pages.
    /// </summary>
    [Fact]
    public void Advise_marks_the_large_anonymous_mappings_for_huge_pages()
    {
        const string mode = "/sys/kernel/mm/transparent_hugepage/enabled";
        if (!OperatingSystem.IsLinux() || !File.Exists(mode) || File.ReadAllText(mode).Contains("[never]"))
            return; // nothing to advise here: the advice does nothing, and must not fail
        HugePages.AdviseMappings();
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

    private static string FakeDevices(params (string Device, string Features)[] devices)
    {
        var root = Path.Combine(Path.GetTempPath(), "nfwalk-virtio-" + Guid.NewGuid().ToString("N"));
        for (int i = 0; i < devices.Length; i++)
        {
            var d = Directory.CreateDirectory(Path.Combine(root, $"virtio{i}")).FullName;
            File.WriteAllText(Path.Combine(d, "device"), devices[i].Device + "\n");
            File.WriteAllText(Path.Combine(d, "features"), devices[i].Features + "\n");
        }
        Directory.CreateDirectory(root);
        return root;
    }

    // the feature strings of this kind of VM's devices: a balloon (0x0005) with bits 1, 2, 5 and 7, a block device (0x0002)
    private const string ReportingBalloon = "01100101000000000000000000000000100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
    private const string BlockDevice = "00100010011001000000000000000100100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";

    [Theory]
    [InlineData("0x0005", ReportingBalloon, true)]      // a balloon that reports free pages
    [InlineData("0x0005", "01100001", false)]           // a balloon without free page reporting (bit 5 clear)
    [InlineData("0x0002", BlockDevice, false)]          // bit 5 of another device's features means something else
    [InlineData("0x0005", "0110", false)]               // too few bits to have bit 5
    public void Free_page_reporting_is_read_off_the_balloon_device(string device, string features, bool reports)
    {
        var root = FakeDevices((device, features));
        try { Assert.Equal(reports, HugePages.HostReclaimsFreePages(root)); }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Among_several_devices_the_balloon_decides_and_no_virtio_is_no_reporting()
    {
        var root = FakeDevices(("0x0002", BlockDevice), ("0x0001", "1"), ("0x0005", ReportingBalloon));
        try { Assert.True(HugePages.HostReclaimsFreePages(root)); }
        finally { Directory.Delete(root, true); }
        Assert.False(HugePages.HostReclaimsFreePages(Path.Combine(Path.GetTempPath(), "nfwalk-no-such-dir-" + Guid.NewGuid().ToString("N"))));
    }
}
