using Nfwalk.Diagnostics;

namespace Nfwalk.Model.Ipsets;

/// <summary>An option nfwalk does not know, kept as written (name and optional value) so it can be printed back.</summary>
public sealed record IpSetOption(string Name, string? Value, SourceLocation Location)
{
    public override string ToString() => Value is null ? Name : $"{Name} {Value}";
}
