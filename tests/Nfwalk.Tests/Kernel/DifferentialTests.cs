using Nfwalk.Tests.Support;
using Nfwalk.Kernel;
using Xunit.Abstractions;

namespace Nfwalk.Tests.Kernel;

/// <summary>
/// Runs every case of <see cref="DifferentialCases"/> through the real kernel (throw-away network namespaces) and through
/// nfwalk, and requires the per-rule packet counters to agree. Skipped, with the reason, where namespaces cannot be made.
/// </summary>
public class DifferentialTests(ITestOutputHelper output)
{

    public static TheoryData<string> Cases()
    {
        var d = new TheoryData<string>();
        foreach (var c in DifferentialCases.All()) d.Add(c.Name);
        return d;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Kernel_and_nfwalk_agree(string name)
    {
        var why = KernelGate.Why("nft", "ipset"); Skip.If(why is not null, why);
        var c = DifferentialCases.All().Single(x => x.Name == name);
        var result = Differential.Run(c);
        output.WriteLine(result.Report());
        output.WriteLine(result.TraceReport());
        Assert.True(result.Passed, $"kernel and nfwalk disagree on {name}:\n{result.Report()}\n{result.TraceReport()}");
        Assert.Equal(c.Packets.Count, result.Traces.Count(t => t.Kernel.Count > 0 || t.Nfwalk.Count == 0)); // the kernel traced every packet
        Assert.Contains(result.Counts, x => x.Kernel > 0); // the case really sent packets through the rules
    }

    [SkippableFact]
    public void Locations_name_the_rules_file_given()
    {
        var why = KernelGate.Why("nft"); Skip.If(why is not null, why);
        const string rules = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -p tcp -m tcp --dport 80 -j DROP\nCOMMIT\n";
        var packet = new[] { DifferentialCases.Tcp("10.99.0.2", "198.51.100.7", 80) };
        // as nfwalk verify gives it: the case is named after the file, and the walk's locations are the file's own
        var result = Differential.Run(new KernelCase("mine.rules", rules, packet) { RulesFile = "/srv/fw/mine.rules" });
        Assert.True(result.Passed, result.Report());
        Assert.Contains("(/srv/fw/mine.rules:5:1)", result.Walks.Single().Outcome.Text);
    }
}
