using Nfwalk.Diagnostics;

namespace Nfwalk.Model.Scenario;

/// <summary>A transparent proxy listening on a host (where TPROXY/REDIRECT delivers), e.g. ztunnel's 15001/15006/15008.</summary>
public sealed record ProxySpec(ushort Port, ProxyKind Kind, SourceLocation Location)
{
    public string KindName => Kind switch
    {
        ProxyKind.ZtunnelOutbound => "ztunnel-outbound",
        ProxyKind.ZtunnelInbound => "ztunnel-inbound",
        ProxyKind.ZtunnelHbone => "ztunnel-hbone",
        _ => "plain",
    };
}
