namespace Nfwalk.Semantics.Fabric;

/// <summary>One packet of a connection (SYN, SYN-ACK, ACK, data) and its journey across the hosts.</summary>
public sealed record PacketLeg(string Label, bool Reply, Journey Journey);

/// <summary>
/// One TCP connection of a walk: who opened it (a client, or a proxy on behalf of the previous connection), where it
/// was accepted (a server, or a transparent proxy) and the journeys of its packets.
/// </summary>
public sealed record ConnectionWalk(
    int Number,
    string ClientHost,
    string ClientSocket,
    string ServerSocket,
    string? AcceptedBy,
    string? AcceptingHost,
    string? ProxyKind,
    string? OpenedBecause,
    IReadOnlyList<PacketLeg> Packets,
    IReadOnlyList<string> Via)
{
    /// <summary>The handshake completed: the SYN was accepted and the SYN-ACK reached the client.</summary>
    public bool Established => Packets.Count >= 2 && Packets[0].Journey.Delivered && Packets[1].Journey.Delivered
                               && Packets[1].Journey.End.Host == ClientHost;
}

/// <summary>A whole request from one endpoint to another: every connection it took, in order, and what had to be assumed.</summary>
public sealed record RequestWalk(string Scenario, string From, string To, IReadOnlyList<ConnectionWalk> Connections, string Outcome, IReadOnlyList<string> Assumptions)
{
    public bool Succeeded => Connections.Count > 0 && Connections.All(c => c.Established) && Connections[^1].ProxyKind is null or "plain";
}
