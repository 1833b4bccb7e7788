using System.Text;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model;

/// <summary>What a rule does when it matches: a verdict, a jump/goto, or a target extension with its options.</summary>
public abstract class Target
{
    /// <summary>The column of its "-j"/"-g" in its rule's line; 0 when it was not parsed from a line (see <see cref="Match.Column"/>).</summary>
    public int Column { get; internal set; }

    /// <summary>Where the target is written: its column in the line of <paramref name="rule"/> (the rule it belongs to), else the rule's place.</summary>
    public SourceLocation LocationIn(Rule rule) => rule.At(Column);

    /// <summary>Target name as written after -j (or the chain name for jumps).</summary>
    public abstract string Name { get; }

    /// <summary>Appends the canonical text, starting with " -j NAME" (or " -g NAME").</summary>
    public abstract void Print(StringBuilder sb);

    public abstract string Explain();

    /// <summary>Carries out the target on the packet (kernel semantics) and says how the rule walk goes on.</summary>
    public abstract TargetOutcome Apply(ITargetContext ctx);

    /// <summary>True when evaluation never continues with the next rule of the chain after this target.</summary>
    public abstract bool IsTerminating { get; }

    /// <summary>Tables where the kernel (or iptables) accepts this target.</summary>
    public virtual TableSet AllowedTables => TableSet.All;

    /// <summary>Builtin chains from which this target may be reached.</summary>
    public virtual HookSet AllowedHooks => HookSet.All;

    public virtual bool IsUnknown => false;

    public override string ToString() { var sb = new StringBuilder(); Print(sb); return sb.ToString().TrimStart(); }
}
