using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Ipsets;

/// <summary>
/// One ipset: name, type, family, create options and elements (in input order; a hash dump's order is the kernel's
/// bucket order and carries no meaning, a list:set's order is its lookup order).
/// </summary>
public sealed class IpSet
{
    public required string Name { get; init; }
    public required IpSetType Type { get; init; }
    /// <summary>inet (V4) or inet6 (V6); null for NFPROTO_UNSPEC sets (bitmap:port, hash:mac, list:set).</summary>
    public IpFamily? Family { get; init; }
    public IpSetCreateOptions Options { get; init; } = new();
    public IReadOnlyList<IpSetEntry> Entries { get; init; } = [];
    public SourceLocation Location { get; init; } = SourceLocation.None;

    public bool HasCounters => Options.Counters;
    public bool HasTimeout => Options.Timeout is not null;

    public IpSet WithEntries(IReadOnlyList<IpSetEntry> entries) => new()
    {
        Name = Name, Type = Type, Family = Family, Options = Options, Entries = entries, Location = Location,
    };

    /// <summary>The "create" line as ipset save prints it.</summary>
    public string CreateLine
    {
        get
        {
            var opts = Options.Format(Type, Family);
            return opts.Length == 0 ? $"create {Name} {Type.Name}" : $"create {Name} {Type.Name} {opts}";
        }
    }

    public override string ToString() => $"{Name} ({Type.Name}{(Family is { } f ? f == IpFamily.V6 ? " inet6" : " inet" : "")}, {Entries.Count} element{(Entries.Count == 1 ? "" : "s")})";
}
