using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Tests.Walk;

/// <summary>
/// The conntrack table keeps its first entries in a small array searched from the newest, and the rest in a dictionary
/// of tuples: both must answer as one dictionary into which every confirmed entry was entered under its original, then
/// its reply tuple — including a tuple confirmed again by a newer entry, and entries whose two tuples are one.
/// </summary>
public class ConntrackTableTests
{
    [Fact]
    public void The_table_answers_as_a_dictionary_of_both_tuples_whatever_the_entries()
    {
        var rnd = new Random(3);
        // few addresses and ports, so that tuples repeat across entries
        ConnTuple Pick() => new(IpAddress.FromV4(0x0A000000u | (uint)rnd.Next(3)), IpAddress.FromV4(0x0A000000u | (uint)rnd.Next(3)), 6, (ushort)rnd.Next(2), (ushort)rnd.Next(2), 0);
        for (int round = 0; round < 300; round++)
        {
            var table = new ConntrackTable();
            var reference = new Dictionary<ConnTuple, ConntrackEntry>();
            int n = rnd.Next(1, 12);
            for (int k = 0; k < n; k++)
            {
                var e = table.CreateUnconfirmed(Pick());
                // NAT may rewrite the reply tuple before confirmation
                if (rnd.Next(3) == 0) e.Reply = Pick();
                table.Confirm(e);
                reference[e.Original] = e;
                reference[e.Reply] = e;
                for (int q = 0; q < 12; q++)
                {
                    var t = Pick();
                    var found = table.Find(t);
                    if (reference.TryGetValue(t, out var want))
                    {
                        Assert.NotNull(found);
                        Assert.Same(want, found.Value.Entry);
                        Assert.Equal(want.Reply == t && want.Original != t, found.Value.Reply);
                    }
                    else Assert.Null(found);
                    Assert.Equal(reference.ContainsKey(t), table.InUse(t));
                }
                Assert.Equal(reference.Values.Distinct(), table.Entries);
            }
        }
    }
}
