using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Routing;

/// <summary>
/// One address of an interface as <c>ip addr</c> shows it: "inet 172.18.0.9/16 brd 172.18.255.255 scope global secondary eth0",
/// "inet 10.0.0.1 peer 10.0.0.2/32 scope global vA", "inet6 fd00::1/64 scope global nodad".
/// The kernel's <c>ifa_local</c> is <see cref="Local"/>; <c>ifa_address</c> is <see cref="Peer"/> when a peer is given,
/// otherwise the local address; the subnet (<see cref="Subnet"/>) is <c>ifa_address</c> masked to the prefix length.
/// Order matters: the kernel keeps primaries before secondaries, and source selection takes the first that fits.
/// </summary>
public sealed record InterfaceAddress(
    IpAddress Local,
    int PrefixLength,
    IpAddress? Peer,
    IpAddress? Broadcast,
    Scope Scope,
    bool Secondary,
    string? Label,
    IReadOnlyList<string> Flags,
    uint? Metric,
    SourceLocation Location)
{
    public IpFamily Family => Local.Family;

    /// <summary>The prefix as printed: "172.18.0.9/16" (or "10.0.0.2/32" for the peer form).</summary>
    public IpPrefix Prefix => new(Peer ?? Local, PrefixLength);

    /// <summary>The connected subnet (<c>ifa_address &amp; ifa_mask</c>), host bits cleared.</summary>
    public IpPrefix Subnet { get { var p = Prefix; return new IpPrefix(p.Network, p.Length); } }

    public bool HasFlag(string flag) => Flags.Contains(flag);
    /// <summary>IPv6 duplicate address detection has not finished: the kernel does not use it as a source yet.</summary>
    public bool Tentative => HasFlag("tentative");
    public bool Deprecated => HasFlag("deprecated");
    public bool NoPrefixRoute => HasFlag("noprefixroute");
    public bool DadFailed => HasFlag("dadfailed");

    public override string ToString()
    {
        var s = (Family == IpFamily.V4 ? "inet " : "inet6 ") + (Peer is { } p ? $"{Local} peer {p}/{PrefixLength}" : $"{Local}/{PrefixLength}");
        if (Broadcast is { } b) s += $" brd {b}";
        s += $" scope {Scope.Name()}";
        if (Secondary) s += " secondary";
        foreach (var f in Flags) s += " " + f;
        if (Label is not null) s += " " + Label;
        return s;
    }
}
