using Nfwalk.Kernel;
using Xunit.Abstractions;

namespace Nfwalk.Tests.Kernel;

/// <summary>
/// Runs every case of <see cref="DifferentialCases"/> through the real kernel (throw-away network namespaces) and through
/// nfwalk, and requires the per-rule packet counters to agree. Skipped, with the reason, where namespaces cannot be made.
/// </summary>
public class DifferentialTests(ITestOutputHelper output)
{
    private static readonly Lazy<string?> Why = new(Lab.Unavailable);

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
        Skip.If(Why.Value is not null, Why.Value);
        var c = DifferentialCases.All().Single(x => x.Name == name);
        var result = Differential.Run(c);
        output.WriteLine(result.Report());
        Assert.True(result.Passed, $"kernel and nfwalk disagree on {name}:\n{result.Report()}");
        Assert.Contains(result.Counts, x => x.Kernel > 0); // the case really sent packets through the rules
    }
}
