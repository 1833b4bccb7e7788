namespace Nfwalk.Semantics.Fabric;

/// <summary>How a packet's journey across the hosts ended.</summary>
public enum JourneyEndKind : byte { Delivered, Dropped, Rejected, Unroutable, Queued, LeftScenario, Loop }

/// <summary>The end of a journey: where, what, and for a delivery the local socket (address:port) it reached.</summary>
public sealed record JourneyEnd(JourneyEndKind Kind, string Host, string Text, string? Socket = null, ushort? SocketPort = null);

/// <summary>One packet walked across hosts: every hop (host walks, tunnel layers), how it ended and the packet as it arrived.</summary>
public sealed record Journey(string Title, WalkedPacket Start, IReadOnlyList<Hop> Hops, JourneyEnd End, WalkedPacket Final, IReadOnlyList<string> Assumptions)
{
    public bool Delivered => End.Kind == JourneyEndKind.Delivered;
}
