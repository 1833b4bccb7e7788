using Nfwalk.Hosting;
using Nfwalk.Parsing.Iptables;
using Xunit;

namespace Nfwalk.Tests.Hosting;

/// <summary>The phase clock is one for the process (a diagnostic of the nfwalk command): its test runs alone, not beside tests that parse.</summary>
[CollectionDefinition(nameof(PhaseClockTests), DisableParallelization = true)]
public class PhaseClockCollection { }

[Collection(nameof(PhaseClockTests))]
public class PhaseClockTests
{
    [Fact]
    public void A_started_clock_records_the_parse_phases_in_order_and_a_stopped_one_records_nothing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nfwalk-phaseclock-{Guid.NewGuid():N}.rules");
        File.WriteAllText(path, "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n");
        try
        {
            PhaseClock.Start();
            SaveParser.ParseFile(path);
            PhaseClock.Stop();
            // alone (see the collection): exactly this parse's phases, in order
            Assert.Equal(["read", "lines", "tables"], PhaseClock.Phases.Select(p => p.Phase).ToList());
            Assert.All(PhaseClock.Phases, p => Assert.True(p.Took >= TimeSpan.Zero));
            int count = PhaseClock.Phases.Count;
            SaveParser.ParseFile(path);
            Assert.Equal(count, PhaseClock.Phases.Count);
        }
        finally { PhaseClock.Stop(); File.Delete(path); }
    }
}
