namespace Nfwalk.Semantics.Fabric;

/// <summary>Where a packet that left a host arrives: a host and the interface it is received on, and how it got there.</summary>
public sealed record Arrival(FabricHost Host, string Interface, string Via);
