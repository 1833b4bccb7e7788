using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// Asks the processor for the memory a walk is about to read, so that several cache misses are served at once instead of
/// one after the other. Only a hint: it changes no value and faults on no address, and an array the collector has moved
/// since makes it useless, not wrong (it is only ever given arrays the walk holds).
/// </summary>
internal static class Prefetch
{
    /// <summary>
    /// The first kilobyte of a chain's rule heads, from the array's start (a chain's heads are followed by the objects its
    /// shortcuts use and then, in walk order, by the heads of its first callee: <see cref="CompiledChain.PackHeads"/>).
    /// Nothing of the array is read here — not even its header.
    /// </summary>
    public static unsafe void Heads(RuleHead[] heads)
    {
        if (!Sse.IsSupported) return;
        byte* p = (byte*)Unsafe.As<RuleHead[], nint>(ref heads);
        for (int k = 0; k < 1024; k += 64) Sse.Prefetch0(p + k);
    }
}
