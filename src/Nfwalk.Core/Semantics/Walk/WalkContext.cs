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
        Node = node; Options = options; _fast = options.UseIndex;
        if (options.RecordSteps) _steps = _fast ? new List<TraceStep>(32) : new List<TraceStep>();
        Family = spec.Family; _source = spec.Source; _destination = spec.Destination; Protocol = spec.Protocol;
        _sourcePort = spec.SourcePort; _destinationPort = spec.DestinationPort; TcpFlags = spec.TcpFlags;
        IcmpType = spec.IcmpType; IcmpCode = spec.IcmpCode; Length = spec.EffectiveLength; IsFragment = spec.IsFragment;
        _inInterface = spec.InInterface; _mark = spec.Mark; Tos = spec.Tos; SourceMac = spec.SourceMac;
        Owner = spec.IsLocal ? spec.Owner ?? DefaultOwner : null;
    }

    private static readonly SocketOwner DefaultOwner = new(0, 0);

    /// <summary>
    /// The fast path (<see cref="WalkOptions.UseIndex"/>): compiled tables and texts formatted once and reused while the
    /// packet is unchanged. Off, every text is formatted afresh where it is needed, as the reference evaluator does.
    /// </summary>
    private readonly bool _fast;
    private IpAddress _source, _destination;
    private ushort _sourcePort, _destinationPort;
    private string? _inInterface, _outInterface;
    private uint _mark;
    private string? _packetText;

    public bool Fast => _fast;
    /// <summary>The compiled ruleset for this packet's family (fast path only).</summary>
    public CompiledRuleset? Compiled { get; set; }
    /// <summary>The return points of the table being run (fast path), reused across the tables of this walk.</summary>
    public (CompiledChain Chain, int Next)[]? ReturnStack { get; set; }

    // one return stack per thread, lent to the walk running on it (a walk nested in another, e.g. from a set tester, makes its own)
    [ThreadStatic] private static (CompiledChain Chain, int Next)[]? t_spareStack;

    public (CompiledChain Chain, int Next)[] BorrowReturnStack()
    {
        var s = t_spareStack ?? new (CompiledChain Chain, int Next)[8];
        t_spareStack = null;
        return ReturnStack = s;
    }

    public void ReleaseReturnStack()
    {
        if (ReturnStack is not { } s) return;
        Array.Clear(s);
        t_spareStack = s;
        ReturnStack = null;
    }
    /// <summary>The compiled form of <see cref="CurrentRule"/> while the fast path runs it.</summary>
    public CompiledRule? CurrentCompiled { get; set; }

    public Node Node { get; }
    public WalkOptions Options { get; }
    private readonly List<TraceStep>? _steps;
    /// <summary>The steps recorded so far (only a walk that records them has any: <see cref="WalkOptions.RecordSteps"/>).</summary>
    public List<TraceStep> Steps => _steps ?? throw new InvalidOperationException("an outcome-only walk records no steps");
    /// <summary>The walk's steps for its trace: none for an outcome-only walk.</summary>
    public IReadOnlyList<TraceStep> RecordedSteps => _steps ?? (IReadOnlyList<TraceStep>)[];
    public AssumptionLog Assumptions { get; } = new();
    public Rule? CurrentRule { get; set; }
    public bool Recording => Options.RecordSteps;

    // the packet
    public IpFamily Family { get; }
    public IpAddress Source { get => _source; set { if (_source != value) { _source = value; _packetText = null; } } }
    public IpAddress Destination { get => _destination; set { if (_destination != value) { _destination = value; _packetText = null; } } }
    public byte Protocol { get; }
    public ushort SourcePort { get => _sourcePort; set { if (_sourcePort != value) { _sourcePort = value; _packetText = null; } } }
    public ushort DestinationPort { get => _destinationPort; set { if (_destinationPort != value) { _destinationPort = value; _packetText = null; } } }
    public TcpFlags TcpFlags { get; }
    public byte IcmpType { get; }
    public byte IcmpCode { get; }
    public int Length { get; }
    public bool IsFragment { get; }
    public string? InInterface { get => _inInterface; set { if (!ReferenceEquals(_inInterface, value)) { _inInterface = value; _packetText = null; } } }
    public string? OutInterface { get => _outInterface; set { if (!ReferenceEquals(_outInterface, value)) { _outInterface = value; _packetText = null; } } }
    public string PacketType => Destination.IsV4 && (Destination.V4 >> 28) == 0xE ? "multicast" : Node.Network.IsBroadcast(Destination) ? "broadcast" : "unicast";
    public string? SourceMac { get; }
    public uint Mark { get => _mark; set { if (_mark != value) { _mark = value; _packetText = null; } } }
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
        // fast path: the key, location and text depend only on the match, its rule, hook, table and branch: kept on the compiled rule
        var cr = _fast && CurrentCompiled is { } c0 && ReferenceEquals(c0.Rule, CurrentRule) ? c0 : null;
        var last = cr?.LastAssume;
        bool same = last is not null && ReferenceEquals(last.Match, match) && last.Why == why;
        string key, atText;
        if (same) { key = last!.Key; atText = last.At; }
        else
        {
            var at = AssumeText.LocationOf(match, CurrentRule);
            key = AssumeText.KeyOf(at);
            atText = at.ToString();
        }
        bool flipped = Options.FlipAt.Contains(key) || Options.FlipAt.Contains(atText);
        bool value = defaultValue ^ flipped;
        string text;
        if (same && last!.Hook == Hook && last.Table == Table && last.Default == defaultValue && last.Flipped == flipped) text = last.Text;
        else
        {
            var culture = System.Globalization.CultureInfo.CurrentCulture;
            text = AssumeText.Format(key, Hook, Table, CurrentRule, why, match, value, flipped, culture);
            if (cr is not null) cr.LastAssume = new AssumeText(match, Hook, Table, defaultValue, why, key, atText, flipped, text, culture);
        }
        AddAssumption(text);
        return value;
    }

    public void AddAssumption(string text)
    {
        Assumptions.Add(text);
        // an outcome-only walk (RecordSteps off) keeps the assumption in Assumptions, without a trace step
        if (Options.RecordSteps) Steps.Add(new TraceStep { Kind = StepKind.Assumption, Text = text, Hook = Hook.ChainName(), Table = Table.Name(), Mark = MarkText, ConnMark = CtMarkText });
    }

    public void Untrack() { Untracked = true; CtInfo = CtInfo.Untracked; }
    public void SetZone(ushort zone) => Zone = zone;
    public void Nat(NatTarget target) { NatDecision = target; _natBinding = null; }

    /// <summary>A NAT decision made from a rule head (fast path): the target, with its compiled parameters.</summary>
    public void Nat(NatBinding binding) { NatDecision = binding.Target; _natBinding = binding; }

    private NatBinding? _natBinding;

    /// <summary>
    /// The parameters of <see cref="NatDecision"/>: those the rule head handed over, else those compiled with the rule that
    /// decided (fast path), else copied now (the reference evaluator).
    /// </summary>
    public NatBinding NatBindingFor(NatTarget target)
    {
        if (_natBinding is { } b && ReferenceEquals(b.Target, target)) return b;
        if (_fast && CurrentCompiled is { } cr && ReferenceEquals(cr.Target, target)) return cr.NatBinding!;
        return new NatBinding(target);
    }

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
    public void Note(string text)
    {
        if (Options.RecordSteps) Steps.Add(new TraceStep { Kind = StepKind.Note, Text = text, Hook = Hook.ChainName(), Table = Table.Name(), Mark = MarkText, ConnMark = CtMarkText });
    }

    public string? CtMarkText => Entry is { } e && CtInfo != CtInfo.Untracked ? Hex(e.Mark) : null;

    /// <summary>The packet's mark as the trace prints it.</summary>
    public string MarkText => Hex(Mark);

    private string Hex(uint v) => _fast ? HexCache.Of(v) : Values.Hex(v);

    public string PacketText()
    {
        if (!_fast) return FormatPacket();
        return _packetText ??= State.Format();
    }

    private string FormatPacket()
        => $"{Protocols.Name(Protocol)} {Endpoint.Format(Source, Protocols.HasPorts(Protocol) ? SourcePort : null)} -> {Endpoint.Format(Destination, Protocols.HasPorts(Protocol) ? DestinationPort : null)}"
           + $" in {InInterface ?? "-"} out {OutInterface ?? "-"} mark {Values.Hex(Mark)}";

    /// <summary>A rule step of the fast path: the same step as <see cref="RuleStep(Rule, bool, string?)"/>, with the rule's texts formatted once.</summary>
    public void RuleStep(CompiledRule rule, bool matched, string? verdict)
    {
        if (!Options.RecordSteps) return;
        var r = rule.Rule;
        Steps.Add(new TraceStep
        {
            Kind = StepKind.Rule, Hook = Hook.ChainName(), Table = Table.Name(), Chain = r.ChainName, Rule = r.Number,
            RuleText = rule.Texts.RuleText, Location = rule.Texts.Location, Matched = matched, Verdict = verdict,
            Mark = MarkText, ConnMark = CtMarkText,
            Text = matched ? rule.Texts.MatchedText(verdict!) : rule.Texts.NoMatchText,
        });
    }

    public void RuleStep(Rule rule, bool matched, string? verdict)
    {
        if (!Options.RecordSteps) return;
        Steps.Add(new TraceStep
        {
            Kind = StepKind.Rule, Hook = Hook.ChainName(), Table = Table.Name(), Chain = rule.ChainName, Rule = rule.Number,
            RuleText = rule.Text, Location = rule.Location.ToString(), Matched = matched, Verdict = verdict,
            Mark = MarkText, ConnMark = CtMarkText,
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
            Mark = MarkText, ConnMark = CtMarkText,
            Text = $"{Table.Name()} {builtin.Name}: {why}, policy {(verdict == Outcome.Drop ? "DROP" : "ACCEPT")}" + (builtin.IsDeclared ? "" : " (policy not in the input: ACCEPT assumed)"),
        });
    }

    public Chain? LastPolicy { get; private set; }
    public void ResetPolicy() => LastPolicy = null;

    public void Step(StepKind kind, string text, bool withPacket = false)
    {
        if (!Options.RecordSteps) return;
        Steps.Add(new TraceStep { Kind = kind, Text = text, Hook = Hook.ChainName(), Mark = MarkText, ConnMark = CtMarkText, Packet = withPacket ? PacketText() : null });
    }

    /// <summary>The packet now, as the reference evaluator shows it (every text formatted at once).</summary>
    public PacketView View() => new(
        Family == IpFamily.V4 ? "ipv4" : "ipv6", Protocols.Name(Protocol), Source.ToString(), Destination.ToString(),
        Protocols.HasPorts(Protocol) ? SourcePort : null, Protocols.HasPorts(Protocol) ? DestinationPort : null,
        Protocol == Protocols.Tcp ? TcpFlagNames.Format(TcpFlags) : null, InInterface, OutInterface, Values.Hex(Mark), CtMarkText,
        CtInfo.ToString().ToUpperInvariant(), Direction, Zone,
        Entry is { } e && (e.SourceNatted || e.DestinationNatted) ? NatText(e) : null, Length);

    /// <summary>The packet now by value (fast path): the same values as <see cref="View"/>, formatted when the view is read.</summary>
    public PacketCapture Capture()
        => new(State, Family, TcpFlags, CtMarkText, CtInfo, Direction, Zone,
               Entry is { } e && (e.SourceNatted || e.DestinationNatted) ? e : null, Length);

    private string? Direction => Entry is null || CtInfo == CtInfo.Untracked ? null : Entry.IsReplyDirection ? "reply" : "original";

    /// <summary>The packet as the packet text shows it, by value.</summary>
    public PacketState State => new(Protocol, Source, Destination, SourcePort, DestinationPort, InInterface, OutInterface, Mark);

    /// <summary>The packet text when this walk has already formatted it for the current packet (fast path), else null.</summary>
    public string? CachedPacketText => _fast ? _packetText : null;

    private static readonly string[] CtInfoNames = Enum.GetValues<CtInfo>().Select(v => v.ToString().ToUpperInvariant()).ToArray();
    private static readonly string?[] TcpFlagTexts = new string?[256];

    /// <summary>"NEW", "ESTABLISHED", ... as the packet view names the state.</summary>
    internal static string CtInfoName(CtInfo c) => CtInfoNames[(int)c];

    internal static string TcpFlagText(TcpFlags flags)
    {
        if ((uint)flags > 255) return TcpFlagNames.Format(flags);
        return TcpFlagTexts[(int)flags] ??= TcpFlagNames.Format(flags);
    }

    private static string NatText(ConntrackEntry e)
        => $"{(e.DestinationNatted ? $"DNAT {Endpoint.Format(e.Original.Destination, e.Original.DestinationPort)} -> {Endpoint.Format(e.Reply.Source, e.Reply.SourcePort)}" : "")}"
         + $"{(e.DestinationNatted && e.SourceNatted ? "; " : "")}{(e.SourceNatted ? $"SNAT {Endpoint.Format(e.Original.Source, e.Original.SourcePort)} -> {Endpoint.Format(e.Reply.Destination, e.Reply.DestinationPort)}" : "")}";
}

/// <summary>Mark texts ("0x4000") shared by all walks: marks repeat, formatting them each step does not need to.</summary>
internal static class HexCache
{
    private sealed record Entry(uint Value, string Text);
    private static readonly Entry?[] Entries = new Entry?[256];

    public static string Of(uint v)
    {
        int slot = (int)((v ^ (v >> 8) ^ (v >> 16) ^ (v >> 24)) & 255);
        var e = Entries[slot];
        if (e is null || e.Value != v) Entries[slot] = e = new Entry(v, Values.Hex(v));
        return e.Text;
    }
}
