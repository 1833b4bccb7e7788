using System.Buffers;
using System.Runtime.Intrinsics;
using System.Text;
using Nfwalk.Hosting;

namespace Nfwalk.Semantics.Analysis;

/// <summary>
/// The chain names of one table, for the chain graph's jump resolution: each name (by its position among the table's
/// chains) to a node number, a distinct name being a node of its own, numbered in order of first appearance.
/// </summary>
/// <remarks>
/// A jump's lookup is the graph's hottest work on a large table (a 10,000-service kube-proxy nat table: 40,000 chains,
/// 70,000 jumps). A name dictionary compares the name looked up with its own copy of the name, a string somewhere in the
/// parse's 50 MB — a cache miss per jump. Here the names that fit (ASCII, at most 31 characters: every chain name
/// iptables accepts, whose limit is 28) are kept inside the index itself, packed as 32 bytes each (the characters, zeros,
/// the length in the last byte), next to each other, so that a lookup reads only the name it looks up and the index's
/// own arrays. A name that does not fit is compared as a string. The hash is seeded per process (<see cref="HashCode"/>),
/// so no input can be made to collide on purpose; equal hashes are always confirmed by comparing the names.
/// Positions are given their names first, from any thread for distinct positions (<see cref="SetName"/>), and then
/// indexed once, in order (<see cref="Build"/>).
/// </remarks>
internal sealed class ChainNameIndex
{
    private readonly string[] _strings;          // per position: the name (read only for names that do not fit)
    private readonly Vector256<byte>[] _packed;  // per position: the packed name, or all ones (no packed name has a last byte > 31)
    private readonly int[] _hashes;              // per position
    private readonly int[] _nodeOf;              // per position: its node (after Build)
    private Slot[] _slots = [];                  // open addressing, linear probing: (hash, first position of the name + 1; 0 empty)
    private int _mask;

    private struct Slot { public int Hash; public int Position; }

    public ChainNameIndex(int positions)
    {
        _strings = new string[positions];
        _packed = new Vector256<byte>[positions];
        _hashes = new int[positions];
        _nodeOf = new int[positions];
    }

    /// <summary>How many distinct names (nodes) there are, once built.</summary>
    public int Count { get; private set; }

    /// <summary>The name of the chain at <paramref name="position"/>; threads may set distinct positions at the same time.</summary>
    public void SetName(int position, string name)
    {
        _strings[position] = name;
        _hashes[position] = Key(name, out _packed[position]);
    }

    /// <summary>Numbers the names, in position order: a name met before gets the node of its first position.</summary>
    public void Build()
    {
        int n = _nodeOf.Length;
        int size = (int)Math.Max(4, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(n + n / 2 + 1)));
        var slots = _slots = new Slot[size];
        _mask = size - 1;
        int count = 0;
        for (int p = 0; p < n; p++)
        {
            int h = _hashes[p];
            for (int i = h & _mask; ; i = (i + 1) & _mask)
            {
                ref var s = ref slots[i];
                if (s.Position == 0) { s.Hash = h; s.Position = p + 1; _nodeOf[p] = count++; break; }
                if (s.Hash == h && Same(s.Position - 1, p)) { _nodeOf[p] = _nodeOf[s.Position - 1]; break; }
            }
        }
        Count = count;
    }

    /// <summary>The node of the chain at <paramref name="position"/>.</summary>
    public int NodeAt(int position) => _nodeOf[position];

    /// <summary>The node of the name, or -1 when no chain has it.</summary>
    public int Find(string name)
    {
        int h = Key(name, out var packed);
        if (packed != Vector256<byte>.AllBitsSet) return Find(packed, h);
        var slots = _slots;
        for (int i = h & _mask; ; i = (i + 1) & _mask)
        {
            var s = slots[i];
            if (s.Position == 0) return -1;
            int p = s.Position - 1;
            if (s.Hash == h && _packed[p] == Vector256<byte>.AllBitsSet && string.Equals(_strings[p], name)) return _nodeOf[p];
        }
    }

    /// <summary>As <see cref="Find(string)"/> for a name given as its ASCII bytes (a jump's, see <see cref="Model.Targets.JumpTarget"/>).</summary>
    public int Find(ReadOnlySpan<byte> ascii)
    {
        int h = KeyOf(ascii, out var packed);
        return packed == Vector256<byte>.AllBitsSet ? Find(Encoding.UTF8.GetString(ascii)) : Find(packed, h);
    }

    /// <summary>What <see cref="KeyOf"/> gives for a name that is not packed (all ones: no packed name has a last byte above 31).</summary>
    public static readonly Vector256<byte> NotPacked = Vector256<byte>.AllBitsSet;

    /// <summary>
    /// The hash and packed form of a name given as bytes, for a lookup in steps (<see cref="PrefetchSlot"/>,
    /// <see cref="PrefetchName"/>, <see cref="Find(Vector256{byte}, int)"/>); all ones when the name does not fit (ASCII, at
    /// most 31 bytes): it is then looked up as a string.
    /// </summary>
    public static int KeyOf(ReadOnlySpan<byte> ascii, out Vector256<byte> packed)
    {
        if (ascii.Length > 31 || !Ascii.IsValid(ascii)) { packed = Vector256<byte>.AllBitsSet; return 0; }
        Span<byte> b = stackalloc byte[32];
        ascii.CopyTo(b);
        packed = Pack(b, ascii.Length);
        return Hash(packed);
    }

    /// <summary>Asks the processor for the slot a lookup of a name with hash <paramref name="h"/> reads first (a hint only).</summary>
    public void PrefetchSlot(int h) => Prefetch.Of(ref _slots[h & _mask]);

    /// <summary>Asks for the packed name of the chain in that first slot, when its hash is <paramref name="h"/> (a hint only).</summary>
    public void PrefetchName(int h)
    {
        var s = _slots[h & _mask];
        if (s.Position != 0 && s.Hash == h) Prefetch.Of(ref _packed[s.Position - 1]);
    }

    /// <summary>The node of a packed name (as <see cref="KeyOf"/> gives it, not all ones), or -1.</summary>
    public int Find(Vector256<byte> packed, int h)
    {
        var slots = _slots;
        for (int i = h & _mask; ; i = (i + 1) & _mask)
        {
            var s = slots[i];
            if (s.Position == 0) return -1;
            if (s.Hash == h && _packed[s.Position - 1] == packed) return _nodeOf[s.Position - 1];
        }
    }

    private bool Same(int p, int q)
    {
        var a = _packed[p];
        return a == _packed[q] && (a != Vector256<byte>.AllBitsSet || string.Equals(_strings[p], _strings[q]));
    }

    /// <summary>The name's hash, and the name packed (all ones when it does not fit).</summary>
    private static int Key(string name, out Vector256<byte> packed)
    {
        if (name.Length <= 31)
        {
            Span<byte> b = stackalloc byte[32];
            if (Ascii.FromUtf16(name, b, out _) == OperationStatus.Done)
            {
                packed = Pack(b, name.Length);
                return Hash(packed);
            }
        }
        packed = Vector256<byte>.AllBitsSet;
        return string.GetHashCode(name.AsSpan());
    }

    /// <summary>A packed name: the first <paramref name="length"/> (at most 31) bytes of <paramref name="b"/> (32 long), zeros after them, the length last.</summary>
    private static Vector256<byte> Pack(Span<byte> b, int length)
    {
        b[length..].Clear();
        b[31] = (byte)length;
        return Vector256.Create((ReadOnlySpan<byte>)b);
    }

    private static int Hash(Vector256<byte> packed)
    {
        var q = packed.AsUInt64();
        return HashCode.Combine(q.GetElement(0), q.GetElement(1), q.GetElement(2), q.GetElement(3));
    }
}
