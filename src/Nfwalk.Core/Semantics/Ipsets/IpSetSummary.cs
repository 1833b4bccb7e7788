using Nfwalk.Model.Ipsets;

namespace Nfwalk.Semantics.Ipsets;

/// <summary>
/// A one-line account of an ipset for explanations of the rules that name it: its type, how many elements it has and
/// the first few of them as ipset prints them ("hash:ip, 2 elements: 10.244.1.5, 10.244.1.6"); nomatch elements say so.
/// </summary>
public static class IpSetSummary
{
    private const int Shown = 8;

    public static string Describe(IpSetCollection sets, string name)
    {
        if (!sets.TryGet(name, out var s)) return "not in the given ipset file";
        var n = s.Entries.Count;
        var text = $"{s.Type.Name}, {n} element{(n == 1 ? "" : "s")}";
        if (n == 0) return text;
        var shown = s.Entries.Take(Shown).Select(e => e.ElementText + (e.NoMatch ? " nomatch" : ""));
        return text + ": " + string.Join(", ", shown) + (n > Shown ? ", ..." : "");
    }
}
