namespace Nfwalk.Model.Ipsets;

/// <summary>
/// The skbinfo extension of an element ("skbmark 0x10/0xff skbprio 1:2 skbqueue 3"). Only the SET target with
/// --map-set reads it; -m set lookups ignore it.
/// </summary>
public sealed record IpSetSkbInfo
{
    public uint? Mark { get; init; }
    public uint MarkMask { get; init; } = uint.MaxValue;
    /// <summary>tc priority major:minor, as major&lt;&lt;16 | minor.</summary>
    public uint? Priority { get; init; }
    public ushort? Queue { get; init; }

    /// <summary>The options in ipset's order: "skbmark 0x10[/0xff] skbprio a:b skbqueue n" (priority halves in hex).</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Mark is { } m) parts.Add(MarkMask == uint.MaxValue ? $"skbmark 0x{m:x}" : $"skbmark 0x{m:x}/0x{MarkMask:x}");
        if (Priority is { } p) parts.Add($"skbprio {p >> 16:x}:{p & 0xffff:x}");
        if (Queue is { } q) parts.Add($"skbqueue {q}");
        return string.Join(' ', parts);
    }
}
