using Nfwalk.Model;
using Nfwalk.Model.Evaluation;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Model.Targets;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Semantics.Walk;

/// <summary>The packet as it travels through one node (the skb and its hook state), and the trace being written.</summary>
internal sealed class WalkContext : ITargetContext
{
    public WalkContext(Node node, WalkOptions options, PacketSpec spec)
    {
        Node = node; Options = options;
        Family = spec.Family; Source = spec.Source; Destination = spec.Destination; Protocol = spec.Protocol;
        SourcePort = spec.SourcePort; DestinationPort = spec.DestinationPort; TcpFlags = spec.TcpFlags;
        IcmpType = spec.IcmpType; IcmpCode = spec.IcmpCode; Length = spec.EffectiveLength; IsFragment = spec.IsFragment;
        InInterface = spec.InInterface; Mark = spec.Mark; Tos = spec.Tos; SourceMac = spec.SourceMac;
        Owner = spec.IsLocal ? spec.Owner ?? new SocketOwner(0, 0) : null;
    }

    public Node Node { get; }
    public WalkOptions Options { get; }
    public List<TraceStep> Steps { get; } = new();
    public List<string> Assumptions { get; } = new();
    public Rule? CurrentRule { get; set; }
    public bool Recording => Options.RecordSteps;

    // the packet
    public IpFamily Family { get; }
    public IpAddress Source { get; set; }
    public IpAddress Destination { get; set; }
    public byte Protocol { get; }
    public ushort SourcePort { get; set; }
    public ushort DestinationPort { get; set; }
    public TcpFlags TcpFlags { get; }
    public byte IcmpType { get; }
    public byte IcmpCode { get; }
    public int Length { get; }
    public bool IsFragment { get; }
    public string? InInterface { get; set; }
    public string? OutInterface { get; set; }
    public string PacketType => Destination.IsV4 && (Destination.V4 >> 28) == 0xE ? "multicast" : Node.Network.IsBroadcast(Destination) ? "broadcast" : "unicast";
    public string? SourceMac { get; }
    public uint Mark { get; set; }
    public byte Tos { get; set; }
    public Hook Hook { get; set; }
    public TableName Table { get; set; }
    public SocketOwner? Owner { get; }

    // conntrack
    public CtInfo CtInfo { get; set; } = CtInfo.Invalid;
    public ConntrackEntry? Entry { get; set; }
    public IConntrackView? Conntrack => CtInfo == CtInfo.Untracked ? null : Entry;
    public bool Untracked { get; private set; }
    public ushort Zone { get; private set; }

    // results of targets
    public NatTarget? NatDecision { get; private set; }
    public Listener? TproxySocketFound { get; private set; }
    public RejectTarget? Rejected { get; private set; }
    public RouteResult? LastRoute { get; set; }

    public bool? TestSet(SetMatch match) => Node.SetTester?.Invoke(match, this);

    public AddressTypes AddressType(IpAddress address, string? limitToInterface)
    {
        if (address.IsV4 && (address.V4 >> 28) == 0xE) return AddressTypes.Multicast;
        if (Node.Network.IsBroadcast(address)) return AddressTypes.Broadcast;
        var owner = Node.Network.LocalInterfaceOf(address);
        if (owner is not null && (limitToInterface is null || owner == limitToInterface || owner == "lo")) return AddressTypes.Local;
        return AddressTypes.Unicast;
    }

    public bool? LocalSocket(bool transparentOnly, bool includeWildcard)
    {
        if (Options.Listeners.Count == 0 && !Options.SocketsKnown) return null;
        foreach (var l in Options.Listeners)
        {
            if (l.Protocol != Protocol || l.Port != DestinationPort) continue;
            if (transparentOnly && !l.Transparent) continue;
            if (l.IsWildcard ? includeWildcard : l.Address == Destination) return true;
        }
        return false;
    }

    public long NextCount(Match match)
    {
        Node.NthCounters.TryGetValue(match, out var n);
        Node.NthCounters[match] = n + 1;
        return n;
    }

    public bool Assume(Match match, bool defaultValue, string why)
    {
        var at = match.Location.IsKnown ? match.Location : CurrentRule?.Location ?? match.Location;
        var key = $"{Path.GetFileName(at.File)}:{at.Line}";
        bool flipped = Options.FlipAt.Contains(key) || Options.FlipAt.Contains(at.ToString());
        bool value = defaultValue ^ flipped;
        AddAssumption($"{key} ({Hook.ChainName()} {Table.Name()} {CurrentRule?.ChainName} rule {CurrentRule?.Number}): {why}; the {match.Name} match is taken as {(value ? "TRUE" : "FALSE")}"
            + (flipped ? " (flipped by --flip)" : $" — use --flip {key} for the other branch"));
        return value;
    }

    public void AddAssumption(string text)
    {
        Assumptions.Add(text);
        Steps.Add(new TraceStep { Kind = StepKind.Assumption, Text = text, Hook = Hook.ChainName(), Table = Table.Name(), Mark = Values.Hex(Mark), ConnMark = CtMarkText });
    }

    public void Untrack() { Untracked = true; CtInfo = CtInfo.Untracked; }
    public void SetZone(ushort zone) => Zone = zone;
    public void Nat(NatTarget target) => NatDecision = target;

    public bool TproxySocket(TproxyTarget t)
    {
        var ip = t.OnIp;
        if (t.OnIp.Value == 0 && InInterface is { } iif && Node.Network.AddressesOf(iif, Family) is { Count: > 0 } ifAddrs) ip = ifAddrs[0];
        ushort port = t.OnPort == 0 ? DestinationPort : t.OnPort;
        if (Options.Listeners.Count == 0 && !Options.SocketsKnown)
        {
            AddAssumption($"TPROXY: no sockets were declared; assumed a transparent socket listens on {ip}:{port} (without one the kernel drops the packet)");
            TproxySocketFound = new Listener(ip, port, Protocol, true);
            return true;
        }
        foreach (var l in Options.Listeners)
            if (l.Transparent && l.Port == port && l.Protocol == Protocol && (l.IsWildcard || l.Address == ip)) { TproxySocketFound = l; return true; }
        Note($"TPROXY: no transparent socket listens on {ip}:{port}: the kernel drops the packet");
        return false;
    }

    public void Reject(RejectTarget target) { Rejected = target; Note($"REJECT: the kernel answers with {target.RejectWith} (a new local packet, conntrack state RELATED)"); }
    public void UpdateSet(SetTarget target) => Note($"SET: {target.Explain()} (later lookups in this walk do not see the change)");
    public void Note(string text) => Steps.Add(new TraceStep { Kind = StepKind.Note, Text = text, Hook = Hook.ChainName(), Table = Table.Name(), Mark = Values.Hex(Mark), ConnMark = CtMarkText });

    public string? CtMarkText => Entry is { } e && CtInfo != CtInfo.Untracked ? Values.Hex(e.Mark) : null;

    public string PacketText()
        => $"{Protocols.Name(Protocol)} {Endpoint.Format(Source, Protocols.HasPorts(Protocol) ? SourcePort : null)} -> {Endpoint.Format(Destination, Protocols.HasPorts(Protocol) ? DestinationPort : null)}"
           + $" in {InInterface ?? "-"} out {OutInterface ?? "-"} mark {Values.Hex(Mark)}";

    public void RuleStep(Rule rule, bool matched, string? verdict)
    {
        if (!Options.RecordSteps) return;
        Steps.Add(new TraceStep
        {
            Kind = StepKind.Rule, Hook = Hook.ChainName(), Table = Table.Name(), Chain = rule.ChainName, Rule = rule.Number,
            RuleText = rule.Text, Location = rule.Location.ToString(), Matched = matched, Verdict = verdict,
            Mark = Values.Hex(Mark), ConnMark = CtMarkText,
            Text = matched ? $"{Table.Name()} {rule.ChainName} rule {rule.Number} matches: {verdict}" : $"{Table.Name()} {rule.ChainName} rule {rule.Number} does not match",
        });
    }

    public void PolicyStep(Chain builtin, Outcome verdict, string why)
    {
        LastPolicy = builtin;
        if (!Options.RecordSteps) return;
        Steps.Add(new TraceStep
        {
            Kind = StepKind.Policy, Hook = Hook.ChainName(), Table = Table.Name(), Chain = builtin.Name, Verdict = verdict == Outcome.Drop ? "DROP" : "ACCEPT",
            Mark = Values.Hex(Mark), ConnMark = CtMarkText,
            Text = $"{Table.Name()} {builtin.Name}: {why}, policy {(verdict == Outcome.Drop ? "DROP" : "ACCEPT")}" + (builtin.IsDeclared ? "" : " (policy not in the input: ACCEPT assumed)"),
        });
    }

    public Chain? LastPolicy { get; private set; }
    public void ResetPolicy() => LastPolicy = null;

    public void Step(StepKind kind, string text, bool withPacket = false)
    {
        if (!Options.RecordSteps) return;
        Steps.Add(new TraceStep { Kind = kind, Text = text, Hook = Hook.ChainName(), Mark = Values.Hex(Mark), ConnMark = CtMarkText, Packet = withPacket ? PacketText() : null });
    }

    public PacketView View() => new(
        Family == IpFamily.V4 ? "ipv4" : "ipv6", Protocols.Name(Protocol), Source.ToString(), Destination.ToString(),
        Protocols.HasPorts(Protocol) ? SourcePort : null, Protocols.HasPorts(Protocol) ? DestinationPort : null,
        Protocol == Protocols.Tcp ? TcpFlagNames.Format(TcpFlags) : null, InInterface, OutInterface, Values.Hex(Mark), CtMarkText,
        CtInfo.ToString().ToUpperInvariant(), Entry is null || CtInfo == CtInfo.Untracked ? null : Entry.IsReplyDirection ? "reply" : "original", Zone,
        Entry is { } e && (e.SourceNatted || e.DestinationNatted) ? NatText(e) : null, Length);

    private static string NatText(ConntrackEntry e)
        => $"{(e.DestinationNatted ? $"DNAT {Endpoint.Format(e.Original.Destination, e.Original.DestinationPort)} -> {Endpoint.Format(e.Reply.Source, e.Reply.SourcePort)}" : "")}"
         + $"{(e.DestinationNatted && e.SourceNatted ? "; " : "")}{(e.SourceNatted ? $"SNAT {Endpoint.Format(e.Original.Source, e.Original.SourcePort)} -> {Endpoint.Format(e.Reply.Destination, e.Reply.DestinationPort)}" : "")}";
}
