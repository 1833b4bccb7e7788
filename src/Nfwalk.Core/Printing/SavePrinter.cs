using System.Text;
using Nfwalk.Model;

namespace Nfwalk.Printing;

/// <summary>Prints a ruleset back in canonical iptables-save form. Canonical input comes back byte for byte.</summary>
public static class SavePrinter
{
    public static string Print(Ruleset ruleset)
    {
        var sb = new StringBuilder(ruleset.Source?.ByteLength ?? 4096);
        foreach (var item in ruleset.Items)
        {
            if (item is CommentLine c) sb.Append(c.Text).Append('\n');
            else if (item is Table t) PrintTable(sb, t);
        }
        return sb.ToString();
    }

    public static void PrintTable(StringBuilder sb, Table t)
    {
        if (!t.IsHeaderless) sb.Append('*').Append(t.Name.Name()).Append('\n');
        foreach (var c in t.Chains)
        {
            if (!c.IsDeclared) continue;
            sb.Append(':').Append(c.Name).Append(' ');
            sb.Append(c.Policy switch { Policy.Accept => "ACCEPT", Policy.Drop => "DROP", _ => "-" });
            if (c.PolicyCounters is { } pc) sb.Append(' ').Append(pc.ToString());
            sb.Append('\n');
        }
        foreach (var c in t.Chains)
            foreach (var r in c.Rules) { r.AppendSaveText(sb); sb.Append('\n'); }
        if (!t.IsHeaderless) sb.Append("COMMIT\n");
    }
}
