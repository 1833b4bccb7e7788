using Nfwalk.Model.Evaluation;
using System.Text;

namespace Nfwalk.Model.Targets;

/// <summary>A target nfwalk does not model: kept word for word. Walks report it and assume it continues.</summary>
public sealed class UnknownTarget(string name, IReadOnlyList<string> words) : Target
{
    /// <summary>Targets known to end evaluation even though nfwalk does not model them.</summary>
    private static readonly HashSet<string> Terminating = ["NETMAP", "SYNPROXY", "CLUSTERIP", "TEE", "DNPT", "SNPT"];
    public string TargetName { get; } = name;
    public IReadOnlyList<string> Words { get; } = words;
    public override string Name => TargetName;
    public override bool IsUnknown => true;
    public override bool IsTerminating => Terminating.Contains(TargetName);
    public override TableSet AllowedTables => TargetName == "NETMAP" ? TableSet.Nat : TableSet.All;

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -j ").Append(TargetName);
        foreach (var w in Words) sb.Append(' ').Append(w);
    }

    public override string Explain()
        => $"target {TargetName}{(Words.Count > 0 ? " " + string.Join(' ', Words) : "")} — not modelled by nfwalk; walks assume it {(IsTerminating ? "ends evaluation" : "changes nothing nfwalk tracks and continues with the next rule")}";
    public override TargetOutcome Apply(ITargetContext ctx)
    {
        ctx.Note($"target {TargetName} is not modelled: assumed it {(IsTerminating ? "accepts the packet" : "changes nothing nfwalk tracks")}");
        return IsTerminating ? TargetOutcome.Accept : TargetOutcome.Continue;
    }

}
