namespace Nfwalk.Model.Scenario;

/// <summary>What a transparent proxy does with a connection it accepts (docs/scenario.md, "Proxy kinds").</summary>
public enum ProxyKind : byte
{
    /// <summary>ztunnel's outbound listener (15001): HBONE to the destination pod's 15008 for a mesh destination, else passthrough.</summary>
    ZtunnelOutbound,
    /// <summary>ztunnel's plaintext inbound listener (15006): connects to the original destination.</summary>
    ZtunnelInbound,
    /// <summary>ztunnel's HBONE listener (15008): connects to the CONNECT target.</summary>
    ZtunnelHbone,
    /// <summary>An ordinary server: the connection ends here.</summary>
    Plain,
}
