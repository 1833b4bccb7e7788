using Nfwalk.Model.Evaluation;
using System.Text;

namespace Nfwalk.Model.Targets;

public enum Verdict : byte { Accept, Drop, Return, Queue }

/// <summary>-j ACCEPT / DROP / RETURN / QUEUE: the standard verdicts (ipt_do_table).</summary>
public sealed class VerdictTarget(Verdict verdict) : Target
{
    public Verdict Verdict { get; } = verdict;
    public override string Name => Verdict switch { Verdict.Accept => "ACCEPT", Verdict.Drop => "DROP", Verdict.Return => "RETURN", _ => "QUEUE" };
    public override bool IsTerminating => true;
    public override TableSet AllowedTables => Verdict == Verdict.Drop ? TableSet.All & ~TableSet.Nat : TableSet.All;
    public override void Print(StringBuilder sb) => sb.Append(" -j ").Append(Name);

    public override string Explain() => Verdict switch
    {
        Verdict.Accept => "ACCEPT: stops this table's processing of the packet at this hook (from any depth of user chain); the next table or hook still runs",
        Verdict.Drop => "DROP: discards the packet silently; nothing later runs",
        Verdict.Return => "RETURN: leaves this chain and continues after the rule that jumped here (in a builtin chain: applies the chain policy)",
        _ => "QUEUE: hands the packet to userspace queue 0",
    };
    /// <summary>ipt_do_table standard verdicts.</summary>
    public override TargetOutcome Apply(ITargetContext ctx) => Verdict switch
    {
        Verdict.Accept => TargetOutcome.Accept, Verdict.Drop => TargetOutcome.Drop, Verdict.Return => TargetOutcome.Return, _ => TargetOutcome.Queue,
    };

}
