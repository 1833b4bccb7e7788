using System.Text;
using Nfwalk.Model.Ipsets;

namespace Nfwalk.Parsing.Ipset;

/// <summary>
/// Prints sets back in "ipset save" form (what ipset restore reads): one "create" line per set, then its "add" lines.
/// Like ipset save, list:set sets come after all other sets so that their members exist when they are restored.
/// The kernel's own dump reads back identically, except that "forceadd" (never dumped) is printed when it was given.
/// </summary>
public static class IpsetSavePrinter
{
    public static string Print(IpSetCollection sets)
    {
        var sb = new StringBuilder();
        foreach (var s in sets.Sets.Where(s => s.Type != IpSetType.ListSet)) Append(sb, s);
        foreach (var s in sets.Sets.Where(s => s.Type == IpSetType.ListSet)) Append(sb, s);
        return sb.ToString();
    }

    public static string Print(IpSet set)
    {
        var sb = new StringBuilder();
        Append(sb, set);
        return sb.ToString();
    }

    /// <summary>One "add" line.</summary>
    public static string AddLine(IpSet set, IpSetEntry entry) => $"add {set.Name} {entry}";

    private static void Append(StringBuilder sb, IpSet set)
    {
        sb.Append(set.CreateLine).Append('\n');
        foreach (var e in set.Entries) sb.Append(AddLine(set, e)).Append('\n');
    }
}
