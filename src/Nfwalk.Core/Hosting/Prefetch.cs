using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Nfwalk.Hosting;

/// <summary>
/// Hints that ask the processor to bring memory into its caches before it is read (PREFETCHT0), so that a pass over many
/// scattered objects can have their cache misses overlap instead of waiting for each in turn. A hint never faults and
/// changes no result: an address that has meanwhile moved (a collection) or is not mapped is simply not fetched. On a
/// processor without the instruction, nothing is done.
/// </summary>
internal static unsafe class Prefetch
{
    /// <summary>The cache line of <paramref name="at"/> (an array element, a field).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Of<T>(ref T at)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref at));
    }

    /// <summary>The first <paramref name="bytes"/> bytes of the object <paramref name="o"/> (its header and fields), if any.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Object(object? o, int bytes)
    {
        if (o is null || !Sse.IsSupported) return;
        byte* p = *(byte**)Unsafe.AsPointer(ref o);
        Sse.Prefetch0(p);
        if (bytes > 64 - ((nint)p & 63)) Sse.Prefetch0(p + bytes - 1);
    }

    /// <summary>The lines of <paramref name="span"/>'s first and last bytes (a short span: a name, a word).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Bytes(ReadOnlySpan<byte> span)
    {
        if (span.IsEmpty || !Sse.IsSupported) return;
        ref byte first = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span);
        Sse.Prefetch0(Unsafe.AsPointer(ref first));
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref first, span.Length - 1)));
    }
}
