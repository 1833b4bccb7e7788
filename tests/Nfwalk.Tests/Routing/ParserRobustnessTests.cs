using Nfwalk.Diagnostics;
using Nfwalk.Parsing.Iproute2;
using static Nfwalk.Tests.Routing.RoutingData;

namespace Nfwalk.Tests.Routing;

/// <summary>The iproute2 parsers never throw: every dump, cut and mangled at random, still gives a (partial) state.</summary>
public class ParserRobustnessTests
{
    private static readonly string[] Files =
    [
        "kernel-6.18/ip-rule.txt", "kernel-6.18/ip-rule.json", "kernel-6.18/ip-route.txt", "kernel-6.18/ip-route.json",
        "kernel-6.18/ip-addr.txt", "kernel-6.18/ip-addr.json", "kernel-6.18/ip-link.json", "kernel-6.18/sysctl.txt",
        "selectors/ip-rule.txt", "selectors/ip-route.txt", "link-kinds/ip-addr.txt", "link-kinds/ip-addr.json",
    ];

    [Fact]
    public void Mangled_dumps_give_diagnostics_not_exceptions()
    {
        var rnd = new Random(1234);
        const string junk = " \t\n:/{}[]\",0x1234567890abcdefz-@<>.";
        foreach (var f in Files)
        {
            var text = Read(f.Split('/'));
            for (int round = 0; round < 40; round++)
            {
                var chars = text.ToCharArray();
                for (int k = 0; k < 1 + rnd.Next(20); k++) chars[rnd.Next(chars.Length)] = junk[rnd.Next(junk.Length)];
                var mangled = new string(chars);
                if (rnd.Next(3) == 0) mangled = mangled[..rnd.Next(mangled.Length)];
                var diags = new DiagnosticBag();
                var b = new RoutingStateBuilder(diags);
                var name = Path.GetFileName(f);
                bool json = name.EndsWith(".json", StringComparison.Ordinal);
                if (name.StartsWith("ip-rule", StringComparison.Ordinal)) { if (json) b.AddRulesJson(mangled, name); else b.AddRulesText(mangled, name); }
                else if (name.StartsWith("ip-route", StringComparison.Ordinal)) { if (json) b.AddRoutesJson(mangled, name); else b.AddRoutesText(mangled, name); }
                else if (name.StartsWith("sysctl", StringComparison.Ordinal)) b.AddSysctlsText(mangled, name);
                else if (json) b.AddInterfacesJson(mangled, name); else b.AddInterfacesText(mangled, name);
                var state = b.Build();
                var fib = new Nfwalk.Semantics.Routing.Fib(state);
                fib.Out("8.8.8.8");
                fib.In("10.244.1.5", "172.18.0.50", "eth0", 0x100);
                Assert.All(diags.Items, d => Assert.True(d.Location.Line >= 1 && d.Location.Column >= 1, d.ToString()));
            }
        }
    }
}
