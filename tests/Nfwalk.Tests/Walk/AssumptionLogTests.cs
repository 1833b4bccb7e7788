using Nfwalk.Semantics.Walk;

namespace Nfwalk.Tests.Walk;

/// <summary>A walk's assumptions as its trace lists them: each text once, in the order first made, however many.</summary>
public class AssumptionLogTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(9)]
    public void Each_text_once_in_first_seen_order(int n)
    {
        var rnd = new Random(n);
        var log = new AssumptionLog();
        var made = new List<string>();
        for (int i = 0; i < n; i++)
        {
            var text = $"assumption {rnd.Next(4)}";
            made.Add(text);
            log.Add(text);
        }
        var sealedLog = log.Seal();
        Assert.Equal(made.Distinct(), sealedLog);
        Assert.Equal(made.Distinct().Count(), sealedLog.Count);
        for (int i = 0; i < sealedLog.Count; i++) Assert.Equal(made.Distinct().ElementAt(i), sealedLog[i]);
    }
}
