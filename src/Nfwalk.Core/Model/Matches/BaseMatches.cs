using System.Text;
using Nfwalk.Model.Net;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

public enum Direction : byte { Source, Destination }

/// <summary>-s / -d: the packet's source or destination address lies in a prefix (ip_packet_match).</summary>
public sealed class AddressMatch : Match
{
    // the network as two halves: an IpPrefix field (a 16-byte aligned UInt128 inside) made the
    // match 96 bytes instead of 56, and -s/-d are in most rules (60,000 of them in a 10,000-service kube-proxy dump)
    private readonly ulong _upper, _lower;
    private readonly IpFamily _family;
    private readonly int _length;

    public AddressMatch(Direction direction, IpPrefix prefix, bool negated)
    {
        Direction = direction; Negated = negated;
        var network = prefix.Network.Value;
        _upper = (ulong)(network >> 64); _lower = (ulong)network;
        _family = prefix.Family; _length = prefix.Length;
    }

    /// <summary>Whether this match is the one <c>new AddressMatch(direction, prefix, negated)</c> would make.</summary>
    internal bool Is(Direction direction, IpPrefix prefix, bool negated)
    {
        var network = prefix.Network.Value;
        return Direction == direction && Negated == negated && _length == prefix.Length && _family == prefix.Family
            && _lower == (ulong)network && _upper == (ulong)(network >> 64);
    }

    public Direction Direction { get; }
    /// <summary>Stored with host bits cleared, as the kernel compares (addr &amp; mask) == net.</summary>
    public IpPrefix Prefix => new(new IpAddress(new UInt128(_upper, _lower), _family), _length);
    public bool Negated { get; }
    public override string Name => Direction == Direction.Source ? "-s" : "-d";
    public override int BaseOrder => Direction == Direction.Source ? 0 : 1;

    public override void Print(StringBuilder sb)
    {
        if (Negated) sb.Append(" !");
        sb.Append(' ').Append(Name).Append(' ').Append(Prefix.ToString());
    }

    public override string Explain()
    {
        var what = Direction == Direction.Source ? "source address" : "destination address";
        var not = Negated ? " not" : "";
        return Prefix.IsHost ? $"{what} is{not} {Prefix.Address}" : $"{what} is{not} in {Prefix}";
    }
    /// <summary>ip_packet_match: (addr &amp; mask) == net, XOR the inversion flag.</summary>
    public override bool Evaluate(IPacketContext ctx)
        => Prefix.Contains(Direction == Direction.Source ? ctx.Source : ctx.Destination) ^ Negated;

}

/// <summary>-i / -o: the input or output interface name; a trailing '+' makes it a prefix match (ip_packet_match / ifname compare).</summary>
public sealed class InterfaceMatch(bool isInput, string name, bool negated) : Match
{
    public bool IsInput { get; } = isInput;
    public string Interface { get; } = name;
    public bool Negated { get; } = negated;
    public bool IsWildcard => Interface.EndsWith('+');
    public override string Name => IsInput ? "-i" : "-o";
    public override int BaseOrder => IsInput ? 2 : 3;
    public override HookSet AllowedHooks => IsInput
        ? HookSet.Prerouting | HookSet.Input | HookSet.Forward
        : HookSet.Forward | HookSet.Output | HookSet.Postrouting;

    /// <summary>Exact name, or prefix when written with '+' ("eth0+" also matches eth0 itself); case-sensitive.</summary>
    public bool Matches(string? device)
    {
        if (device is null) return false;
        if (IsWildcard) return device.AsSpan().StartsWith(Interface.AsSpan(0, Interface.Length - 1), StringComparison.Ordinal);
        return device == Interface;
    }

    public override void Print(StringBuilder sb)
    {
        if (Negated) sb.Append(" !");
        sb.Append(' ').Append(Name).Append(' ').Append(Interface);
    }

    public override string Explain()
    {
        var verb = IsInput ? "arrives on" : "leaves through";
        var not = Negated ? (IsInput ? "does not arrive on" : "does not leave through") : verb;
        if (Interface == "+") return Negated ? $"{(IsInput ? "has no input" : "has no output")} interface (never true)" : $"{verb} any interface";
        return IsWildcard
            ? $"{not} an interface whose name starts with \"{Interface[..^1]}\""
            : $"{not} interface {Interface}";
    }
    /// <summary>ip_packet_match / ifname_compare: no device (e.g. -i in OUTPUT) never matches, so the negation is true.</summary>
    public override bool Evaluate(IPacketContext ctx) => Matches(IsInput ? ctx.InInterface : ctx.OutInterface) ^ Negated;

}

/// <summary>-p: the layer-4 protocol number.</summary>
public sealed class ProtocolMatch(byte protocol, bool negated) : Match
{
    public byte Protocol { get; } = protocol;
    public bool Negated { get; } = negated;
    public override string Name => "-p";
    public override int BaseOrder => 4;

    public override void Print(StringBuilder sb)
    {
        if (Negated) sb.Append(" !");
        sb.Append(" -p ").Append(Protocols.Name(Protocol));
    }

    public override string Explain()
        => $"protocol is{(Negated ? " not" : "")} {Protocols.Name(Protocol).ToUpperInvariant()}";
    /// <summary>ip_packet_match: protocol number compare, XOR the inversion flag.</summary>
    public override bool Evaluate(IPacketContext ctx) => (ctx.Protocol == Protocol) ^ Negated;

}

/// <summary>-f: a second or later fragment of a fragmented IPv4 packet (fragment offset != 0).</summary>
public sealed class FragmentMatch(bool negated) : Match
{
    public bool Negated { get; } = negated;
    public override string Name => "-f";
    public override int BaseOrder => 5;
    public override void Print(StringBuilder sb) => sb.Append(Negated ? " ! -f" : " -f");
    public override string Explain() => Negated ? "is not a non-first fragment (unfragmented packets and first fragments)" : "is a second or later fragment (no L4 header)";
    /// <summary>ip_packet_match: IPT_F_FRAG tests a non-zero fragment offset.</summary>
    public override bool Evaluate(IPacketContext ctx) => ctx.IsFragment ^ Negated;

}
