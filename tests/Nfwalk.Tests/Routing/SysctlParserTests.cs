using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Parsing.Iproute2;
using static Nfwalk.Tests.Routing.RoutingData;

namespace Nfwalk.Tests.Routing;

/// <summary>sysctl -a lines, and the way per-interface values combine with "all" (include/linux/inetdevice.h IN_DEV_*).</summary>
public class SysctlParserTests
{
    [Fact]
    public void Sysctl_lines_comments_and_complaints()
    {
        var diags = new DiagnosticBag();
        var v = SysctlParser.Parse(
            "net.ipv4.ip_forward = 1\n# comment\n; also a comment\nsysctl: permission denied on key 'x'\nnet.ipv4.conf.eth0/100.rp_filter=2\nno equals sign here\n  net.ipv4.conf.all.rp_filter =   1  \n",
            "sysctl.txt", diags);
        Assert.Equal("1", v["net.ipv4.ip_forward"]);
        Assert.Equal("1", v["net.ipv4.conf.all.rp_filter"]);
        Assert.Equal(new SourceLocation("sysctl.txt", 6, 1), Assert.Single(diags.Items).Location);
        var s = new RoutingSysctls(v);
        // an interface name with a dot is printed with "/" by sysctl
        Assert.Equal(2, s.RpFilter("eth0.100"));
    }

    [Fact]
    public void Rp_filter_is_the_larger_of_all_and_the_device_others_are_or_ed_and_forwarding_is_per_device()
    {
        var s = new RoutingSysctls(SysctlParser.Parse(Read("kernel-6.18", "sysctl.txt"), "sysctl.txt", new DiagnosticBag()));
        Assert.Equal(1, s.RpFilter("wan0"));      // all 0, wan0 1
        Assert.Equal(2, s.RpFilter("eth0"));
        Assert.Equal(0, s.RpFilter("vethzt"));
        Assert.True(s.OrConf(IpFamily.V4, "vethpod", "src_valid_mark"));
        Assert.False(s.OrConf(IpFamily.V4, "eth0", "src_valid_mark"));
        Assert.True(s.OrConf(IpFamily.V4, "istioout", "accept_local"));
        Assert.False(s.Forwarding(IpFamily.V4, "noaddr0"));
        Assert.True(s.Forwarding(IpFamily.V4, "eth0"));
        Assert.Equal(1, s.IpForward);
        // an interface the dump does not list takes "default"
        Assert.Equal(0, s.DeviceConf(IpFamily.V4, "newdev0", "rp_filter"));
        Assert.Null(RoutingSysctls.Empty.RpFilter("eth0"));
    }
}
