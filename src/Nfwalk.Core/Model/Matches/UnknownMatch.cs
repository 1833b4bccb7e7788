using System.Text;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Matches;

/// <summary>A match module nfwalk does not model: kept word for word, printed back, reported as unknown in walks.</summary>
public sealed class UnknownMatch(string module, IReadOnlyList<string> words) : Match
{
    public string Module { get; } = module;
    /// <summary>The option words exactly as written (quotes included).</summary>
    public IReadOnlyList<string> Words { get; } = words;
    public override string Name => Module;
    public override bool IsUnknown => true;

    public override void Print(StringBuilder sb)
    {
        sb.Append(" -m ").Append(Module);
        foreach (var w in Words) sb.Append(' ').Append(w);
    }

    public override string Explain() => $"module \"{Module}\"{(Words.Count > 0 ? " " + string.Join(' ', Words) : "")} — not modelled by nfwalk, kept as written";
    public override bool Evaluate(IPacketContext ctx) => ctx.Assume(this, true, $"the {Module} match is not modelled");

}
