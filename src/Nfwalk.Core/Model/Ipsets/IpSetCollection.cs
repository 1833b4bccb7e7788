using System.Diagnostics.CodeAnalysis;

namespace Nfwalk.Model.Ipsets;

/// <summary>The sets of one network namespace, by name (names are case-sensitive), in the order they were defined.</summary>
public sealed class IpSetCollection
{
    private readonly Dictionary<string, IpSet> _byName;
    private readonly List<IpSet> _ordered;

    public IpSetCollection(IEnumerable<IpSet> sets)
    {
        _byName = new Dictionary<string, IpSet>(StringComparer.Ordinal);
        _ordered = new List<IpSet>();
        foreach (var s in sets)
        {
            if (_byName.TryAdd(s.Name, s)) _ordered.Add(s);
            else
            {
                _ordered[_ordered.FindIndex(x => x.Name == s.Name)] = s;
                _byName[s.Name] = s;
            }
        }
    }

    public static IpSetCollection Empty { get; } = new([]);

    public IReadOnlyList<IpSet> Sets => _ordered;
    public int Count => _ordered.Count;
    public IEnumerable<string> Names => _ordered.Select(s => s.Name);
    public bool Contains(string name) => _byName.ContainsKey(name);
    public IpSet? this[string name] => _byName.GetValueOrDefault(name);
    public bool TryGet(string name, [MaybeNullWhen(false)] out IpSet set) => _byName.TryGetValue(name, out set);

    /// <summary>A copy with <paramref name="set"/> added, or replacing the set of the same name in place.</summary>
    public IpSetCollection With(IpSet set) => new(_ordered.Any(s => s.Name == set.Name)
        ? _ordered.Select(s => s.Name == set.Name ? set : s)
        : _ordered.Append(set));
}
