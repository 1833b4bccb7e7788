using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Tests.Parsing;

/// <summary>The parser puts a rule's base matches in save order exactly as List.Sort did, equal orders (a repeated -s) included.</summary>
public class BaseOrderSortTests
{
    [Fact]
    public void Base_matches_come_out_in_the_order_list_sort_gave()
    {
        var rng = new Random(13);
        var prefix = IpPrefix.Parse("10.0.0.0/8");
        Match Make(int kind) => kind switch
        {
            0 => new AddressMatch(Direction.Source, prefix, false),
            1 => new AddressMatch(Direction.Destination, prefix, false),
            2 => new InterfaceMatch(true, "eth0", false),
            3 => new InterfaceMatch(false, "eth1", false),
            4 => new ProtocolMatch(6, false),
            _ => new FragmentMatch(false),
        };
        for (int k = 0; k < 20_000; k++)
        {
            int n = rng.Next(0, k < 19_990 ? 8 : 40); // and a few longer than 16
            var ms = Enumerable.Range(0, n).Select(_ => Make(rng.Next(6))).ToArray();
            var expected = ms.ToList();
            expected.Sort(static (a, b) => a.BaseOrder.CompareTo(b.BaseOrder));
            RuleParser.SortByBaseOrder(ms);
            for (int i = 0; i < n; i++) Assert.Same(expected[i], ms[i]); // the same objects in the same places
        }
    }
}
