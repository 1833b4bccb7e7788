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
public sealed record WalkOutcome(string Kind, string Text, string? Interface = null, string? NextHop = null, string? Socket = null);

/// <summary>The packet at the start or end of a walk.</summary>
public sealed record PacketView(
    string Family, string Protocol, string Source, string Destination, int? SourcePort, int? DestinationPort, string? TcpFlags,
    string? InInterface, string? OutInterface, string Mark, string? ConnMark, string ConntrackState, string? ConntrackDirection, int Zone,
    string? Nat, int Length)
{
    public string Summary => $"{Protocol} {Nfwalk.Model.Net.Endpoint.Format(Source, SourcePort)} -> {Nfwalk.Model.Net.Endpoint.Format(Destination, DestinationPort)}"
        + (TcpFlags is not null ? $" [{TcpFlags}]" : "");
}

/// <summary>A whole walk of one packet through one node.</summary>
public sealed record WalkTrace(string Title, PacketView Packet, IReadOnlyList<TraceStep> Steps, WalkOutcome Outcome, PacketView Final, IReadOnlyList<string> Assumptions);
