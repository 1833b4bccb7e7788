using Nfwalk.Diagnostics;

namespace Nfwalk.Model.Scenario;

/// <summary>A shared L2 segment (the nodes' uplink): a frame sent out of one member reaches the member owning the next-hop address.</summary>
public sealed record SharedNetwork(string Name, IReadOnlyList<InterfaceRef> Members, SourceLocation Location);
