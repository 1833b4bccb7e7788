using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Evaluation;

/// <summary>The conntrack state a match sees for the packet (xt_conntrack's ctinfo bits): exactly one of these.</summary>
public enum CtInfo : byte { Invalid, New, Related, Established, Untracked }

/// <summary>A read-only view of a packet's conntrack entry, as xt_conntrack and xt_connmark read it.</summary>
public interface IConntrackView
{
    IpAddress OrigSource { get; }
    IpAddress OrigDestination { get; }
    IpAddress ReplySource { get; }
    IpAddress ReplyDestination { get; }
    ushort OrigSourcePort { get; }
    ushort OrigDestinationPort { get; }
    ushort ReplySourcePort { get; }
    ushort ReplyDestinationPort { get; }
    byte Protocol { get; }
    uint Mark { get; set; }
    CtStatus Status { get; }
    bool SourceNatted { get; }
    bool DestinationNatted { get; }
    bool IsReplyDirection { get; }
    uint? SecondsLeft { get; }
}

/// <summary>The local socket a locally generated packet belongs to (for -m owner).</summary>
public sealed record SocketOwner(uint Uid, uint Gid, bool KernelSocket = false);

/// <summary>
/// What matches see of a packet at one point of its walk (kernel: the skb plus hook state). Matches evaluate against it;
/// where nfwalk cannot know the answer (unmodelled extension, random choice, kernel-internal state) the match calls
/// <see cref="Assume"/>, which records the assumption in the trace and returns the branch the user chose.
/// </summary>
public interface IPacketContext
{
    IpFamily Family { get; }
    IpAddress Source { get; }
    IpAddress Destination { get; }
    byte Protocol { get; }
    ushort SourcePort { get; }
    ushort DestinationPort { get; }
    TcpFlags TcpFlags { get; }
    byte IcmpType { get; }
    byte IcmpCode { get; }
    int Length { get; }
    bool IsFragment { get; }
    string? InInterface { get; }
    string? OutInterface { get; }
    string PacketType { get; }
    string? SourceMac { get; }
    uint Mark { get; set; }
    byte Tos { get; set; }
    Hook Hook { get; }
    TableName Table { get; }
    CtInfo CtInfo { get; }
    IConntrackView? Conntrack { get; }
    SocketOwner? Owner { get; }

    /// <summary>ipset lookup as ip_set_test answers it; null when the set is not known (no ipset input).</summary>
    bool? TestSet(SetMatch match);
    /// <summary>The route type of an address (RTN_LOCAL, RTN_BROADCAST, ...) as xt_addrtype asks the FIB.</summary>
    AddressTypes AddressType(IpAddress address, string? limitToInterface);
    /// <summary>-m socket: whether a local socket exists for the packet; null when no sockets were declared.</summary>
    bool? LocalSocket(bool transparentOnly, bool includeWildcard);
    /// <summary>Per-rule packet counter for -m statistic --mode nth (0-based count of packets that reached the match).</summary>
    long NextCount(Match match);
    /// <summary>Records an assumption and returns the chosen branch (the default unless the user pinned this rule).</summary>
    bool Assume(Match match, bool defaultValue, string why);
}
