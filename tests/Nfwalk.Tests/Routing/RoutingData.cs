using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Parsing.Iproute2;
using Nfwalk.Semantics.Routing;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Routing;

/// <summary>The iproute2 dumps under tests/Nfwalk.Tests/Data/iproute2 (see its README) and small helpers.</summary>
internal static class RoutingData
{
    public static string Dir(params string[] parts) => Path.Combine([Repo.Root, "tests", "Nfwalk.Tests", "Data", "iproute2", .. parts]);
    public static string Read(params string[] parts) => File.ReadAllText(Dir(parts));

    public static IpAddress A(string s) => IpAddress.Parse(s);
    public static IpPrefix P(string s) => IpPrefix.Parse(s);

    /// <summary>A state from a snapshot folder; the diagnostics must be clean.</summary>
    public static RoutingState Load(string folder)
    {
        var diags = new DiagnosticBag();
        var state = RoutingStateBuilder.FromDirectory(Dir(folder), diags, Path.GetFileName);
        Assert.Empty(diags.Items.Where(d => d.Severity != Severity.Info));
        return state;
    }

    /// <summary>A state from text in the test itself.</summary>
    public static RoutingState State(string? rules = null, string? routes = null, string? addrs = null, string? sysctls = null)
    {
        var diags = new DiagnosticBag();
        var b = new RoutingStateBuilder(diags);
        if (rules is not null) b.AddRulesText(rules, "ip-rule.txt");
        if (routes is not null) b.AddRoutesText(routes, "ip-route.txt");
        if (addrs is not null) b.AddInterfacesText(addrs, "ip-addr.txt");
        if (sysctls is not null) b.AddSysctlsText(sysctls, "sysctl.txt");
        var s = b.Build();
        Assert.Empty(diags.Items.Where(d => d.Severity != Severity.Info));
        return s;
    }

    public static RouteDecision Out(this Fib fib, string dst, uint mark = 0, string? src = null, string? oif = null)
        => fib.Lookup(new RouteQuery { Destination = A(dst), Mark = mark, Source = src is null ? null : A(src), OutInterface = oif });

    public static RouteDecision In(this Fib fib, string dst, string src, string iif, uint mark = 0)
        => fib.Lookup(new RouteQuery { Destination = A(dst), Source = A(src), InInterface = iif, Mark = mark });

    public static string Diag(DiagnosticBag bag) => string.Join("\n", bag.Items.Select(d => d.ToString()));
}
