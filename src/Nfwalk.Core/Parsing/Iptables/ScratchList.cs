using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// A list a parser fills and empties for every rule (its base matches, its modules): emptied by setting its count to
/// zero, without clearing the slots (the references left in them are of objects of the parse, which the parse keeps
/// anyway, and are overwritten by the next rule), and filled without the type check a store into an array of a class that
/// is not sealed costs (the array is made here as exactly a T[]). A List was two of these per rule: an Array.Clear on
/// Clear and a type check on every Add.
/// </summary>
internal sealed class ScratchList<T>(int capacity)
{
    private T[] _items = new T[Math.Max(1, capacity)];

    public int Count { get; private set; }

    /// <summary>Forgets the items (their slots are reused, not cleared).</summary>
    public void Clear() => Count = 0;

    public void Add(T item)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_items), Count++) = item;
    }

    public ref T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_items), index);
        }
    }

    public Span<T> AsSpan() => _items.AsSpan(0, Count);
}
