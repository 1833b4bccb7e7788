using Nfwalk.Diagnostics;
using Nfwalk.Model.Evaluation;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;

namespace Nfwalk.Snapshot;

/// <summary>
/// "ipset save" output and the membership test of -m set for the common set types (hash:ip, hash:net, hash:ip,port,
/// list:set), following ip_set_test: flags pick the packet fields dimension by dimension, fewer flags than dimensions
/// never match, hash:net takes the longest matching prefix and a "nomatch" element means not in the set
/// (inverted by --return-nomatch). Other types answer "unknown", which the walk reports as an assumption.
/// </summary>
public sealed class IpsetText
{
    public sealed record Element(IpPrefix Address, byte? Protocol, ushort? Port, bool NoMatch, string? Member);
    public sealed record Set(string Name, string Type, List<Element> Elements);

    public Dictionary<string, Set> Sets { get; } = new(StringComparer.Ordinal);

    public static IpsetText Parse(string text, string file, DiagnosticBag diags)
    {
        var r = new IpsetText();
        int n = 0;
        foreach (var raw in text.Split('\n'))
        {
            n++;
            var w = raw.TrimEnd('\r').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (w.Length < 3) { if (w.Length > 0) diags.Warning(new SourceLocation(file, n, 1), "ipset line not understood"); continue; }
            if (w[0] == "create") { r.Sets[w[1]] = new Set(w[1], w[2], new()); continue; }
            if (w[0] != "add") { diags.Warning(new SourceLocation(file, n, 1), $"ipset command \"{w[0]}\" ignored"); continue; }
            if (!r.Sets.TryGetValue(w[1], out var set)) { diags.Error(new SourceLocation(file, n, 5), $"add to set {w[1]}, which was not created before"); continue; }
            bool nomatch = w.Contains("nomatch");
            if (set.Type == "list:set") { set.Elements.Add(new Element(default, null, null, false, w[2])); continue; }
            var parts = w[2].Split(',');
            if (!IpPrefix.TryParse(parts[0], out var p)) { diags.Warning(new SourceLocation(file, n, raw.IndexOf(w[2], StringComparison.Ordinal) + 1), $"element \"{w[2]}\" not understood"); continue; }
            byte? proto = null; ushort? port = null;
            if (parts.Length > 1)
            {
                var pp = parts[1].Split(':');
                proto = pp.Length == 2 ? (Protocols.TryParse(pp[0], out var pr, out _) ? pr : (byte)0) : Protocols.Tcp;
                if (ushort.TryParse(pp[^1], out var po)) port = po;
            }
            set.Elements.Add(new Element(p, proto, port, nomatch, null));
        }
        return r;
    }

    /// <summary>The -m set answer for a packet; null for set types not modelled here.</summary>
    public bool? Test(SetMatch m, IPacketContext ctx, int depth = 0)
    {
        if (!Sets.TryGetValue(m.SetName, out var set) || depth > 4) return null;
        var flags = m.SourceFlags;
        switch (set.Type)
        {
            case "hash:ip" or "hash:net" or "bitmap:ip":
            {
                var a = flags[0] ? ctx.Source : ctx.Destination;
                Element? best = null;
                foreach (var e in set.Elements)
                    if (e.Address.Contains(a) && (best is null || e.Address.Length > best.Address.Length)) best = e;
                if (best is null) return false;
                return m.ReturnNomatch ? best.NoMatch : !best.NoMatch;
            }
            case "hash:ip,port":
            {
                if (flags.Count < 2) return false;
                var a = flags[0] ? ctx.Source : ctx.Destination;
                var port = flags[1] ? ctx.SourcePort : ctx.DestinationPort;
                return set.Elements.Any(e => e.Address.Contains(a) && e.Port == port && e.Protocol == ctx.Protocol);
            }
            case "list:set":
                foreach (var e in set.Elements)
                    if (Test(new SetMatch { SetName = e.Member!, SourceFlags = flags, ReturnNomatch = m.ReturnNomatch }, ctx, depth + 1) == true) return true;
                return false;
            default:
                return null;
        }
    }

    public string Describe(string name)
        => Sets.TryGetValue(name, out var s)
            ? $"{s.Type}, {s.Elements.Count} element{(s.Elements.Count == 1 ? "" : "s")}{(s.Elements.Count > 0 ? ": " + string.Join(", ", s.Elements.Take(8).Select(e => e.Member ?? (e.Address.IsHost ? e.Address.Address.ToString() : e.Address.ToString()) + (e.Port is { } p ? $",{Protocols.Name(e.Protocol ?? 6)}:{p}" : "") + (e.NoMatch ? " nomatch" : ""))) + (s.Elements.Count > 8 ? ", ..." : "") : "")}"
            : "not in the given ipset file";
}
