using System.Text;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model;

/// <summary>
/// One condition of a rule: a base field (-s -d -i -o -p -f) or one "-m module" with its options.
/// Each concrete type keeps its parsed options, prints itself in iptables-save form and explains itself.
/// </summary>
public abstract class Match
{
    public SourceLocation Location { get; internal set; }

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
