using Nfwalk.Model.Evaluation;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Walk;

public enum StepKind : byte { Hook, Rule, Policy, Conntrack, Nat, Routing, Assumption, Note, Outcome }

/// <summary>One step of a walk. Rule steps name hook, table, chain and the 1-based rule number as iptables -L --line-numbers counts.</summary>
public sealed record TraceStep
{
    public required StepKind Kind { get; init; }
    public required string Text { get; init; }
    public string? Hook { get; init; }
    public string? Table { get; init; }
    public string? Chain { get; init; }
    public int? Rule { get; init; }
    public string? RuleText { get; init; }
    public string? Location { get; init; }
    public bool? Matched { get; init; }
    public string? Verdict { get; init; }
    public string Mark { get; init; } = "0x0";
    public string? ConnMark { get; init; }
    /// <summary>The packet after this step, when the step changed it (addresses, ports, interfaces).</summary>
    public string? Packet { get; init; }
    public int? RoutingRulePriority { get; init; }
    public string? RoutingTable { get; init; }
    public string? Route { get; init; }
}

/// <summary>How a walk ended.</summary>
/// <remarks>
/// The fast walk leaves the text of a "sent" outcome to be formatted when it is first read (from the packet as it left):
/// a classification that only asks where packets go formats nothing. The value is the same either way, and equality
/// compares the values, as the positional record did.
/// </remarks>
public sealed record WalkOutcome
{
    private string? _text, _nextHop;
    private readonly PacketState _packet;
    private readonly IpAddress? _gateway;
    private readonly string? _via, _packetText;
    // lazy: the value is formatted on first read (a benign race formats it twice, the same string); set only by the constructors and init
    private readonly bool _textLazy, _nextHopLazy;

    public WalkOutcome(string Kind, string Text, string? Interface = null, string? NextHop = null, string? Socket = null)
    {
        this.Kind = Kind; _text = Text; this.Interface = Interface; _nextHop = NextHop; this.Socket = Socket;
    }

    /// <summary>"sent out of IFACE via GW as PACKET" (NodeWalker.Postrouting), formatted on first read.</summary>
    internal WalkOutcome(string? outInterface, IpAddress? gateway, in PacketState packet, string? packetText)
    {
        Kind = "sent"; Interface = outInterface; _gateway = gateway; _packet = packet; _via = outInterface; _packetText = packetText;
        _textLazy = true; _nextHopLazy = gateway is not null;
    }

    public string Kind { get; init; }
    public string Text
    {
        get => _textLazy ? _text ??= string.Concat("sent out of ", _via, _gateway is { } gw ? " via " + Fmt.Address(gw) : " directly (on-link)", " as " + (_packetText ?? _packet.Format())) : _text!;
        init { _text = value; _textLazy = false; }
    }
    public string? Interface { get; init; }
    public string? NextHop
    {
        get => _nextHopLazy ? _nextHop ??= Fmt.Address(_gateway!.Value) : _nextHop;
        init { _nextHop = value; _nextHopLazy = false; }
    }
    public string? Socket { get; init; }

    public void Deconstruct(out string Kind, out string Text, out string? Interface, out string? NextHop, out string? Socket)
    {
        Kind = this.Kind; Text = this.Text; Interface = this.Interface; NextHop = this.NextHop; Socket = this.Socket;
    }

    public bool Equals(WalkOutcome? other)
        => other is not null && (ReferenceEquals(this, other) || (Kind == other.Kind && Text == other.Text && Interface == other.Interface && NextHop == other.NextHop && Socket == other.Socket));

    public override int GetHashCode() => HashCode.Combine(Kind, Text, Interface, NextHop, Socket);
}

/// <summary>The packet at the start or end of a walk.</summary>
/// <remarks>
/// Addresses and the NAT summary are formatted on first read (the fast walk hands over the numbers); the values, equality
/// and hash are those of the positional record this was.
/// </remarks>
public sealed record PacketView
{
    private string? _source, _destination, _nat;
    private readonly IpAddress _sourceAddress, _destinationAddress;
    private readonly NatState _natState;
    private readonly bool _sourceLazy, _destinationLazy, _natLazy;

    public PacketView(
        string Family, string Protocol, string Source, string Destination, int? SourcePort, int? DestinationPort, string? TcpFlags,
        string? InInterface, string? OutInterface, string Mark, string? ConnMark, string ConntrackState, string? ConntrackDirection, int Zone,
        string? Nat, int Length)
    {
        this.Family = Family; this.Protocol = Protocol; _source = Source; _destination = Destination; this.SourcePort = SourcePort; this.DestinationPort = DestinationPort;
        this.TcpFlags = TcpFlags; this.InInterface = InInterface; this.OutInterface = OutInterface; this.Mark = Mark; this.ConnMark = ConnMark;
        this.ConntrackState = ConntrackState; this.ConntrackDirection = ConntrackDirection; this.Zone = Zone; _nat = Nat; this.Length = Length;
    }

    internal PacketView(
        string family, string protocol, IpAddress source, IpAddress destination, int? sourcePort, int? destinationPort, string? tcpFlags,
        string? inInterface, string? outInterface, string mark, string? connMark, string conntrackState, string? conntrackDirection, int zone,
        in NatState nat, int length)
    {
        Family = family; Protocol = protocol; _sourceAddress = source; _destinationAddress = destination; _sourceLazy = _destinationLazy = true;
        SourcePort = sourcePort; DestinationPort = destinationPort; TcpFlags = tcpFlags; InInterface = inInterface; OutInterface = outInterface;
        Mark = mark; ConnMark = connMark; ConntrackState = conntrackState; ConntrackDirection = conntrackDirection; Zone = zone;
        _natState = nat; _natLazy = nat.Any; Length = length;
    }

    public string Family { get; init; }
    public string Protocol { get; init; }
    public string Source
    {
        get => _sourceLazy ? _source ??= Fmt.Address(_sourceAddress) : _source!;
        init { _source = value; _sourceLazy = false; }
    }
    public string Destination
    {
        get => _destinationLazy ? _destination ??= Fmt.Address(_destinationAddress) : _destination!;
        init { _destination = value; _destinationLazy = false; }
    }
    public int? SourcePort { get; init; }
    public int? DestinationPort { get; init; }
    public string? TcpFlags { get; init; }
    public string? InInterface { get; init; }
    public string? OutInterface { get; init; }
    public string Mark { get; init; }
    public string? ConnMark { get; init; }
    public string ConntrackState { get; init; }
    public string? ConntrackDirection { get; init; }
    public int Zone { get; init; }
    public string? Nat
    {
        get => _natLazy ? _nat ??= _natState.Format() : _nat;
        init { _nat = value; _natLazy = false; }
    }
    public int Length { get; init; }

    public string Summary => $"{Protocol} {Nfwalk.Model.Net.Endpoint.Format(Source, SourcePort)} -> {Nfwalk.Model.Net.Endpoint.Format(Destination, DestinationPort)}"
        + (TcpFlags is not null ? $" [{TcpFlags}]" : "");

    public void Deconstruct(
        out string Family, out string Protocol, out string Source, out string Destination, out int? SourcePort, out int? DestinationPort, out string? TcpFlags,
        out string? InInterface, out string? OutInterface, out string Mark, out string? ConnMark, out string ConntrackState, out string? ConntrackDirection, out int Zone,
        out string? Nat, out int Length)
    {
        Family = this.Family; Protocol = this.Protocol; Source = this.Source; Destination = this.Destination; SourcePort = this.SourcePort; DestinationPort = this.DestinationPort;
        TcpFlags = this.TcpFlags; InInterface = this.InInterface; OutInterface = this.OutInterface; Mark = this.Mark; ConnMark = this.ConnMark;
        ConntrackState = this.ConntrackState; ConntrackDirection = this.ConntrackDirection; Zone = this.Zone; Nat = this.Nat; Length = this.Length;
    }

    public bool Equals(PacketView? other)
        => other is not null && (ReferenceEquals(this, other) || (
            Family == other.Family && Protocol == other.Protocol && Source == other.Source && Destination == other.Destination
            && SourcePort == other.SourcePort && DestinationPort == other.DestinationPort && TcpFlags == other.TcpFlags
            && InInterface == other.InInterface && OutInterface == other.OutInterface && Mark == other.Mark && ConnMark == other.ConnMark
            && ConntrackState == other.ConntrackState && ConntrackDirection == other.ConntrackDirection && Zone == other.Zone
            && Nat == other.Nat && Length == other.Length));

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Family); h.Add(Protocol); h.Add(Source); h.Add(Destination); h.Add(SourcePort); h.Add(DestinationPort); h.Add(TcpFlags);
        h.Add(InInterface); h.Add(OutInterface); h.Add(Mark); h.Add(ConnMark); h.Add(ConntrackState); h.Add(ConntrackDirection); h.Add(Zone);
        h.Add(Nat); h.Add(Length);
        return h.ToHashCode();
    }
}

/// <summary>A whole walk of one packet through one node.</summary>
/// <remarks>
/// The default title ("tcp a:p -> b:q [SYN] on NODE") is formatted on first read; the fast walk also hands over the start and
/// final packets as values (the <see cref="PacketSpec"/> it started from, a <see cref="PacketCapture"/> of the end) and the views are made when first read: a classification that only
/// asks for the outcome makes neither (two views were a third of what such a walk allocated). Values and equality as the
/// positional record.
/// </remarks>
public sealed record WalkTrace
{
    private string? _title;
    private readonly string? _nodeName;
    private PacketView? _packet, _final;
    private readonly PacketSpec? _start;
    private readonly PacketCapture _finalCapture;

    public WalkTrace(string Title, PacketView Packet, IReadOnlyList<TraceStep> Steps, WalkOutcome Outcome, PacketView Final, IReadOnlyList<string> Assumptions)
    {
        _title = Title; this.Packet = Packet; this.Steps = Steps; this.Outcome = Outcome; this.Final = Final; this.Assumptions = Assumptions;
    }

    /// <summary>A trace titled "{Packet.Summary} on {nodeName}".</summary>
    internal WalkTrace(string nodeName, PacketView packet, IReadOnlyList<TraceStep> steps, WalkOutcome outcome, PacketView final, IReadOnlyList<string> assumptions, bool defaultTitle)
    {
        _nodeName = nodeName; Packet = packet; Steps = steps; Outcome = outcome; Final = final; Assumptions = assumptions;
    }

    /// <summary>A fast walk's trace, titled <paramref name="title"/> or else "{Packet.Summary} on {nodeName}", its packet views made on first read.</summary>
    internal WalkTrace(string nodeName, string? title, PacketSpec start, IReadOnlyList<TraceStep> steps, WalkOutcome outcome, in PacketCapture final, IReadOnlyList<string> assumptions)
    {
        _nodeName = nodeName; _title = title; _start = start; Steps = steps; Outcome = outcome; _finalCapture = final; Assumptions = assumptions;
    }

    public string Title { get => _title ??= $"{Packet.Summary} on {_nodeName}"; init => _title = value; }
    public PacketView Packet { get => _packet ??= PacketCapture.Start(_start!).ToView(); init => _packet = value; }
    public IReadOnlyList<TraceStep> Steps { get; init; }
    public WalkOutcome Outcome { get; init; }
    public PacketView Final { get => _final ??= _finalCapture.ToView(); init => _final = value; }
    public IReadOnlyList<string> Assumptions { get; init; }

    public void Deconstruct(out string Title, out PacketView Packet, out IReadOnlyList<TraceStep> Steps, out WalkOutcome Outcome, out PacketView Final, out IReadOnlyList<string> Assumptions)
    {
        Title = this.Title; Packet = this.Packet; Steps = this.Steps; Outcome = this.Outcome; Final = this.Final; Assumptions = this.Assumptions;
    }

    public bool Equals(WalkTrace? other)
        => other is not null && (ReferenceEquals(this, other) || (
            Title == other.Title && EqualityComparer<PacketView>.Default.Equals(Packet, other.Packet)
            && EqualityComparer<IReadOnlyList<TraceStep>>.Default.Equals(Steps, other.Steps) && EqualityComparer<WalkOutcome>.Default.Equals(Outcome, other.Outcome)
            && EqualityComparer<PacketView>.Default.Equals(Final, other.Final) && EqualityComparer<IReadOnlyList<string>>.Default.Equals(Assumptions, other.Assumptions)));

    public override int GetHashCode() => HashCode.Combine(Title, Packet, Steps, Outcome, Final, Assumptions);
}

/// <summary>
/// The packet as a <see cref="PacketView"/> shows it, by value, at the start or end of a fast walk: the view is made from it
/// when first read. The connection's NAT bindings are read from the entry when the view is made: they are decided before the
/// entry is confirmed and never change after (an entry left unconfirmed is not found by any later walk).
/// </summary>
internal readonly struct PacketCapture(in PacketState state, IpFamily family, TcpFlags tcpFlags, string? connMark, CtInfo ctInfo, string? direction, ushort zone, ConntrackEntry? natEntry, int length)
{
    private readonly PacketState _state = state;
    private readonly string? _connMark = connMark, _direction = direction;
    private readonly ConntrackEntry? _natEntry = natEntry;
    private readonly int _length = length;
    private readonly TcpFlags _tcpFlags = tcpFlags;
    private readonly ushort _zone = zone;
    private readonly IpFamily _family = family;
    private readonly CtInfo _ctInfo = ctInfo;

    /// <summary>A packet as it enters a walk: no output interface, no conntrack entry yet (state INVALID until conntrack runs).</summary>
    public static PacketCapture Start(PacketSpec spec)
        => new(new PacketState(spec.Protocol, spec.Source, spec.Destination, spec.SourcePort, spec.DestinationPort, spec.InInterface, null, spec.Mark),
               spec.Family, spec.TcpFlags, null, CtInfo.Invalid, null, 0, null, spec.EffectiveLength);

    public PacketView ToView()
    {
        var s = _state;
        bool ports = Protocols.HasPorts(s.Protocol);
        var nat = _natEntry is { } e ? new NatState(e.Original, e.Reply, e.SourceNatted, e.DestinationNatted) : default;
        return new PacketView(
            _family == IpFamily.V4 ? "ipv4" : "ipv6", Protocols.Name(s.Protocol), s.Source, s.Destination,
            ports ? s.SourcePort : null, ports ? s.DestinationPort : null,
            s.Protocol == Protocols.Tcp ? WalkContext.TcpFlagText(_tcpFlags) : null, s.InInterface, s.OutInterface, HexCache.Of(s.Mark), _connMark,
            WalkContext.CtInfoName(_ctInfo), _direction, _zone, nat, _length);
    }
}

/// <summary>The packet fields the trace's packet text shows ("tcp a:p -> b:q in X out Y mark M"), kept by value.</summary>
internal readonly record struct PacketState(byte Protocol, IpAddress Source, IpAddress Destination, ushort SourcePort, ushort DestinationPort, string? InInterface, string? OutInterface, uint Mark)
{
    public string Format()
    {
        bool ports = Protocols.HasPorts(Protocol);
        return string.Concat(
            string.Concat(Protocols.Name(Protocol), " ", Fmt.Endpoint(Source, ports ? SourcePort : null), " -> ", Fmt.Endpoint(Destination, ports ? DestinationPort : null)),
            string.Concat(" in ", InInterface ?? "-", " out ", OutInterface ?? "-"), " mark ", HexCache.Of(Mark));
    }
}

/// <summary>A connection's NAT bindings as the packet view summarises them, kept by value (the entry changes in later walks).</summary>
internal readonly record struct NatState(ConnTuple Original, ConnTuple Reply, bool SourceNatted, bool DestinationNatted)
{
    public bool Any => SourceNatted || DestinationNatted;

    public string? Format() => Any
        ? string.Concat(
            DestinationNatted ? string.Concat("DNAT ", Fmt.Endpoint(Original.Destination, Original.DestinationPort), " -> ", Fmt.Endpoint(Reply.Source, Reply.SourcePort)) : "",
            DestinationNatted && SourceNatted ? "; " : "",
            SourceNatted ? string.Concat("SNAT ", Fmt.Endpoint(Original.Source, Original.SourcePort), " -> ", Fmt.Endpoint(Reply.Destination, Reply.DestinationPort)) : "")
        : null;
}
