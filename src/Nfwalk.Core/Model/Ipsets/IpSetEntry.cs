using System.Text;
using Nfwalk.Diagnostics;

namespace Nfwalk.Model.Ipsets;

/// <summary>
/// One element of a set: a typed value per dimension (in the type's order) plus the per-element flags and extensions
/// ipset save prints after it, in ipset's order: timeout, nomatch, wildcard, packets, bytes, comment,
/// skbinfo.
/// </summary>
public sealed record IpSetEntry
{
    public required IReadOnlyList<IpSetValue> Values { get; init; }
    /// <summary>"nomatch": a lookup that lands on this element answers "not in the set" (-ENOTEMPTY in the kernel).</summary>
    public bool NoMatch { get; init; }
    /// <summary>Seconds left when the dump was taken (0 = permanent); null when the set has no timeout extension.</summary>
    public uint? Timeout { get; init; }
    public ulong? Packets { get; init; }
    public ulong? Bytes { get; init; }
    public string? Comment { get; init; }
    public IpSetSkbInfo? SkbInfo { get; init; }
    public IReadOnlyList<IpSetOption> UnknownOptions { get; init; } = [];
    public SourceLocation Location { get; init; } = SourceLocation.None;

    public IpSetValue this[int dimension] => Values[dimension];

    /// <summary>The element as ipset prints it ("10.0.0.0/24,tcp:80"); a MAC not yet learnt is left out.</summary>
    public string ElementText
    {
        get
        {
            var sb = new StringBuilder();
            foreach (var v in Values)
            {
                if (v is IpSetMacValue { Mac: null }) continue;
                if (sb.Length > 0) sb.Append(',');
                sb.Append(v);
            }
            return sb.ToString();
        }
    }

    /// <summary>The element followed by its options, as in an "add" line of ipset save.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(ElementText);
        if (Timeout is { } t) sb.Append(" timeout ").Append(t);
        if (NoMatch) sb.Append(" nomatch");
        if (Values.Any(v => v is IpSetIfaceValue { Wildcard: true })) sb.Append(" wildcard");
        if (Packets is { } p) sb.Append(" packets ").Append(p);
        if (Bytes is { } b) sb.Append(" bytes ").Append(b);
        if (Comment is { } c) sb.Append(" comment \"").Append(c).Append('"');
        if (SkbInfo is { } s && s.ToString() is { Length: > 0 } st) sb.Append(' ').Append(st);
        foreach (var o in UnknownOptions) sb.Append(' ').Append(o);
        return sb.ToString();
    }
}
