using Nfwalk.Model;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// A lookup index over runs of consecutive rules that each require one exact destination address (a plain "-d a.b.c.d/32",
/// as kube-proxy's KUBE-SERVICES has thousands of). Inside such a run only the rules whose address equals the packet's
/// destination can match, so the walk visits just those, in their original order; every other rule is skipped exactly
/// as the straightforward scan would reject it on its -d test. Targets cannot change the destination inside a chain
/// (NAT targets end the chain), so the answer is identical to evaluating every rule.
/// </summary>
internal sealed class ChainIndex
{
    private const int MinRun = 16;

    // for each rule index: the run it belongs to, or -1; and the next rule of its run with the same destination, or -1
    private readonly int[] _runOf;
    private readonly int[] _nextSame;
    // per run: its end and the first rule for each destination
    private readonly List<(int End, Dictionary<IpAddress, int> First, V4Map? V4)> _runs = new();

    /// <summary>Built once per chain by <see cref="CompiledChain"/> (no per-chain weak cache: the garbage collector scans every entry).</summary>
    public ChainIndex(Chain chain)
    {
        var rules = chain.Rules;
        _runOf = new int[rules.Count];
        _nextSame = new int[rules.Count];
        Array.Fill(_runOf, -1);
        Array.Fill(_nextSame, -1);
        int i = 0;
        while (i < rules.Count)
        {
            if (ExactDestination(rules[i]) is null) { i++; continue; }
            int j = i;
            while (j < rules.Count && ExactDestination(rules[j]) is not null) j++;
            if (j - i >= MinRun)
            {
                var first = new Dictionary<IpAddress, int>(j - i);
                var last = new Dictionary<IpAddress, int>(j - i);
                for (int k = i; k < j; k++)
                {
                    var d = ExactDestination(rules[k])!.Value;
                    if (last.TryGetValue(d, out var prev)) _nextSame[prev] = k; else first[d] = k;
                    last[d] = k;
                    _runOf[k] = _runs.Count;
                }
                _runs.Add((j, first, V4Map.TryCreate(first)));
            }
            i = j;
        }
    }

    public bool HasRuns => _runs.Count > 0;

    private static IpAddress? ExactDestination(Rule r)
    {
        // only when every match the kernel tests before the -d is a pure header test: skipping the rule must skip no side effect
        foreach (var m in r.Matches)
        {
            if (m is AddressMatch { Direction: Direction.Destination, Negated: false } a && a.Prefix.IsHost) return a.Prefix.Address;
            if (m is not (AddressMatch or InterfaceMatch or ProtocolMatch or FragmentMatch or CommentMatch)) return null;
        }
        return null;
    }

    /// <summary>The next rule index at or after <paramref name="i"/> that can match a packet to <paramref name="destination"/>.</summary>
    public int Next(int i, IpAddress destination)
    {
        if (i >= _runOf.Length) return i;
        int run = _runOf[i];
        if (run < 0) return i;
        var (end, first, v4) = _runs[run];
        int k;
        if (v4 is not null) k = destination.IsV4 ? v4.Find(destination.V4) : -1;
        else if (!first.TryGetValue(destination, out k)) k = -1;
        for (; k >= 0; k = _nextSame[k]) if (k >= i) return k;
        return end;
    }

    /// <summary>
    /// Once the chain's heads are in place (<see cref="CompiledTable"/>): each indexed rule that a head can jump from is
    /// given its callee's heads, so that a lookup that finds the rule asks for them at once (<see cref="V4Map.Find"/>).
    /// </summary>
    public void LinkCallees(RuleHead[] heads)
    {
        foreach (var (_, _, v4) in _runs) v4?.LinkCallees(heads);
    }

    /// <summary>
    /// The first-rule map of an all-IPv4 run as one open-addressed array of (address, rule) words: a lookup reads one or two
    /// adjacent slots instead of a dictionary's bucket and entry (the lookup is a cache miss per walk on a big chain).
    /// A slot also holds the heads of the chain its rule jumps to, when its head takes the jump itself: a lookup that
    /// finds the rule asks the processor for them while the rule's own head is read (kube-proxy: KUBE-SERVICES' rule for
    /// the address and its KUBE-SVC-X chain arrive together, not one after the other).
    /// </summary>
    private sealed class V4Map
    {
        private struct Slot
        {
            public ulong Key; // address << 32 | rule + 1; 0 = empty
            public RuleHead[]? Callee;
        }

        private readonly Slot[] _slots;
        private readonly int _mask;

        private V4Map(Slot[] slots) { _slots = slots; _mask = slots.Length - 1; }

        public static V4Map? TryCreate(Dictionary<IpAddress, int> first)
        {
            foreach (var a in first.Keys) if (!a.IsV4) return null;
            int cap = 4;
            while (cap < first.Count * 2) cap <<= 1;
            var slots = new Slot[cap];
            foreach (var (a, rule) in first)
            {
                int h = SlotOf(a.V4, cap - 1);
                while (slots[h].Key != 0) h = (h + 1) & (cap - 1);
                slots[h].Key = ((ulong)a.V4 << 32) | (uint)(rule + 1);
            }
            return new V4Map(slots);
        }

        public void LinkCallees(RuleHead[] heads)
        {
            for (int h = 0; h < _slots.Length; h++)
                if (_slots[h].Key != 0) _slots[h].Callee = heads[(int)(uint)_slots[h].Key - 1].JumpHeads;
        }

        private static int SlotOf(uint address, int mask) => (int)(((ulong)address * 0x9E3779B97F4A7C15UL) >> 32) & mask;

        /// <summary>The first rule for this address, or -1.</summary>
        public int Find(uint address)
        {
            for (int h = SlotOf(address, _mask); ; h = (h + 1) & _mask)
            {
                ref readonly var s = ref _slots[h];
                if (s.Key == 0) return -1;
                if ((uint)(s.Key >> 32) == address)
                {
                    if (s.Callee is { } callee) Prefetch.Heads(callee);
                    return (int)(uint)s.Key - 1;
                }
            }
        }
    }
}
