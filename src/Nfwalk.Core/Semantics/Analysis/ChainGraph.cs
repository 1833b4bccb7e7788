using Nfwalk.Model;
using Nfwalk.Model.Targets;

namespace Nfwalk.Semantics.Analysis;

/// <summary>Who jumps where inside one table: callers of each chain, the hooks each chain is reachable from, loops.</summary>
public sealed class ChainGraph
{
    public Table Table { get; }
    private readonly Dictionary<string, Chain> _chains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Rule>> _callers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HookSet> _hooks = new(StringComparer.Ordinal);
    public IReadOnlyList<IReadOnlyList<string>> Loops { get; }

    public ChainGraph(Table table)
    {
        Table = table;
        foreach (var c in table.Chains) { _chains[c.Name] = c; _callers[c.Name] = new List<Rule>(); }
        foreach (var c in table.Chains)
            foreach (var r in c.Rules)
                if (r.Target is JumpTarget j && _callers.TryGetValue(j.Chain, out var list)) list.Add(r);
        // reachability: propagate hooks from builtin chains through jumps
        var work = new Queue<string>();
        foreach (var c in table.Chains) if (c.Hook is { } h) { _hooks[c.Name] = h.AsSet(); work.Enqueue(c.Name); }
        while (work.Count > 0)
        {
            var n = work.Dequeue();
            var hs = _hooks[n];
            foreach (var r in _chains[n].Rules)
            {
                if (r.Target is not JumpTarget j || !_chains.ContainsKey(j.Chain)) continue;
                var old = _hooks.GetValueOrDefault(j.Chain);
                if ((old | hs) != old) { _hooks[j.Chain] = old | hs; work.Enqueue(j.Chain); }
            }
        }
        Loops = FindLoops();
    }

    public Chain? this[string name] => _chains.GetValueOrDefault(name);
    public IReadOnlyList<Rule> Callers(string chain) => _callers.TryGetValue(chain, out var l) ? l : [];
    public HookSet HooksOf(string chain) => _hooks.GetValueOrDefault(chain);
    public bool Exists(string chain) => _chains.ContainsKey(chain);

    /// <summary>Longest chain of nested user-chain jumps below a builtin chain (iptables-nft refuses more than 15).</summary>
    public int MaxDepth(string chain)
    {
        var memo = new Dictionary<string, int>();
        int Depth(string n, HashSet<string> stack)
        {
            if (memo.TryGetValue(n, out var d)) return d;
            if (!stack.Add(n)) return 0;
            int best = 0;
            foreach (var r in _chains[n].Rules)
                if (r.Target is JumpTarget j && _chains.ContainsKey(j.Chain)) best = Math.Max(best, 1 + Depth(j.Chain, stack));
            stack.Remove(n);
            return memo[n] = best;
        }
        return Depth(chain, new HashSet<string>());
    }

    private List<IReadOnlyList<string>> FindLoops()
    {
        var loops = new List<IReadOnlyList<string>>();
        var color = new Dictionary<string, int>();
        var path = new List<string>();
        void Visit(string n)
        {
            color[n] = 1; path.Add(n);
            foreach (var r in _chains[n].Rules)
            {
                if (r.Target is not JumpTarget j || !_chains.ContainsKey(j.Chain)) continue;
                var c = color.GetValueOrDefault(j.Chain);
                if (c == 1)
                {
                    int i = path.IndexOf(j.Chain);
                    var cycle = path.Skip(i).ToList(); cycle.Add(j.Chain);
                    loops.Add(cycle);
                }
                else if (c == 0) Visit(j.Chain);
            }
            path.RemoveAt(path.Count - 1);
            color[n] = 2;
        }
        foreach (var c in Table.Chains) if (color.GetValueOrDefault(c.Name) == 0) Visit(c.Name);
        return loops;
    }
}
