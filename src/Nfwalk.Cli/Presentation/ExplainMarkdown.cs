using System.Text;
using Nfwalk.Semantics.Explain;

namespace Nfwalk.Cli.Presentation;

/// <summary>Renders an explanation as Markdown (for docs, issues and chat).</summary>
public static class ExplainMarkdown
{
    public static string Render(RulesetExplanation e)
    {
        var sb = new StringBuilder();
        sb.Append("# nfwalk explain: ").Append(Path.GetFileName(e.File)).Append("\n\n");
        foreach (var o in e.Overview) sb.Append("- ").Append(o).Append('\n');
        sb.Append('\n');
        foreach (var n in e.Notes) sb.Append("> ").Append(n).Append("\n>\n");
        if (e.Notes.Count > 0) sb.Length -= 2;
        sb.Append("\n## Where the chains sit in the packet path\n\n");
        foreach (var p in e.Paths)
        {
            sb.Append("**").Append(p.Name).Append("** — ").Append(p.Description).Append(":\n\n");
            for (int i = 0; i < p.Steps.Count; i++) sb.Append(i + 1).Append(". ").Append(p.Steps[i]).Append('\n');
            sb.Append('\n');
        }
        foreach (var t in e.Tables)
        {
            sb.Append("## Table `").Append(t.Name).Append("` (").Append(t.Certainty).Append(t.Certainty == "declared" ? "" : ", inferred").Append(", from line ").Append(t.Line).Append(")\n\n");
            sb.Append(t.Summary).Append(".\n\n");
            if (t.Certainty != "declared")
            {
                sb.Append("Why this table:\n\n");
                foreach (var r in t.Reasons) sb.Append("- ").Append(r).Append('\n');
                if (t.Doubt is not null) sb.Append("- **Not certain:** ").Append(t.Doubt).Append('\n');
                sb.Append('\n');
            }
            foreach (var c in t.Chains)
            {
                sb.Append("### ").Append(t.Name).Append(" / `").Append(c.Name).Append('`');
                if (c.Builtin) sb.Append(" (builtin, policy ").Append(c.Policy).Append(')');
                sb.Append("\n\n").Append(c.When).Append("\n\n");
                if (c.EnteredFrom.Count > 0)
                {
                    sb.Append("Entered from:\n\n");
                    foreach (var f in c.EnteredFrom) sb.Append("- ").Append(f).Append('\n');
                    sb.Append('\n');
                }
                foreach (var r in c.Rules)
                {
                    sb.Append(r.Number).Append(". `").Append(r.Text).Append("` (line ").Append(r.Line).Append(")\n");
                    sb.Append("   - **if** ").Append(r.Condition).Append('\n');
                    sb.Append("   - **then** ").Append(r.Action).Append('\n');
                    foreach (var n in r.Notes) sb.Append("   - **note:** ").Append(n).Append('\n');
                }
                if (c.Rules.Count > 0) sb.Append('\n');
                sb.Append(c.AtEnd).Append("\n\n");
            }
        }
        if (e.Diagnostics.Count > 0)
        {
            sb.Append("## Problems found\n\n");
            foreach (var d in e.Diagnostics) sb.Append("- ").Append(d.Location).Append(": ").Append(d.Severity).Append(": ").Append(d.Message).Append('\n');
        }
        return sb.ToString();
    }
}
