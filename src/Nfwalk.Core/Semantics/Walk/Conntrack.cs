using Nfwalk.Model.Evaluation;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Walk;

/// <summary>A connection's identity in one direction (nf_conntrack_tuple), within a zone.</summary>
public readonly record struct ConnTuple(IpAddress Source, IpAddress Destination, byte Protocol, ushort SourcePort, ushort DestinationPort, ushort Zone)
{
    public ConnTuple Inverse => new(Destination, Source, Protocol, DestinationPort, SourcePort, Zone);
    public override string ToString() => Protocol is Protocols.Tcp or Protocols.Udp
        ? $"{Protocols.Name(Protocol)} {Endpoint.Format(Source, SourcePort)} -> {Endpoint.Format(Destination, DestinationPort)}{(Zone != 0 ? $" zone {Zone}" : "")}"
        : $"{Protocols.Name(Protocol)} {Source} -> {Destination}{(Zone != 0 ? $" zone {Zone}" : "")}";
}

/// <summary>
/// One conntrack entry (struct nf_conn): the original tuple, the reply tuple (which NAT rewrites), the connection mark,
/// the status bits, and whether NAT was already decided per manip type.
/// </summary>
public sealed class ConntrackEntry : IConntrackView
{
    public ConnTuple Original { get; internal set; }
    public ConnTuple Reply { get; internal set; }
    public uint Mark { get; set; }
    public bool Confirmed { get; internal set; }
    public bool SeenReply { get; internal set; }
    public bool Assured { get; internal set; }
    public bool SourceNatted { get; internal set; }
    public bool DestinationNatted { get; internal set; }
    /// <summary>NAT already decided for this manip type (nat chains are consulted once per connection and type).</summary>
    public bool SrcNatDone { get; internal set; }
    public bool DstNatDone { get; internal set; }
    public bool IsReplyDirection { get; internal set; }
    /// <summary>For TCP: the state of the conntrack state machine (nf_conntrack_proto_tcp.c).</summary>
    public TcpState TcpState { get; internal set; }
    public int Id { get; internal init; }

    public IpAddress OrigSource => Original.Source;
    public IpAddress OrigDestination => Original.Destination;
    public IpAddress ReplySource => Reply.Source;
    public IpAddress ReplyDestination => Reply.Destination;
    public ushort OrigSourcePort => Original.SourcePort;
    public ushort OrigDestinationPort => Original.DestinationPort;
    public ushort ReplySourcePort => Reply.SourcePort;
    public ushort ReplyDestinationPort => Reply.DestinationPort;
    public byte Protocol => Original.Protocol;
    public uint? SecondsLeft => null;

    public CtStatus Status =>
        (SeenReply ? CtStatus.SeenReply : 0) | (Assured ? CtStatus.Assured : 0) | (Confirmed ? CtStatus.Confirmed : 0);

    public override string ToString() => $"#{Id} {Original} (reply {Reply}){(Mark != 0 ? $" mark {Parsing.Iptables.Values.Hex(Mark)}" : "")}";
}

/// <summary>The node's conntrack table: entries found by either tuple (nf_conntrack_find_get).</summary>
public sealed class ConntrackTable
{
    // A node that classifies one packet holds one connection: the first few confirmed entries live in a small array, in
    // the order they were confirmed, each found by its two tuples (an entry's tuples do not change once it is confirmed:
    // NAT is decided before). A search from the newest answers exactly as the dictionary, in which a tuple confirmed
    // again takes the newer entry; past SmallCapacity entries they move to the dictionary, inserted as they came.
    private const int SmallCapacity = 4;
    // the first entry, then the others up to SmallCapacity in all (most tables hold one connection)
    private ConntrackEntry? _first;
    private ConntrackEntry[]? _more;
    private int _smallCount;
    private Dictionary<ConnTuple, ConntrackEntry>? _byTuple;
    private int _nextId = 1;

    /// <summary>Every entry that some tuple finds, in the order their tuples were first entered (the dictionary's order).</summary>
    public IEnumerable<ConntrackEntry> Entries => _byTuple is not null ? _byTuple.Values.Distinct() : SmallEntries();

    private IEnumerable<ConntrackEntry> SmallEntries()
    {
        // the dictionary's values in key order: each tuple at its first entry, holding the newest entry with that tuple
        var seen = new List<ConnTuple>();
        var owners = new List<ConntrackEntry>();
        for (int i = 0; i < _smallCount; i++)
            foreach (var t in (ReadOnlySpan<ConnTuple>)[SmallAt(i).Original, SmallAt(i).Reply])
                if (!seen.Contains(t)) { seen.Add(t); owners.Add(Lookup(t)!); }
        return owners.Distinct();
    }

    public (ConntrackEntry Entry, bool Reply)? Find(ConnTuple t)
    {
        var e = Lookup(t);
        if (e is null) return null;
        return (e, e.Reply == t && e.Original != t);
    }

    private ConntrackEntry? Lookup(in ConnTuple t)
    {
        if (_byTuple is not null) return _byTuple.GetValueOrDefault(t);
        for (int i = _smallCount - 1; i >= 0; i--)
        {
            var e = SmallAt(i);
            if (e.Original == t || e.Reply == t) return e;
        }
        return null;
    }

    private ConntrackEntry SmallAt(int i) => i == 0 ? _first! : _more![i - 1];

    internal ConntrackEntry CreateUnconfirmed(ConnTuple t) => new() { Original = t, Reply = t.Inverse, Id = _nextId++ };

    /// <summary>__nf_conntrack_confirm: the entry joins the table under both tuples.</summary>
    internal void Confirm(ConntrackEntry e)
    {
        e.Confirmed = true;
        if (_byTuple is not null) { Add(_byTuple, e); return; }
        if (_smallCount == SmallCapacity)
        {
            _byTuple = new Dictionary<ConnTuple, ConntrackEntry>(SmallCapacity * 4);
            for (int i = 0; i < _smallCount; i++) Add(_byTuple, SmallAt(i));
            Add(_byTuple, e);
            _first = null; _more = null; _smallCount = 0;
            return;
        }
        if (_smallCount == 0) _first = e;
        else (_more ??= new ConntrackEntry[SmallCapacity - 1])[_smallCount - 1] = e;
        _smallCount++;
    }

    private static void Add(Dictionary<ConnTuple, ConntrackEntry> d, ConntrackEntry e)
    {
        d[e.Original] = e;
        d[e.Reply] = e;
    }

    /// <summary>Whether a tuple is in use by another connection (for NAT uniqueness, nf_nat_used_tuple).</summary>
    internal bool InUse(ConnTuple replyTuple) => Lookup(replyTuple) is not null;
}
