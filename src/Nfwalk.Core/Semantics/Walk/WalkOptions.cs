using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Walk;

/// <summary>A local listening socket the walk may find (for TPROXY, REDIRECT delivery and -m socket).</summary>
public sealed record Listener(IpAddress Address, ushort Port, byte Protocol, bool Transparent, string? Name = null)
{
    public bool IsWildcard => Address.Value == 0;
}

/// <summary>Choices the user makes for what nfwalk cannot know, and what the node has that the dumps do not show.</summary>
public sealed class WalkOptions
{
    /// <summary>Rule locations ("file:line") whose assumed match result is flipped (e.g. the other -m statistic branch).</summary>
    public HashSet<string> FlipAt { get; } = new(StringComparer.Ordinal);
    /// <summary>Declared listening sockets; when empty (and not <see cref="SocketsKnown"/>), TPROXY assumes a transparent listener exists (and says so).</summary>
    public List<Listener> Listeners { get; } = new();
    /// <summary>The listener list is complete: no declared socket means there is none.</summary>
    public bool SocketsKnown { get; init; }
    /// <summary>iptables-nft runs security INPUT after nat INPUT; legacy before.</summary>
    public bool LegacyBackend { get; init; }
    /// <summary>net.ipv4.ip_forward; null = unknown (assumed on, and said).</summary>
    public bool? IpForward { get; init; }
    /// <summary>Record rules that were evaluated and did not match (iptables -v style walk).</summary>
    public bool Verbose { get; init; }
    /// <summary>Record the trace steps (off: outcome only, for classifying many packets fast).</summary>
    public bool RecordSteps { get; init; } = true;
    /// <summary>Skip rules that cannot match by an exact-destination index (same answers; off = the straightforward scan).</summary>
    public bool UseIndex { get; init; } = true;
}
