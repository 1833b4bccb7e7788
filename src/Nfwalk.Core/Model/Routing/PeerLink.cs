namespace Nfwalk.Model.Routing;

/// <summary>
/// The "@link" of an interface: a veth's peer, a VLAN's or macvlan's lower device. <see cref="Name"/> is set when the
/// other end is in the same namespace ("vB@vA"); otherwise only its ifindex is known ("eth0@if10") together with the
/// namespace that holds it (<c>link-netns NAME</c> or <c>link-netnsid N</c>).
/// </summary>
public sealed record PeerLink(string? Name, int? IfIndex, string? Netns, int? NetnsId)
{
    public bool InOtherNamespace => Netns is not null || NetnsId is not null || (Name is null && IfIndex is not null);

    public override string ToString()
    {
        var s = Name ?? (IfIndex is { } i ? $"if{i}" : "?");
        if (Netns is not null) s += $" (netns {Netns})";
        else if (NetnsId is { } id) s += $" (netnsid {id})";
        return s;
    }
}
