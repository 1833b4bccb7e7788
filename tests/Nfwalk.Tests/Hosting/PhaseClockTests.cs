using Nfwalk.Hosting;
using Nfwalk.Parsing.Iptables;
using Xunit;

namespace Nfwalk.Tests.Hosting;

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
            // other tests may parse at the same time: only the order of this parse's phases is asserted
            var names = PhaseClock.Phases.Select(p => p.Phase).ToList();
            int read = names.IndexOf("read"), lines = names.IndexOf("lines"), tables = names.IndexOf("tables");
            Assert.True(read >= 0 && read < lines && lines < tables, string.Join(", ", names));
            Assert.All(PhaseClock.Phases, p => Assert.True(p.Took >= TimeSpan.Zero));
            int count = PhaseClock.Phases.Count;
            SaveParser.ParseFile(path);
            Assert.Equal(count, PhaseClock.Phases.Count);
        }
        finally { PhaseClock.Stop(); File.Delete(path); }
    }
}
