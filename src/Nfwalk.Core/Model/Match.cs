using System.Text;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model;

/// <summary>
/// One condition of a rule: a base field (-s -d -i -o -p -f) or one "-m module" with its options.
/// Each concrete type keeps its parsed options, prints itself in iptables-save form and explains itself.
/// </summary>
/// <remarks>
/// Immutable, so one object may stand in several rules: the parser gives a rule the match of the rule before when it says
/// the same at the same column (base matches, tcp, udp). Anything kept per rule (the walk's nth counters, its assumptions)
/// is keyed by the rule, or by a match type that is never shared (statistic).
/// </remarks>
public abstract class Match
{
    /// <summary>
    /// The column where the match is written in its rule's line (its base option, "-m", or the "!" before them); 0 when it
    /// was not parsed from a line. A column, not a <see cref="SourceLocation"/>: the file and line are the rule's, and a
    /// location on each of the 300,000 matches of a large dump was 16 bytes and a reference to store per match.
    /// </summary>
    public int Column { get; internal set; }

    /// <summary>Where the match is written: its column in the line of <paramref name="rule"/> (the rule it belongs to), else the rule's place.</summary>
    public SourceLocation LocationIn(Rule rule) => rule.At(Column);

    /// <summary>The module name ("tcp", "mark", ...) or the base option ("-s").</summary>
    public abstract string Name { get; }

    /// <summary>Appends the canonical iptables-save text, starting with a space.</summary>
    public abstract void Print(StringBuilder sb);

    /// <summary>A plain-English condition, e.g. "TCP destination port 80".</summary>
    public abstract string Explain();

    /// <summary>The kernel's answer for this packet (each implementation names the kernel function it follows).</summary>
    public abstract bool Evaluate(IPacketContext ctx);

    /// <summary>Builtin chains from which the kernel (or iptables) accepts this match.</summary>
    public virtual HookSet AllowedHooks => HookSet.All;

    /// <summary>True for a module nfwalk keeps but does not model.</summary>
    public virtual bool IsUnknown => false;

    /// <summary>
    /// Whether the load-time checks (RulesetValidator: interface tests per hook, ipsets that must exist, matches valid in
    /// some hooks only, unknown modules) have anything to say about this match. The one definition both the validator and
    /// the parser's <see cref="Rule.OnlyPlainMatches"/> use.
    /// </summary>
    internal bool HasLoadTimeChecks => this is Matches.InterfaceMatch or Matches.SetMatch || IsUnknown || AllowedHooks != HookSet.All;

    /// <summary>Base fields (-s -d -i -o -p -f) print before every module, in this order.</summary>
    public virtual int BaseOrder => int.MaxValue;

    public override string ToString() { var sb = new StringBuilder(); Print(sb); return sb.ToString().TrimStart(); }
}
