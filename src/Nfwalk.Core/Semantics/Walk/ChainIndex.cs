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
    private readonly List<(int End, Dictionary<IpAddress, int> First)> _runs = new();

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
                _runs.Add((j, first));
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
        var (end, first) = _runs[run];
        if (first.TryGetValue(destination, out var k))
            for (; k >= 0; k = _nextSame[k]) if (k >= i) return k;
        return end;
    }
}
