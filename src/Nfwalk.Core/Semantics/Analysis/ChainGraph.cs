using System.Runtime.Intrinsics;
using Nfwalk.Hosting;
using Nfwalk.Model;
using Nfwalk.Model.Targets;

namespace Nfwalk.Semantics.Analysis;

/// <summary>
/// Who jumps where inside one table: callers of each chain, the hooks each chain is reachable from, loops.
/// Chains are numbered once and the jumps kept as arrays of chain numbers, so every walk over the graph
/// (hook propagation, nesting depth, loop search) is linear in the rules and touches no rule object again:
/// a kube-proxy nat table has 40,000 chains and 150,000 rules.
/// </summary>
public sealed class ChainGraph
{
    public Table Table { get; }
    // one node per chain name; when a name occurs twice, the later chain is the one looked up (as a name map would)
    private readonly ChainNameIndex _names;
    private readonly Chain[] _chains;
    private readonly bool[] _builtin; // per node: what the jump resolution reads instead of the (cold) chain
    // jumps of node n (rules of its chain, in rule order, to chains that exist): _edges[_edgeStart[n] .. _edgeStart[n + 1]]
    private readonly int[] _edgeStart;
    private readonly int[] _edges;
    private readonly HookSet[] _hooks;
    // per chain of Table.Chains (by position): its node; and per rule of it (from _ruleStart[chain]) the node its -j/-g names, or -1
    // (not a jump, or to a chain that does not exist): each name is looked up once, here, and the validator reads the answers
    private readonly int[] _nodeOfChain;
    private readonly int[] _ruleStart;
    private readonly int[] _callee;
    // per rule, what the load-time checks need to know of it without reading it again (see IsQuietAt)
    private readonly byte[] _loadChecks;
    private readonly List<int> _builtins = new(5);
    private Dictionary<string, List<Rule>>? _callers;
    public IReadOnlyList<IReadOnlyList<string>> Loops { get; }

    public ChainGraph(Table table)
    {
        Table = table;
        var chains = table.Chains;
        int total = chains.Count;
        // what the graph needs of each chain — its name's key, its rule count, whether it is builtin — read in one pass over
        // the chains, a large table's in parts on two threads (40,000 chains and their names, spread over the parse's memory:
        // the pass mostly waits for them); then the names are numbered in order, from the index's own arrays
        _names = new ChainNameIndex(total);
        _ruleStart = new int[total + 1];
        var builtinAt = new bool[total];
        void Read(int from, int to)
        {
            for (int ci = from; ci < to; ci++)
            {
                var c = chains[ci];
                _names.SetName(ci, c.Name);
                _ruleStart[ci] = c.RuleCount;
                builtinAt[ci] = c.IsBuiltin;
            }
        }
        TwoThreads.ForEachRange(total, TwoThreads.PartsOf(total, TwoThreadChains, ChainsPerPart), (_, from, to) => Read(from, to));
        _names.Build();
        int count = _names.Count, ruleCount = 0;
        // arrays made once at their size (a name occurring twice, which leaves fewer nodes than chains, is rare)
        var nodeChains = new Chain[count];
        var chainOfNode = new int[count];
        _builtin = new bool[count];
        _nodeOfChain = new int[total];
        for (int ci = 0; ci < total; ci++)
        {
            int rules = _ruleStart[ci];
            _ruleStart[ci] = ruleCount;
            ruleCount += rules;
            // when a name occurs twice, its node is the later chain's
            int n = _names.NodeAt(ci);
            nodeChains[n] = chains[ci]; chainOfNode[n] = ci; _builtin[n] = builtinAt[ci];
            _nodeOfChain[ci] = n;
            if (builtinAt[ci]) _builtins.Add(ci);
        }
        _ruleStart[total] = ruleCount;
        _chains = nodeChains;
        _callee = new int[ruleCount];
        _loadChecks = new byte[ruleCount];
        // one name lookup per jump, in a table of all the chains: most of the graph's time on a large table, so a large
        // one has its chains resolved in parts on two threads (the name table is only read from here on). It is the
        // one pass that reads the rules: what the load-time checks need of each is noted on the way
        var parts = Parts;
        if (parts.Length > 2) TwoThreads.ForEachPart(parts.Length - 1, k => ResolveJumps(parts[k], parts[k + 1]));
        else ResolveJumps(0, chains.Count);
        _edgeStart = new int[count + 1];
        // at most one jump per rule: the array is kept with its unused end rather than copied to the exact size
        var edges = new int[ruleCount];
        int edgeCount = 0;
        for (int n = 0; n < count; n++)
        {
            _edgeStart[n] = edgeCount;
            int at = _ruleStart[chainOfNode[n]], end = _ruleStart[chainOfNode[n] + 1];
            for (int r = at; r < end; r++)
                if (_callee[r] >= 0) edges[edgeCount++] = _callee[r];
        }
        _edgeStart[count] = edgeCount;
        _edges = edges;

        // reachability: propagate hooks from builtin chains through jumps (breadth first, as the kernel's
        // mark_source_chains walks every path from each hook)
        _hooks = new HookSet[count];
        var work = new Queue<int>();
        foreach (int ci in _builtins) { int n = _nodeOfChain[ci]; _hooks[n] |= chains[ci].Hook!.Value.AsSet(); work.Enqueue(n); }
        while (work.Count > 0)
        {
            int n = work.Dequeue();
            var hs = _hooks[n];
            for (int e = _edgeStart[n]; e < _edgeStart[n + 1]; e++)
            {
                int t = _edges[e];
                var old = _hooks[t];
                if ((old | hs) != old) { _hooks[t] = old | hs; work.Enqueue(t); }
            }
        }
        Loops = FindLoops();
    }

    /// <summary>The positions in <see cref="Model.Table.Chains"/> of the builtin chains.</summary>
    public IReadOnlyList<int> BuiltinPositions => _builtins;

    /// <summary>A table with at least this many rules has its per-rule work (jumps here, checks in the validator) done on two threads.</summary>
    internal const int TwoThreadRules = 40_000;

    /// <summary>A table with at least this many chains has them read in parts on two threads, about <see cref="ChainsPerPart"/> a part.</summary>
    private const int TwoThreadChains = 10_000, ChainsPerPart = 2048;

    /// <summary>About this many rules make one part of that work (a few hundred microseconds of it).</summary>
    private const int RulesPerPart = 4096;

    private int[]? _parts;

    /// <summary>
    /// How a table's chains are cut into parts for two threads (<see cref="TwoThreads.ForEachPart"/>): part k is the chains
    /// at positions [Parts[k], Parts[k + 1]), each part about <see cref="RulesPerPart"/> rules. One part, all the chains, for
    /// a table of fewer than <see cref="TwoThreadRules"/> rules.
    /// </summary>
    internal int[] Parts => _parts ??= CutParts(_ruleStart, TwoThreadRules, RulesPerPart);

    /// <summary>Chain positions cutting the rules counted by <paramref name="ruleStart"/> (one more entry than chains) into parts of about <paramref name="perPart"/> rules.</summary>
    internal static int[] CutParts(int[] ruleStart, int minRules, int perPart)
    {
        int chains = ruleStart.Length - 1, rules = ruleStart[^1];
        int count = rules < minRules ? 1 : Math.Max(1, rules / perPart);
        var cuts = new int[count + 1];
        for (int k = 1; k < count; k++)
        {
            // the first chain whose rules start at or after k/count of them
            int ci = Array.BinarySearch(ruleStart, 0, chains, (int)((long)rules * k / count));
            if (ci < 0) ci = ~ci;
            else while (ci > 0 && ruleStart[ci - 1] == ruleStart[ci]) ci--; // the first of empty chains starting there
            cuts[k] = Math.Max(cuts[k - 1], Math.Min(ci, chains));
        }
        cuts[count] = chains;
        return cuts;
    }

    /// <summary>
    /// The node each rule of the chains at [<paramref name="from"/>, <paramref name="to"/>) jumps or goes to (-1: not a jump,
    /// or no such chain), and what the load-time checks need of it.
    /// </summary>
    /// <remarks>
    /// The rules are taken <see cref="Batch"/> at a time (<see cref="ResolveBatch"/>): on a large table each rule, its target,
    /// its jump's name in the file and the index's slot and name are cache misses, one after the other for one rule, and
    /// a rule at a time they were waited for one by one.
    /// </remarks>
    private void ResolveJumps(int from, int to)
    {
        var chains = Table.Chains;
        var batch = new Batch();
        for (int ci = from; ci < to; ci++)
        {
            var chain = chains[ci];
            int at = _ruleStart[ci], count = chain.RuleCount;
            for (int i = 0; i < count; i++)
            {
                var rule = chain.RuleAt(i);
                Prefetch.Object(rule, RuleBytes);
                batch.Rules[batch.Count] = rule;
                batch.At[batch.Count] = at + i;
                if (++batch.Count == Batch.Size) ResolveBatch(batch);
            }
        }
        if (batch.Count > 0) ResolveBatch(batch);
    }

    // how much of a rule and of a jump the resolution reads (their objects' sizes: 80 and 40 bytes, see ObjectSizeTests)
    private const int RuleBytes = 80, JumpBytes = 40;

    /// <summary>Rules taken together by <see cref="ResolveJumps"/>, with their positions among the table's rules.</summary>
    private sealed class Batch
    {
        public const int Size = 32;
        // (the rules' targets are read from the rules again in each step, not kept: a store into an array of Target, which
        // is not sealed, is a type check and a write barrier each)
        public readonly Rule[] Rules = new Rule[Size];
        public readonly int[] At = new int[Size];
        public readonly int[] Hashes = new int[Size];
        public readonly Vector256<byte>[] Keys = new Vector256<byte>[Size];
        public int Count;
    }

    /// <summary>
    /// The rules of <paramref name="b"/> resolved in steps, each step over all of them, each step asking for what the next
    /// reads (<see cref="Prefetch"/>): their targets; the bytes of the jumps' names; the index's first slot for each name;
    /// the packed name in that slot; then the lookups themselves. Empties the batch.
    /// </summary>
    private void ResolveBatch(Batch b)
    {
        int n = b.Count;
        var rules = b.Rules;
        for (int k = 0; k < n; k++) Prefetch.Object(rules[k].Target, JumpBytes);
        for (int k = 0; k < n; k++)
            if (rules[k].Target is JumpTarget j && j.TryGetAsciiName(out var name)) Prefetch.Bytes(name);
        for (int k = 0; k < n; k++)
        {
            // a name parsed from an ASCII line is looked up as its bytes in the file (it is not made a string)
            if (rules[k].Target is JumpTarget j && j.TryGetAsciiName(out var name))
            {
                b.Hashes[k] = ChainNameIndex.KeyOf(name, out b.Keys[k]);
                if (b.Keys[k] != ChainNameIndex.NotPacked) _names.PrefetchSlot(b.Hashes[k]);
            }
            else b.Keys[k] = ChainNameIndex.NotPacked;
        }
        for (int k = 0; k < n; k++)
            if (b.Keys[k] != ChainNameIndex.NotPacked) _names.PrefetchName(b.Hashes[k]);
        var table = Table.Name;
        for (int k = 0; k < n; k++)
        {
            var t = rules[k].Target;
            int callee = -1;
            // a rule the checks pass without a look: only plain matches, and a target that is no jump to a missing or
            // builtin chain, known, valid in this table (and not DROP in nat); left to check then is the target's hooks
            bool quiet = rules[k].OnlyPlainMatches;
            var hooks = HookSet.All;
            if (t is JumpTarget j)
            {
                callee = b.Keys[k] != ChainNameIndex.NotPacked ? _names.Find(b.Keys[k], b.Hashes[k])
                    : j.TryGetAsciiName(out var name) ? _names.Find(name) : _names.Find(j.Chain);
                quiet &= callee >= 0 && !_builtin[callee];
            }
            else if (t is not null)
            {
                quiet &= !RulesetValidator.TargetNeedsLook(t, table);
                hooks = t.AllowedHooks;
            }
            _callee[b.At[k]] = callee;
            _loadChecks[b.At[k]] = (byte)((byte)hooks | (quiet ? 0 : NeedsLook));
        }
        b.Count = 0; // the rules are left in the array (the table holds them anyway) until the next batch overwrites them
    }

    private const byte NeedsLook = 0x80; // above the five hook bits of a HookSet

    /// <summary>
    /// Whether the load-time checks have nothing to say about rule <paramref name="ruleIndex"/> of the chain at
    /// <paramref name="chainIndex"/>, which is reached from <paramref name="hooks"/>: its matches are all plain, its target
    /// is known, valid in this table and usable from those hooks, and a jump goes to a user chain that exists. Read from
    /// what the graph noted when it resolved the jumps, without reading the rule.
    /// </summary>
    internal bool IsQuietAt(int chainIndex, int ruleIndex, HookSet hooks)
    {
        byte b = _loadChecks[_ruleStart[chainIndex] + ruleIndex];
        return (b & NeedsLook) == 0 && (hooks == HookSet.None || ((HookSet)b & hooks) == hooks);
    }

    public Chain? this[string name] => _names.Find(name) is var n and >= 0 ? _chains[n] : null;

    /// <summary>The rules (of any chain) that jump or go to this chain, in table order.</summary>
    public IReadOnlyList<Rule> Callers(string chain) => (_callers ??= BuildCallers()).TryGetValue(chain, out var l) ? l : [];

    public HookSet HooksOf(string chain) => _names.Find(chain) is var n and >= 0 ? _hooks[n] : HookSet.None;

    /// <summary>As <see cref="HooksOf"/> for the chain at position <paramref name="chainIndex"/> of <see cref="Model.Table.Chains"/> (no name lookup).</summary>
    public HookSet HooksOfChainAt(int chainIndex) => _hooks[_nodeOfChain[chainIndex]];

    /// <summary>As <c>this[name]</c> for the chain that rule <paramref name="ruleIndex"/> of the chain at <paramref name="chainIndex"/> jumps to (null: not a jump, or no such chain).</summary>
    public Chain? CalleeAt(int chainIndex, int ruleIndex) => _callee[_ruleStart[chainIndex] + ruleIndex] is var n and >= 0 ? _chains[n] : null;

    public bool Exists(string chain) => _names.Find(chain) >= 0;

    private Dictionary<string, List<Rule>> BuildCallers()
    {
        var callers = new Dictionary<string, List<Rule>>(_chains.Length, StringComparer.Ordinal);
        foreach (var c in Table.Chains) callers[c.Name] = new List<Rule>();
        foreach (var c in Table.Chains)
            foreach (var r in c.Rules)
                if (r.Target is JumpTarget j && callers.TryGetValue(j.Chain, out var list)) list.Add(r);
        return callers;
    }

    /// <summary>Longest chain of nested user-chain jumps below a builtin chain (iptables-nft refuses more than 15).</summary>
    public int MaxDepth(string chain) => _names.Find(chain) is var n and >= 0 ? MaxDepthOf(n) : throw new KeyNotFoundException(chain);

    /// <summary>As <see cref="MaxDepth"/> for the chain at position <paramref name="chainIndex"/> of <see cref="Model.Table.Chains"/> (no name lookup).</summary>
    public int MaxDepthAt(int chainIndex) => MaxDepthOf(_nodeOfChain[chainIndex]);

    private int MaxDepthOf(int start)
    {
        // Depth(n) = max over n's jumps of 1 + Depth(target), where a chain already on the current path counts 0
        // and a chain finished earlier in this call keeps its value; walked with an explicit stack so that a
        // ruleset nested thousands deep cannot overflow the thread's stack.
        // without loops a chain's depth does not depend on the path that reached it, so what one call found holds for the
        // next (a kube-proxy nat table's PREROUTING and OUTPUT both reach all its 40,000 chains through KUBE-SERVICES);
        // with a loop, each call starts afresh. A value in the memo is final once written, so calls may share it.
        var memo = Loops.Count == 0 ? _depths ??= NewMemo() : NewMemo();
        if (memo[start] >= 0) return memo[start];
        var onPath = new bool[_chains.Length];
        var stack = new List<(int Node, int Edge, int Best)>();
        onPath[start] = true;
        stack.Add((start, _edgeStart[start], 0));
        int result = 0;
        while (stack.Count > 0)
        {
            var (n, e, best) = stack[^1];
            if (e < _edgeStart[n + 1])
            {
                int t = _edges[e];
                stack[^1] = (n, e + 1, best);
                if (memo[t] >= 0) stack[^1] = (n, e + 1, Math.Max(best, 1 + memo[t]));
                else if (onPath[t]) stack[^1] = (n, e + 1, Math.Max(best, 1));
                else { onPath[t] = true; stack.Add((t, _edgeStart[t], 0)); }
                continue;
            }
            stack.RemoveAt(stack.Count - 1);
            onPath[n] = false;
            memo[n] = best;
            if (stack.Count == 0) { result = best; break; }
            var (pn, pe, pbest) = stack[^1];
            stack[^1] = (pn, pe, Math.Max(pbest, 1 + best));
        }
        return result;
    }

    private int[]? _depths;

    private int[] NewMemo()
    {
        var memo = new int[_chains.Length];
        Array.Fill(memo, -1);
        return memo;
    }

    /// <summary>Every cycle a depth-first search from each chain in table order meets, as chain names (first name repeated at the end).</summary>
    private List<IReadOnlyList<string>> FindLoops()
    {
        var loops = new List<IReadOnlyList<string>>();
        int count = _chains.Length;
        var color = new byte[count]; // 0 unseen, 1 on the current path, 2 done
        // the nesting depth of every chain, found on the way (MaxDepth): when the search meets no loop, a chain is done only
        // after every chain it jumps to, so its depth is 1 + the greatest of theirs; with a loop the values are dropped
        var depth = new int[count];
        var pathPos = new int[count];
        var path = new List<int>();
        var stack = new List<(int Node, int Edge)>();
        for (int ci = 0; ci < Table.Chains.Count; ci++)
        {
            int root = _nodeOfChain[ci];
            if (color[root] != 0) continue;
            color[root] = 1; pathPos[root] = path.Count; path.Add(root);
            stack.Add((root, _edgeStart[root]));
            while (stack.Count > 0)
            {
                var (n, e) = stack[^1];
                if (e < _edgeStart[n + 1])
                {
                    stack[^1] = (n, e + 1);
                    int t = _edges[e];
                    if (color[t] == 1)
                    {
                        var cycle = new List<string>(path.Count - pathPos[t] + 1);
                        for (int i = pathPos[t]; i < path.Count; i++) cycle.Add(_chains[path[i]].Name);
                        cycle.Add(_chains[t].Name);
                        loops.Add(cycle);
                    }
                    else if (color[t] == 0)
                    {
                        color[t] = 1; pathPos[t] = path.Count; path.Add(t);
                        stack.Add((t, _edgeStart[t]));
                    }
                    continue;
                }
                stack.RemoveAt(stack.Count - 1);
                path.RemoveAt(path.Count - 1);
                color[n] = 2;
                if (loops.Count == 0)
                {
                    int best = 0;
                    for (int k = _edgeStart[n]; k < _edgeStart[n + 1]; k++) best = Math.Max(best, 1 + depth[_edges[k]]);
                    depth[n] = best;
                }
            }
        }
        if (loops.Count == 0) _depths = depth;
        return loops;
    }
}
