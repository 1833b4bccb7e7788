using Nfwalk.Diagnostics;

namespace Nfwalk.Model.Scenario;

/// <summary>"host:interface" — one end of a link, or a member of a shared network.</summary>
public sealed record InterfaceRef(string Host, string Interface, SourceLocation Location)
{
    public override string ToString() => $"{Host}:{Interface}";
}
