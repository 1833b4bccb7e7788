namespace Nfwalk.Model.Evaluation;

/// <summary>What a target does to the rule walk (ipt_do_table verdicts).</summary>
public enum Outcome : byte { Continue, Accept, Drop, Return, Jump, Goto, Queue }

public readonly record struct TargetOutcome(Outcome Kind, string? Chain = null)
{
    public static readonly TargetOutcome Continue = new(Outcome.Continue);
    public static readonly TargetOutcome Accept = new(Outcome.Accept);
    public static readonly TargetOutcome Drop = new(Outcome.Drop);
    public static readonly TargetOutcome Return = new(Outcome.Return);
    public static readonly TargetOutcome Queue = new(Outcome.Queue);
}

/// <summary>The side effects targets may have on the packet and its connection, carried out by the simulator.</summary>
public interface ITargetContext : IPacketContext
{
    /// <summary>NOTRACK / CT --notrack: the packet will get no conntrack entry.</summary>
    void Untrack();
    /// <summary>CT --zone: the conntrack zone the packet's connection will be looked up in.</summary>
    void SetZone(ushort zone);
    /// <summary>DNAT/SNAT/MASQUERADE/REDIRECT: decide the connection's NAT binding for this manip type.</summary>
    void Nat(Targets.NatTarget target);
    /// <summary>TPROXY: true when a transparent socket takes the packet (then the target sets the mark and accepts).</summary>
    bool TproxySocket(Targets.TproxyTarget target);
    /// <summary>REJECT: the error reply the kernel sends.</summary>
    void Reject(Targets.RejectTarget target);
    /// <summary>SET --add-set/--del-set.</summary>
    void UpdateSet(Targets.SetTarget target);
    /// <summary>Something worth showing in the trace (a log line, a queue, an assumption about an unmodelled target).</summary>
    void Note(string text);
}
