namespace Nfwalk.Parsing.Iptables;

/// <summary>Interns the names that repeat across a dump (chains, interfaces, sets) without allocating per lookup.</summary>
public sealed class StringPool
{
    private readonly Dictionary<string, string> _map = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    public StringPool() { _lookup = _map.GetAlternateLookup<ReadOnlySpan<char>>(); }

    public string Get(ReadOnlySpan<char> s)
    {
        if (s.Length > 64) return s.ToString();
        if (_lookup.TryGetValue(s, out var v)) return v;
        var str = s.ToString();
        _map[str] = str;
        return str;
    }
}
