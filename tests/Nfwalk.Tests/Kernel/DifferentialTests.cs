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
}
