using Nfwalk.Model.Net;

namespace Nfwalk.Model.Routing;

/// <summary>
/// The routes of one table, in the order the kernel keeps them, with an index for longest-prefix lookups
/// (one hash probe per prefix length present, so a 100k-route table answers in a few dozen probes).
/// Within one prefix the routes are ordered as the kernel's alias list (fib_find_alias): higher TOS first, then
/// lower metric, then the order of the dump.
/// </summary>
public sealed class RoutingTable
{
    private readonly Lazy<Index> _v4, _v6;

    public RoutingTable(RouteTableId id, IReadOnlyList<Route> routes)
    {
        Id = id;
        Routes = routes;
        _v4 = new Lazy<Index>(() => new Index(routes, IpFamily.V4));
        _v6 = new Lazy<Index>(() => new Index(routes, IpFamily.V6));
    }

    public RouteTableId Id { get; }
    public IReadOnlyList<Route> Routes { get; }

    /// <summary>
    /// The routes whose prefix contains <paramref name="destination"/>, grouped by prefix, longest prefix first; each group in
    /// the kernel's alias order. A lookup takes the first usable route and falls back to shorter prefixes (fib_table_lookup backtracking).
    /// </summary>
    public IEnumerable<IReadOnlyList<Route>> Matching(IpAddress destination)
    {
        var index = destination.IsV4 ? _v4.Value : _v6.Value;
        foreach (var len in index.Lengths)
        {
            var key = destination.Value & IpPrefix.MaskOf(len, destination.Bits);
            if (index.ByLength[len]!.TryGetValue(key, out var bucket)) yield return bucket;
        }
    }

    public override string ToString() => $"table {Id.Name} ({Routes.Count} routes)";

    private sealed class Index
    {
        public readonly Dictionary<UInt128, Route[]>?[] ByLength;
        public readonly int[] Lengths;

        public Index(IReadOnlyList<Route> routes, IpFamily family)
        {
            int bits = family == IpFamily.V4 ? 32 : 128;
            var lists = new Dictionary<UInt128, List<Route>>?[bits + 1];
            foreach (var r in routes)
            {
                if (r.Family != family) continue;
                var len = r.Destination.Length;
                var key = r.Destination.Address.Value & IpPrefix.MaskOf(len, bits);
                var d = lists[len] ??= new Dictionary<UInt128, List<Route>>();
                if (!d.TryGetValue(key, out var l)) d[key] = l = new List<Route>(1);
                l.Add(r);
            }
            ByLength = new Dictionary<UInt128, Route[]>?[bits + 1];
            var lengths = new List<int>();
            for (int len = bits; len >= 0; len--)
            {
                if (lists[len] is not { } d) continue;
                lengths.Add(len);
                var o = new Dictionary<UInt128, Route[]>(d.Count);
                foreach (var (k, l) in d)
                {
                    var arr = l.ToArray();
                    if (arr.Length > 1)
                    {
                        // stable: the dump order decides between equal TOS and metric
                        var ordered = arr.Select((r, i) => (r, i)).OrderByDescending(x => x.r.Tos).ThenBy(x => x.r.Metric).ThenBy(x => x.i).Select(x => x.r).ToArray();
                        arr = ordered;
                    }
                    o[k] = arr;
                }
                ByLength[len] = o;
            }
            Lengths = lengths.ToArray();
        }
    }
}
