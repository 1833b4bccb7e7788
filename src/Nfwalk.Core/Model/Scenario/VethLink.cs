using Nfwalk.Diagnostics;

namespace Nfwalk.Model.Scenario;

/// <summary>A veth pair between two hosts: what leaves one end enters the other.</summary>
public sealed record VethLink(InterfaceRef A, InterfaceRef B, SourceLocation Location)
{
    public InterfaceRef? PeerOf(string host, string iface)
        => A.Host == host && A.Interface == iface ? B : B.Host == host && B.Interface == iface ? A : null;
}
